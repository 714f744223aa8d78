namespace BatchEditor.Providers;

/// <summary>
/// The send-and-classify pattern every adapter shares: an answer goes to the adapter's reader; a fault is
/// classified once, here, by the never-pay-twice rules in <see cref="HttpOutcomes"/>.
/// </summary>
public static class ProviderHttp
{
    /// <summary>
    /// Passes the fence (the last moment the submit can still be abandoned safely), then sends. From the fence on only a
    /// hard stop cancels (<see cref="SubmitFence.SendToken"/>): the answer of a request in flight is always wanted.
    /// </summary>
    public static async Task<SubmitOutcome> SubmitAsync(HttpClient http, HttpRequestMessage message, string provider,
        Func<HttpResponseMessage, string, SubmitOutcome> read, SubmitFence fence, CancellationToken ct)
    {
        if (!await fence.TryPassAsync(ct)) return new SubmitOutcome.NotSent("the worker lost the item before the request was sent");
        var sendToken = fence.SendToken;
        try
        {
            using var response = await http.SendAsync(message, sendToken);
            return read(response, await response.Content.ReadAsStringAsync(sendToken));
        }
        catch (Exception e) when (Downloads.OutboundGuard.RefusalIn(e) is { } refused)
        {
            // Refused before any byte left: nothing can have been billed, and retrying would be refused again.
            return new SubmitOutcome.Rejected(refused.Message, null, Retryable: false, null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return HttpOutcomes.SubmitFault(e, provider, sendToken);
        }
    }

    public static async Task<PollOutcome> PollAsync(HttpClient http, HttpRequestMessage message, string provider,
        Func<HttpResponseMessage, string, Task<PollOutcome>> read, CancellationToken ct)
    {
        try
        {
            using var response = await http.SendAsync(message, ct);
            return await read(response, await response.Content.ReadAsStringAsync(ct));
        }
        catch (Exception e) when (Downloads.OutboundGuard.RefusalIn(e) is { } refused)
        {
            return new PollOutcome.Failed($"{provider}'s status or result URL was not fetched: {refused.Message}", Refunded: false);
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return HttpOutcomes.PollFault(e, provider);
        }
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
