using System.Collections.Concurrent;

namespace BatchEditor.ProviderSim;

/// <summary>Options of the simulator (configuration section <c>Sim</c>).</summary>
public sealed class SimulatorOptions
{
    /// <summary>How long a job runs before it completes, unless a prompt says otherwise.</summary>
    public TimeSpan JobLatency { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long temporary output URLs stay downloadable.</summary>
    public TimeSpan OutputTtl { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Starting credit balance of every API key.</summary>
    public decimal StartingCredits { get; set; } = 100_000;

    /// <summary>Scales output images (1 = the requested size); tests use less to save CPU.</summary>
    public double ImageScale { get; set; } = 1;

    /// <summary>Pads every output PNG to about this many bytes with a private chunk, streamed: benchmarks use it for big files.</summary>
    public long OutputPadBytes { get; set; }
}

public sealed record SimJob(string Id, string Provider, string Model, string Prompt, int Width, int Height, int Count,
    decimal Credits, DateTimeOffset CreatedAt, DateTimeOffset ReadyAt, SimScript Script)
{
    public bool Refunded { get; init; }

    public DateTimeOffset ExpiresAt(TimeSpan ttl) => Script.Expired ? ReadyAt.AddMinutes(-1) : ReadyAt + ttl;
}

public sealed record SimFile(int Width, int Height, int Seed, DateTimeOffset ExpiresAt, bool Truncate);

/// <summary>Everything the simulator remembers, and the counters tests read through <c>GET /_sim/stats</c>.</summary>
public sealed class SimState(SimulatorOptions options, TimeProvider clock)
{
    public SimulatorOptions Options { get; } = options;
    public TimeProvider Clock { get; } = clock;
    public ConcurrentDictionary<string, SimJob> Jobs { get; } = new();
    public ConcurrentDictionary<string, SimFile> Files { get; } = new();
    public ConcurrentDictionary<string, decimal> Balances { get; } = new();
    private readonly ConcurrentDictionary<string, int> _submitsByPrompt = new();
    private readonly ConcurrentDictionary<string, int> _refusedOnce = new();
    private int _submits, _polls, _downloads;

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Counts a submit; returns how many times this prompt was submitted before.</summary>
    public int CountSubmit(string prompt)
    {
        Interlocked.Increment(ref _submits);
        return _submitsByPrompt.AddOrUpdate(prompt, 1, (_, n) => n + 1) - 1;
    }

    public int SubmitsOf(string prompt) => _submitsByPrompt.GetValueOrDefault(prompt);

    public int TotalSubmits => _submits;

    /// <summary>True the first time a prompt asks to be refused, false afterwards.</summary>
    public bool RefuseOnce(string prompt) => _refusedOnce.TryAdd(prompt, 1);

    public void CountPoll() => Interlocked.Increment(ref _polls);

    public void CountDownload() => Interlocked.Increment(ref _downloads);

    /// <summary>Charges credits against a key and returns the balance left.</summary>
    public decimal Charge(string apiKey, decimal credits) =>
        Balances.AddOrUpdate(apiKey, Options.StartingCredits - credits, (_, b) => b - credits);

    public object Stats() => new
    {
        submits = _submits,
        polls = _polls,
        downloads = _downloads,
        jobs = Jobs.Count,
        maxSubmitsOfOnePrompt = _submitsByPrompt.Values.DefaultIfEmpty(0).Max(),
        submitsByPrompt = _submitsByPrompt.ToDictionary(),
    };

    public int Seed(string prompt) => (int)((uint)StringComparer.Ordinal.GetHashCode(prompt) % 97);

    /// <summary>Records a new job that completes after the scripted or default latency.</summary>
    public SimJob NewJob(string provider, string model, string prompt, int width, int height, int count, decimal credits, SimScript script)
    {
        var job = new SimJob($"{provider[..3]}_{Guid.NewGuid():N}", provider, model, prompt, width, height, count, credits, Now,
            Now + (script.Latency ?? Options.JobLatency), script);
        Jobs[job.Id] = job;
        return job;
    }

    /// <summary>Where a job is: "queued" (first half of its latency), "running" (second half) or "done".</summary>
    public string Phase(SimJob job) =>
        Now >= job.ReadyAt ? "done" : Now < job.CreatedAt + (job.ReadyAt - job.CreatedAt) / 2 ? "queued" : "running";

    public string[] OutputUrls(SimJob job, string origin) =>
        Enumerable.Range(0, job.Count).Select(i => $"{origin}/files/{AddFile(job, i)}.png").ToArray();

    public string AddFile(SimJob job, int ordinal)
    {
        var token = $"{job.Id}-{ordinal}";
        var w = Math.Max(16, (int)(job.Width * Options.ImageScale));
        var h = Math.Max(16, (int)(job.Height * Options.ImageScale));
        Files[token] = new SimFile(w, h, Seed(job.Prompt) + ordinal, job.ExpiresAt(Options.OutputTtl), job.Script.Truncate);
        return token;
    }
}
