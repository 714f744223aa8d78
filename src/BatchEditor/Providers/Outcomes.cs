namespace BatchEditor.Providers;

/// <summary>The result of one submit call, classified so the engine never pays twice by accident.</summary>
public abstract record SubmitOutcome
{
    private SubmitOutcome() { }

    /// <summary>
    /// The provider created a job. <paramref name="FirstPollAfter"/> is the earliest first poll the provider's protocol asks
    /// for (zero: none); the worker decides the rest from what it learned of the provider's latency.
    /// </summary>
    public sealed record Accepted(ProviderJob Job, TimeSpan FirstPollAfter, DateTimeOffset? OutputsExpireAt, CostReport? Cost, int HttpStatus) : SubmitOutcome;

    /// <summary>
    /// The provider answered with the outputs at once (synchronous providers). <paramref name="ProviderText"/> is an
    /// excerpt of the answer, quoted when it holds no output.
    /// </summary>
    public sealed record Completed(string? JobId, IReadOnlyList<OutputRef> Outputs, CostReport? Cost, int HttpStatus, string? ProviderText = null) : SubmitOutcome;

    /// <summary>
    /// Nothing was created. <paramref name="Retryable"/> is true only when the answer proves that
    /// (connection refused, 429, 503): then the engine may submit again after <paramref name="RetryAfter"/>.
    /// </summary>
    public sealed record Rejected(string Reason, int? HttpStatus, bool Retryable, TimeSpan? RetryAfter) : SubmitOutcome;

    /// <summary>The request may have reached the provider and may be billed (timeout, 5xx, cut connection).</summary>
    public sealed record Ambiguous(string Reason, int? HttpStatus) : SubmitOutcome;

    /// <summary>
    /// Nothing was sent: the fence did not open (the worker lost the item first), or it opened and the request was
    /// <paramref name="Withdrawn"/> before its first byte left (the lease could not be proven any more).
    /// </summary>
    public sealed record NotSent(string Reason) : SubmitOutcome
    {
        public bool Withdrawn { get; init; }
    }
}

/// <summary>The result of one poll of a provider job. Polls are idempotent: any of these may be repeated.</summary>
public abstract record PollOutcome
{
    private PollOutcome() { }

    public sealed record InProgress(string ProviderStatus, TimeSpan? NextPollAfter) : PollOutcome;

    /// <summary>The job ended; <paramref name="ProviderText"/> is an excerpt of the answer, quoted when it holds no output.</summary>
    public sealed record Completed(IReadOnlyList<OutputRef> Outputs, CostReport? Cost, string? ProviderText = null) : PollOutcome;

    /// <summary>The job ended without outputs. <paramref name="Refunded"/>: the provider returns what it charged.</summary>
    public sealed record Failed(string Reason, bool Refunded) : PollOutcome;

    /// <summary>The poll itself failed (network, 5xx, 429); try again later.</summary>
    public sealed record Transient(string Reason, TimeSpan? RetryAfter) : PollOutcome;
}
