using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Providers;

/// <summary>Settings of one provider account (configuration section <c>Providers:&lt;Name&gt;</c>).</summary>
public sealed class ProviderSettings
{
    [Required, Url] public string BaseUrl { get; set; } = "";

    /// <summary>Secret: sent only in the provider's auth header, never logged or stored.</summary>
    public string? ApiKey { get; set; }

    public string? Model { get; set; }

    /// <summary>Jobs in flight at this provider (submitting or running), cluster-wide.</summary>
    [Range(1, 10_000)] public int MaxConcurrency { get; set; } = 4;

    /// <summary>Most this provider may cost per UTC day (estimates reserved at claim count); past it, it is paused until midnight.</summary>
    [Range(0, double.MaxValue)] public decimal? DailyBudgetCredits { get; set; }

    [Range(0, double.MaxValue)] public decimal? DailyBudgetUsd { get; set; }

    /// <summary>When the provider reports fewer credits remaining than this, it is paused (top the account up, then resume).</summary>
    [Range(0, double.MaxValue)] public decimal? CreditsFloor { get; set; }

    /// <summary>Submissions per minute, cluster-wide.</summary>
    [Range(1, 100_000)] public int RequestsPerMinute { get; set; } = 60;

    /// <summary>
    /// The first poll while nothing is learned of this provider's latency (a worker's first jobs of a kind); after that
    /// the worker polls near the latency it learned (docs/performance.md, adaptive polling).
    /// </summary>
    public TimeSpan FirstPollDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The poll cadence while nothing is learned, and the first back-off step for a job slower than usual.</summary>
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait between two polls of a job.</summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Consecutive failed submits (5xx, timeouts, refused connections) that open the circuit breaker, cluster-wide.</summary>
    [Range(1, 1000)] public int BreakerFailures { get; set; } = 5;

    /// <summary>How long an open breaker lets no submit through; then one probe decides whether it closes.</summary>
    public TimeSpan BreakerCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Timeout of one HTTP call; a submit that times out is ambiguous (NeedsReview). Defaults per provider: 60 s for
    /// queues, 300 s for synchronous providers (gptimageapi, OpenAI), whose submit lasts the whole edit.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A provider with a batch API (OpenAI): items with a deadline wait for a batch until this long before it, then are
    /// submitted synchronously (null: no batches). Batches are cancelled when their items near it.
    /// </summary>
    public TimeSpan? BatchDeadlineMargin { get; set; }

    /// <summary>Money per provider credit, so credits can be summed in USD; unset = cost in credits only.</summary>
    [Range(0, 1000)] public decimal? CreditPriceUsd { get; set; }

    /// <summary>Money per output image, for providers that publish no price (GMI Cloud); unset = unpriced.</summary>
    [Range(0, 1000)] public decimal? PricePerImageUsd { get; set; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(ApiKey);

    public decimal? ToUsd(decimal credits) => CreditPriceUsd is { } price ? credits * price : null;

    /// <summary>Never the API key.</summary>
    public override string ToString() => $"Provider({BaseUrl}, key {(IsConfigured ? "set" : "unset")}, max {MaxConcurrency} in flight)";
}
