using System.Text;

namespace BatchEditor.Providers;

/// <summary>
/// The send-and-classify pattern every adapter shares: an answer goes to the adapter's reader; a fault is
/// classified once, here, by the never-pay-twice rules in <see cref="HttpOutcomes"/>.
/// </summary>
public static class ProviderHttp
{
    /// <summary>The most of an answer read into memory: status and queue answers are small JSON documents.</summary>
    public const int MaxAnswerBytes = 1 << 20;

    /// <summary>
    /// Passes the fence (the last moment the submit can still be abandoned safely), then sends. The fence is asked once
    /// more just before the first byte leaves. From the fence on only a hard stop cancels (<see cref="SubmitFence.SendToken"/>):
    /// the answer of a request in flight is always wanted. <paramref name="maxAnswerBytes"/>: a synchronous provider's
    /// answer carries its images; a longer answer is not read (and is ambiguous: the edit may be billed).
    /// </summary>
    public static async Task<SubmitOutcome> SubmitAsync(HttpClient http, HttpRequestMessage message, string provider,
        Func<HttpResponseMessage, string, SubmitOutcome> read, SubmitFence fence, CancellationToken ct, int maxAnswerBytes = MaxAnswerBytes)
    {
        if (!await fence.TryPassAsync(ct)) return new SubmitOutcome.NotSent("the worker lost the item before the request was sent");
        if (message.Content is { } body) message.Content = new FencedContent(body, fence);
        var sendToken = fence.SendToken;
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, sendToken);
            return read(response, await ReadAnswerAsync(response, maxAnswerBytes, sendToken));
        }
        catch (Exception e) when (fence.Withdrawn)
        {
            return new SubmitOutcome.NotSent(e is SendWithdrawnException ? e.Message : new SendWithdrawnException().Message) { Withdrawn = true };
        }
        catch (Exception e) when (Downloads.OutboundGuard.RefusalIn(e) is { } refused)
        {
            // Refused before any byte left: nothing can have been billed, and retrying would be refused again.
            return new SubmitOutcome.Rejected(refused.Message, null, Retryable: false, null);
        }
        catch (AnswerTooLongException e)
        {
            return new SubmitOutcome.Ambiguous($"{provider} answered with more than {e.Limit} bytes, which was not read; the job may exist", e.Status);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
        {
            return HttpOutcomes.SubmitFault(e, provider, sendToken);
        }
    }

    public static async Task<PollOutcome> PollAsync(HttpClient http, HttpRequestMessage message, string provider,
        Func<HttpResponseMessage, string, Task<PollOutcome>> read, CancellationToken ct)
    {
        try
        {
            using var response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, ct);
            return await read(response, await ReadAnswerAsync(response, MaxAnswerBytes, ct));
        }
        catch (Exception e) when (Downloads.OutboundGuard.RefusalIn(e) is { } refused)
        {
            return new PollOutcome.Failed($"{provider}'s status or result URL was not fetched: {refused.Message}", Refunded: false);
        }
        catch (AnswerTooLongException e)
        {
            return new PollOutcome.Transient($"{provider} answered a poll with more than {e.Limit} bytes, which was not read", null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return HttpOutcomes.PollFault(e, provider);
        }
    }

    /// <summary>
    /// The answer's text, read up to <paramref name="limit"/> bytes: a provider (or anything answering in its place) cannot
    /// make the worker hold gigabytes in memory.
    /// </summary>
    public static async Task<string> ReadAnswerAsync(HttpResponseMessage response, int limit, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength > limit) throw new AnswerTooLongException(limit, (int)response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit) throw new AnswerTooLongException(limit, (int)response.StatusCode);
            buffer.Write(chunk, 0, read);
        }
        var charset = response.Content.Headers.ContentType?.CharSet;
        var encoding = charset is null ? Encoding.UTF8 : TryEncoding(charset.Trim('"'));
        return encoding.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static Encoding TryEncoding(string name)
    {
        try { return Encoding.GetEncoding(name); }
        catch (ArgumentException) { return Encoding.UTF8; }
    }

    /// <summary>A GET of a JSON status document: non-success answers are classified here, the document by the adapter.</summary>
    public static async Task<PollOutcome> PollJsonAsync(HttpClient http, string url, string scheme, string? key, string provider,
        Func<System.Text.Json.Nodes.JsonNode?, PollOutcome> read, CancellationToken ct)
    {
        using var message = Request(HttpMethod.Get, url, scheme, key);
        return await PollAsync(http, message, provider, (response, text) => Task.FromResult(
            response.IsSuccessStatusCode ? read(ProviderJson.TryParse(text)) : HttpOutcomes.PollRefused(response, text, provider)), ct);
    }

    public static HttpRequestMessage Request(HttpMethod method, string url, string scheme, string? key, HttpContent? content = null)
    {
        var message = new HttpRequestMessage(method, url) { Content = content };
        message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(scheme, key);
        return message;
    }
}

/// <summary>An answer longer than the reader allows; it was not read.</summary>
public sealed class AnswerTooLongException(int limit, int status) : IOException($"the answer is longer than {limit} bytes")
{
    public int Limit { get; } = limit;
    public int Status { get; } = status;
}
