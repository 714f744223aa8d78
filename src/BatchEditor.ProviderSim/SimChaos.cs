using System.Security.Cryptography;
using System.Text;

namespace BatchEditor.ProviderSim;

/// <summary>
/// Rates of the simulator's chaos mode (configuration <c>Sim:Chaos</c>); null = no chaos. Per request: server errors
/// (half of them after the job was created and charged), 429 with Retry-After, submits that never answer. Per job: failed,
/// expired, empty, truncated and stalling outputs. Every draw is a hash of the seed and what it is about, so a run is
/// reproducible and a retried request draws again.
/// </summary>
public sealed class ChaosOptions
{
    public int Seed { get; set; } = 1;
    public double ServerErrorRate { get; set; } = 0.10;
    public double TooManyRequestsRate { get; set; } = 0.05;
    public double StalledSubmitRate { get; set; } = 0.02;
    public double FailedJobRate { get; set; } = 0.01;
    public double StalledBodyRate { get; set; } = 0.01;
    public double TruncatedRate { get; set; } = 0.01;
    public double ExpiredRate { get; set; } = 0.01;
    public double EmptyRate { get; set; } = 0.01;
}

/// <summary>What chaos decided for one request or one job.</summary>
public enum ChaosFault { None, ServerErrorBeforeCreate, ServerErrorAfterCreate, TooManyRequests, Stall }

public sealed class SimChaos(ChaosOptions options)
{
    /// <summary>A submit, poll or download: the <paramref name="nth"/> time <paramref name="subject"/> was asked.</summary>
    public ChaosFault ForRequest(string kind, string subject, int nth, bool canStall)
    {
        var roll = Roll($"{kind}:{subject}:{nth}");
        var half = options.ServerErrorRate / 2;
        if (roll < half) return ChaosFault.ServerErrorBeforeCreate;
        if (roll < options.ServerErrorRate) return ChaosFault.ServerErrorAfterCreate;
        if (roll < options.ServerErrorRate + options.TooManyRequestsRate) return ChaosFault.TooManyRequests;
        if (canStall && roll < options.ServerErrorRate + options.TooManyRequestsRate + options.StalledSubmitRate) return ChaosFault.Stall;
        return ChaosFault.None;
    }

    /// <summary>A job's fate, drawn once per prompt; returns the script with it applied and its name ("" = none).</summary>
    public (SimScript Script, string Fate) ForJob(string prompt, SimScript script)
    {
        var roll = Roll($"job:{prompt}");
        (double Rate, string Name, Func<SimScript, SimScript> Apply)[] fates =
        [
            (options.FailedJobRate, "failed", s => s with { Fail = true }),
            (options.ExpiredRate, "expired", s => s with { Expired = true }),
            (options.EmptyRate, "empty", s => s with { Empty = true }),
            (options.TruncatedRate, "truncated", s => s with { Truncate = true }),
            (options.StalledBodyRate, "stalledbody", s => s with { StallBody = true }),
        ];
        var edge = 0.0;
        foreach (var (rate, name, apply) in fates)
            if (roll < (edge += rate)) return (apply(script), name);
        return (script, "");
    }

    private double Roll(string what)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{options.Seed}|{what}"));
        return BitConverter.ToUInt64(hash, 0) / (double)ulong.MaxValue;
    }
}
