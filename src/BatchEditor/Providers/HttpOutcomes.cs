using System.Net;
using System.Text.Json;

namespace BatchEditor.Providers;

/// <summary>
/// Classifies HTTP answers and faults the same way for every adapter. The rule that matters (docs/reliability.md):
/// a submit is retryable only when the answer proves nothing was created.
/// </summary>
public static class HttpOutcomes
{
    /// <summary>Statuses that prove the request was turned away before any job existed.</summary>
    public static bool ProvesNotCreated(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout;

    public static bool IsTransient(HttpStatusCode status) =>
        ProvesNotCreated(status) || (int)status >= 500;

    /// <summary>The longest <c>Retry-After</c> obeyed: a server asking for an hour (or a year) is asked again sooner.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        // A date is read against the answer's own Date header (the server's clock), not this machine's, which may be off.
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - (response.Headers.Date ?? DateTimeOffset.UtcNow) : null);
        return wait is null ? null : wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;
    }

    /// <summary>
    /// What an answer said, fit for an item's reason (shown on the dashboard, exported to spreadsheets): one line, no
    /// control characters, at most 200 characters; a page of markup (an HTML error page from a proxy or an arbitrary host)
    /// is described, not quoted.
    /// </summary>
    public static string Excerpt(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "(empty body)";
        var clean = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
            .Select(word => new string(word.Where(c => !char.IsControl(c)).ToArray())));
        if (System.Text.RegularExpressions.Regex.IsMatch(clean, @"<\s*(html|body|head|!doctype|div|p|h1|title)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            return $"(a {text.Length}-character HTML page, not quoted)";
        return clean.Length > 200 ? clean[..200] + "…" : clean;
    }

    /// <summary>A submit that threw instead of answering.</summary>
    public static SubmitOutcome SubmitFault(Exception error, string provider, CancellationToken ct) => error switch
    {
        // Could not connect or resolve: the request never left this machine.
        HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } e =>
            new SubmitOutcome.Rejected($"{provider} unreachable: {e.Message}", null, Retryable: true, RetryAfter: null),
        OperationCanceledException when !ct.IsCancellationRequested =>
            new SubmitOutcome.Ambiguous($"{provider} did not answer in time; the job may exist and may be billed", null),
        OperationCanceledException => new SubmitOutcome.Ambiguous("worker stopped while the submit was in flight", null),
        _ => new SubmitOutcome.Ambiguous($"{provider} connection failed mid-request ({error.Message}); the job may exist", null),
    };

    /// <summary>A submit answered with a status the adapter does not treat as success.</summary>
    public static SubmitOutcome SubmitRefused(HttpResponseMessage response, string body, string provider)
    {
        var status = response.StatusCode;
        var detail = $"{(int)status} from {provider}: {ErrorText(body)}";
        if (ProvesNotCreated(status))
            return new SubmitOutcome.Rejected(detail, (int)status, Retryable: true, RetryAfter(response));
        if ((int)status >= 500)
            return new SubmitOutcome.Ambiguous(detail + "; the job may exist", (int)status);
        return new SubmitOutcome.Rejected(detail, (int)status, Retryable: false, null);
    }

    public static PollOutcome PollFault(Exception error, string provider) =>
        new PollOutcome.Transient($"poll of {provider} failed: {error.Message}", null);

    public static PollOutcome PollRefused(HttpResponseMessage response, string body, string provider)
    {
        var detail = $"{(int)response.StatusCode} from {provider} while polling: {ErrorText(body)}";
        return IsTransient(response.StatusCode) || response.StatusCode == HttpStatusCode.Unauthorized
            ? new PollOutcome.Transient(detail, RetryAfter(response))
            : new PollOutcome.Failed(detail, Refunded: false);
    }

    /// <summary>The readable part of an error body: JSON message/error fields when present, else the start of the text.</summary>
    public static string ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            foreach (var name in (string[])["error", "message", "detail"])
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(name, out var v))
                    return Excerpt(v.ValueKind == JsonValueKind.String ? v.GetString()! : v.ToString());
        }
        catch (JsonException) { }
        return Excerpt(body);
    }
}
