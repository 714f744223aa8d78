namespace BatchEditor.Alerting;

/// <summary>Alerts (configuration section <c>Alerts</c>): where digests go, how often, and each rule's threshold.</summary>
public sealed class AlertOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>How often a worker evaluates the rules.</summary>
    public TimeSpan EvaluateInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At most one notification per rule per interval while it fires (a reminder each interval, not one per round).</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Digests POSTed here as JSON, signed with <c>Webhooks__SigningSecret</c>.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Digests POSTed here in Slack's incoming-webhook format (a secret: the URL is the credential).</summary>
    public string? SlackWebhookUrl { get; set; }

    /// <summary>failure-share: a manifest still running with more than this share of its finished items failed or expired…</summary>
    public double FailureShare { get; set; } = 0.2;

    /// <summary>…once at least this many of its items finished.</summary>
    public int FailureMinItems { get; set; } = 20;

    /// <summary>review: at least this many items waiting in NeedsReview.</summary>
    public int ReviewItems { get; set; } = 1;

    /// <summary>breaker: a provider's circuit breaker open for longer than this.</summary>
    public TimeSpan BreakerOpenFor { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>spend: today's spend (UTC) over this many dollars or credits; off while unset.</summary>
    public decimal? SpendTodayUsd { get; set; }

    public decimal? SpendTodayCredits { get; set; }

    /// <summary>expiry: paid outputs not yet stored that expire within this.</summary>
    public TimeSpan ExpiryWithin { get; set; } = TimeSpan.FromHours(1);

    /// <summary>schedule: a schedule that has not fired this long after it was due.</summary>
    public TimeSpan ScheduleGrace { get; set; } = TimeSpan.FromMinutes(15);

    public override string ToString() =>
        $"Alerts(Enabled: {Enabled}, Webhook: {(WebhookUrl is null ? "unset" : "set")}, Slack: {(SlackWebhookUrl is null ? "unset" : "***")}, MinInterval: {MinInterval})";
}
