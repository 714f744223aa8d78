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

    /// <summary>The Retry-After (seconds) sent with 429 and 503 refusals.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Random faults in the PixelDojo protocol and output downloads; null = none.</summary>
    public ChaosOptions? Chaos { get; set; }

    /// <summary>
    /// How long an OpenAI batch takes to finish past its longest line, and the window after which an unfinished batch
    /// expires (OpenAI's is 24 h; tests shorten it). A line takes the job latency, or its prompt's <c>[sim:latency=…]</c>.
    /// </summary>
    public TimeSpan BatchFinalizing { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromHours(24);
}

public sealed record SimJob(string Id, string Provider, string Model, string Prompt, int Width, int Height, int Count,
    decimal Credits, DateTimeOffset CreatedAt, DateTimeOffset ReadyAt, SimScript Script)
{
    public bool Refunded { get; init; }

    /// <summary>The name of the first input when it is one the simulator serves (<c>/inputs/{name}.png</c>).</summary>
    public string? InputName { get; init; }

    /// <summary>A mask the simulator serves was given: the edit changes only inside it (unless scripted otherwise).</summary>
    public bool Masked { get; init; }

    /// <summary>The format asked for (<c>jpeg</c>, <c>webp</c>; null: PNG).</summary>
    public string? Format { get; init; }

    public DateTimeOffset ExpiresAt(TimeSpan ttl) => Script.Expired ? ReadyAt.AddMinutes(-1) : ReadyAt + ttl;
}

public sealed record SimFile(int Width, int Height, int Seed, DateTimeOffset ExpiresAt, bool Truncate, bool StallBody = false, bool Blank = false)
{
    /// <summary>The file is an input image itself (<c>[sim:unchanged]</c>), rendered as <c>/inputs/</c> renders it.</summary>
    public bool Input { get; init; }

    /// <summary>The input (seed <see cref="InputSeed"/>) edited only inside the simulator's masks' transparent centre.</summary>
    public int? InputSeed { get; init; }

    /// <summary>Served as <c>jpeg</c> or <c>webp</c> instead of PNG.</summary>
    public string? Format { get; init; }
}

/// <summary>Everything the simulator remembers, and the counters tests read through <c>GET /_sim/stats</c>.</summary>
public sealed class SimState(SimulatorOptions options, TimeProvider clock)
{
    public SimulatorOptions Options { get; } = options;
    public TimeProvider Clock { get; } = clock;
    public ConcurrentDictionary<string, SimJob> Jobs { get; } = new();
    public ConcurrentDictionary<string, SimFile> Files { get; } = new();
    public ConcurrentDictionary<string, decimal> Balances { get; } = new();
    private readonly ConcurrentDictionary<string, int> _submitsByPrompt = new();
    private readonly ConcurrentDictionary<string, int> _counters = new();
    private int _submits, _polls, _downloads;

    /// <summary>Net credits charged per prompt (charges less refunds): the provider's own record, to reconcile against.</summary>
    public ConcurrentDictionary<string, decimal> ChargesByPrompt { get; } = new();

    /// <summary>Chaos's job fate per prompt ("failed", "expired", "empty", "truncated", "stalledbody").</summary>
    public ConcurrentDictionary<string, string> Fates { get; } = new();

    public SimChaos? Chaos { get; } = options.Chaos is { } chaos ? new SimChaos(chaos) : null;

    public DateTimeOffset Now => Clock.GetUtcNow();

    /// <summary>Counts a submit; returns how many times this prompt was submitted before.</summary>
    public int CountSubmit(string prompt)
    {
        Interlocked.Increment(ref _submits);
        return _submitsByPrompt.AddOrUpdate(prompt, 1, (_, n) => n + 1) - 1;
    }

    public int SubmitsOf(string prompt) => _submitsByPrompt.GetValueOrDefault(prompt);

    public int TotalSubmits => _submits;

    /// <summary>True for the first <paramref name="times"/> submits of a prompt that asks to be refused, false afterwards.</summary>
    public bool ShouldRefuse(string prompt, int times) => Next($"refuse:{prompt}") <= times;

    /// <summary>
    /// Providers that are down (<c>POST /_sim/outage/{provider}</c>, <c>DELETE</c> to end it): every submit is refused with
    /// 503 before anything is created, polls and downloads of jobs already created go on.
    /// </summary>
    public ConcurrentDictionary<string, bool> Outages { get; } = new();

    /// <summary>OpenAI Files API uploads and batch output files, by file id.</summary>
    public ConcurrentDictionary<string, byte[]> BatchFiles { get; } = new();

    /// <summary>OpenAI batches, by id.</summary>
    public ConcurrentDictionary<string, Protocols.OpenAiBatchProtocol.SimBatch> Batches { get; } = new();

    /// <summary>Inputs whose bytes changed under the same URL (a re-shot photo): how many times, by name.</summary>
    public ConcurrentDictionary<string, int> InputEdits { get; } = new();

    /// <summary>How often each input was fetched, by name.</summary>
    public ConcurrentDictionary<string, int> InputFetches { get; } = new();

    /// <summary>The seed of the stand-in photo /inputs/{name}.png serves now (a re-shot one draws another).</summary>
    public int InputSeed(string name) => Seed(InputEdits.TryGetValue(name, out var edits) ? $"{name}#{edits}" : name);

    public void CountInputFetch(string name) => InputFetches.AddOrUpdate(name, 1, (_, n) => n + 1);

    /// <summary>True only the first time this is asked about <paramref name="what"/>.</summary>
    public bool FirstTime(string what) => Next($"first:{what}") == 1;

    /// <summary>
    /// What every protocol does first with a submit: counts it, refuses it when the prompt asks (429/503), stalls it when
    /// the prompt asks. Returns the refusal to answer, or null to go on.
    /// </summary>
    public async Task<IResult?> GateSubmitAsync(string provider, string prompt, SimScript script, CancellationToken ct)
    {
        CountSubmit(prompt);
        if (Outages.ContainsKey(provider)) return SimAuth.Refuse(503, Options.RetryAfterSeconds); // down: nothing is created
        if (script.RefuseFirstWith is { } status && ShouldRefuse(prompt, script.RefuseCount)) return SimAuth.Refuse(status, Options.RetryAfterSeconds);
        if (script.Stall || script.StallOnce && FirstTime($"stall:{prompt}")) await Task.Delay(Timeout.InfiniteTimeSpan, ct);
        return null;
    }

    /// <summary>Counts how often <paramref name="what"/> happened, this time included.</summary>
    public int Next(string what) => _counters.AddOrUpdate(what, 1, (_, n) => n + 1);

    public void CountPoll() => Interlocked.Increment(ref _polls);

    public void CountDownload() => Interlocked.Increment(ref _downloads);

    /// <summary>Charges credits (negative: refunds) against a key for a prompt and returns the balance left.</summary>
    public decimal Charge(string apiKey, decimal credits, string prompt)
    {
        ChargesByPrompt.AddOrUpdate(prompt, credits, (_, c) => c + credits);
        return Balances.AddOrUpdate(apiKey, Options.StartingCredits - credits, (_, b) => b - credits);
    }

    public object Stats() => new
    {
        submits = _submits,
        polls = _polls,
        downloads = _downloads,
        jobs = Jobs.Count,
        maxSubmitsOfOnePrompt = _submitsByPrompt.Values.DefaultIfEmpty(0).Max(),
        submitsByPrompt = _submitsByPrompt.ToDictionary(),
    };

    /// <summary>The side of the stand-in product photos served at <c>/inputs/</c>.</summary>
    public const int InputSide = 64;

    /// <summary>The name of a URL the simulator serves at <c>/inputs/{name}.png</c>, or null.</summary>
    public static string? InputNameOf(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.AbsolutePath.StartsWith("/inputs/", StringComparison.Ordinal) && uri.AbsolutePath.EndsWith(".png", StringComparison.Ordinal)
            ? uri.AbsolutePath["/inputs/".Length..^".png".Length] : null;

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

    /// <summary>The job's output URLs; none for a job scripted to complete empty.</summary>
    public string[] OutputUrls(SimJob job, string origin) =>
        Enumerable.Range(0, job.Script.Empty ? 0 : job.Count).Select(i => $"{origin}/files/{AddFile(job, i)}.png").ToArray();

    public string AddFile(SimJob job, int ordinal)
    {
        var token = $"{job.Id}-{ordinal}";
        var w = Math.Max(16, (int)(job.Width * Options.ImageScale));
        var h = Math.Max(16, (int)(job.Height * Options.ImageScale));
        var seed = Seed(job.Prompt) + ordinal;
        if (job.Script.WrongSize) h = Math.Max(8, h / 2);
        // The input itself, as /inputs/ serves it.
        var input = job.Script.Unchanged ? job.InputName : null;
        if (input is not null) (w, h, seed) = (InputSide, InputSide, InputSeed(input));
        // A masked edit of an input served here: the input, changed inside the mask only (or everywhere, when scripted so).
        int? masked = null;
        if (job.Masked && job.InputName is { } source && input is null)
        {
            (w, h) = (InputSide, InputSide);
            if (!job.Script.OutsideMask) masked = InputSeed(source);
        }
        Files[token] = new SimFile(w, h, seed, job.ExpiresAt(Options.OutputTtl), job.Script.Truncate, job.Script.StallBody, job.Script.Blank)
        {
            Input = input is not null, InputSeed = masked, Format = job.Script.WrongFormat ? null : job.Format,
        };
        return token;
    }
}
