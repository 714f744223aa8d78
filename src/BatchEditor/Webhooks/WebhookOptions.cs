using System.ComponentModel.DataAnnotations;

namespace BatchEditor.Webhooks;

/// <summary>Completion webhooks (configuration section <c>Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>The HMAC-SHA256 key deliveries are signed with; a secret, never logged. Required to submit with a webhook.</summary>
    public string? SigningSecret { get; set; }

    /// <summary>The wait before the first retry; each later one waits twice as long, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts before a delivery is given up (recorded as failed).</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 10;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Why a manifest cannot have this webhook (not an http(s) URL, or no signing secret here); null when it can.</summary>
    public string? Refuse(string? url) =>
        url is null ? null
        : !Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) ? $"webhook '{url}' is not an http(s) URL"
        : string.IsNullOrEmpty(SigningSecret) ? "a webhook needs Webhooks__SigningSecret, the key its deliveries are signed with"
        : null;

    public override string ToString() => $"Webhooks(SigningSecret: {(SigningSecret is null ? "unset" : "***")}, MaxAttempts: {MaxAttempts})";
}
