using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace BatchEditor.Providers.OpenAI;

/// <summary>A batch as OpenAI reports it: its status, its files once it ended, and its request counts.</summary>
public sealed record OpenAiBatch(string Id, string Status, string? OutputFileId, string? ErrorFileId, int Total, int Completed, int Failed, string? Errors)
{
    /// <summary>Nothing more will happen to it: its files (if any) are final.</summary>
    public bool Ended => Status is "completed" or "failed" or "expired" or "cancelled";
}

/// <summary>
/// One line of a batch's output or error file: the request's <c>custom_id</c>, and either the endpoint's answer (its
/// status code and body) or an error the batch gave instead (e.g. <c>batch_expired</c>, <c>batch_cancelled</c>).
/// </summary>
public sealed record OpenAiBatchLine(string CustomId, int? StatusCode, JsonNode? Body, string? ErrorCode, string? ErrorMessage)
{
    /// <summary>The edit ran and answered with its images: billed, at batch prices.</summary>
    public bool Succeeded => StatusCode == 200 && Body?["data"] is JsonArray;
}

/// <summary>
/// OpenAI's Files and Batches APIs for <c>/v1/images/edits</c>: each request is a JSONL line with the JSON form of an
/// edit (images and mask by URL, <see cref="RequestLine"/>), the file is uploaded with <c>purpose=batch</c> (at most
/// 50,000 lines and 200 MB), the batch created with a 24 h window, polled, cancelled, and its output and error files read
/// as streams, a line at a time. Batch requests cost half the synchronous price (<see cref="PriceFactor"/>).
/// </summary>
public sealed class OpenAiBatches(IHttpClientFactory httpClients, IOptionsMonitor<ProviderSettings> settings)
{
    public const int MaxLines = 50_000;
    public const long MaxFileBytes = 200L * 1024 * 1024;
    public const decimal PriceFactor = 0.5m;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private ProviderSettings Settings => settings.Get(OpenAiProvider.ProviderName);
    private HttpClient Http => httpClients.CreateClient(OpenAiProvider.ProviderName);
    private string Url(string path) => $"{Settings.BaseUrl.TrimEnd('/')}/{path}";

    /// <summary>The JSONL line of one edit: the JSON form of <c>/v1/images/edits</c>, images and mask referenced by URL.</summary>
    public static string RequestLine(string customId, EditRequest request)
    {
        var body = new JsonObject
        {
            ["model"] = request.Model,
            ["prompt"] = request.Prompt,
            ["images"] = new JsonArray([.. request.ImageUrls.Select(url => (JsonNode)new JsonObject { ["image_url"] = url })]),
            ["n"] = request.N,
            ["size"] = OpenAiSizes.Map(request.Model, request.Size, out _) ?? "auto",
        };
        if (request.MaskUrl is { } mask) body["mask"] = new JsonObject { ["image_url"] = mask };
        if (request.Quality is { } quality) body["quality"] = quality;
        if (request.OutputFormat is { } format) body["output_format"] = format;
        return new JsonObject { ["custom_id"] = customId, ["method"] = "POST", ["url"] = "/v1/images/edits", ["body"] = body }.ToJsonString();
    }

    /// <returns>The uploaded file's id.</returns>
    public async Task<string> UploadAsync(Stream jsonl, string fileName, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent { { new StringContent("batch"), "purpose" } };
        var file = new StreamContent(jsonl);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(file, "file", fileName);
        using var request = ProviderHttp.Request(HttpMethod.Post, Url("files"), "Bearer", Settings.ApiKey, form);
        return (await SendAsync(request, ct)).Str("id") ?? throw new OpenAiBatchException("openai answered the upload without a file id");
    }

    public async Task<OpenAiBatch> CreateAsync(string inputFileId, CancellationToken ct)
    {
        var body = new JsonObject { ["input_file_id"] = inputFileId, ["endpoint"] = "/v1/images/edits", ["completion_window"] = "24h" };
        using var request = ProviderHttp.Request(HttpMethod.Post, Url("batches"), "Bearer", Settings.ApiKey,
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        return Batch(await SendAsync(request, ct));
    }

    public async Task<OpenAiBatch> GetAsync(string batchId, CancellationToken ct)
    {
        using var request = ProviderHttp.Request(HttpMethod.Get, Url($"batches/{Uri.EscapeDataString(batchId)}"), "Bearer", Settings.ApiKey);
        return Batch(await SendAsync(request, ct));
    }

    /// <summary>Asks OpenAI to stop the batch: requests not yet run are not billed; those that ran are in its output file.</summary>
    public async Task<OpenAiBatch> CancelAsync(string batchId, CancellationToken ct)
    {
        using var request = ProviderHttp.Request(HttpMethod.Post, Url($"batches/{Uri.EscapeDataString(batchId)}/cancel"), "Bearer", Settings.ApiKey);
        return Batch(await SendAsync(request, ct));
    }

    /// <summary>An output or error file, one line at a time as it streams in (an output line carries its images in base64).</summary>
    public async IAsyncEnumerable<OpenAiBatchLine> ReadAsync(string fileId, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = ProviderHttp.Request(HttpMethod.Get, Url($"files/{Uri.EscapeDataString(fileId)}/content"), "Bearer", Settings.ApiKey);
        using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode) throw new OpenAiBatchException($"file {fileId}: {(int)response.StatusCode} from openai");
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(ct) is { } text)
        {
            if (text.Length == 0) continue;
            var line = JsonNode.Parse(text);
            var customId = line.Str("custom_id") ?? throw new OpenAiBatchException($"file {fileId}: a line without custom_id");
            var answer = line?["response"] as JsonObject;
            var error = line?["error"] as JsonObject ?? answer?["body"]?["error"] as JsonObject;
            yield return new(customId, (int?)answer.Dec("status_code"), answer?["body"], error.Str("code"), error.Str("message"));
        }
    }

    private async Task<JsonNode> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var response = await Http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        var json = ProviderJson.TryParse(text);
        if (!response.IsSuccessStatusCode)
            throw new OpenAiBatchException($"{(int)response.StatusCode} from openai: {json?["error"].Str("message") ?? text[..Math.Min(text.Length, 200)]}");
        return json ?? throw new OpenAiBatchException("openai answered with something that is not JSON");
    }

    private static OpenAiBatch Batch(JsonNode json)
    {
        var counts = json["request_counts"];
        var errors = json["errors"]?["data"] is JsonArray list ? string.Join("; ", list.Select(e => e.Str("message"))) : null;
        return new(json.Str("id") ?? throw new OpenAiBatchException("a batch without an id"), json.Str("status") ?? "unknown",
            json.Str("output_file_id"), json.Str("error_file_id"), (int)(counts.Dec("total") ?? 0), (int)(counts.Dec("completed") ?? 0),
            (int)(counts.Dec("failed") ?? 0), errors);
    }
}

/// <summary>OpenAI's Files or Batches API refused or answered something unexpected.</summary>
public sealed class OpenAiBatchException(string message) : Exception(message);

/// <summary>What batch lines cost: half the synchronous price, from the line's <c>usage</c> or the estimate.</summary>
public static class OpenAiBatchPrices
{
    /// <summary>The synchronous estimate at the batch price.</summary>
    public static CostReport Estimate(CostReport synchronous) =>
        synchronous with { Credits = synchronous.Credits * OpenAiBatches.PriceFactor, CostUsd = synchronous.CostUsd * OpenAiBatches.PriceFactor,
            Note = $"batch price (half of {synchronous.Note})" };

    /// <summary>The charge a line reports through its <c>usage</c> tokens, at the batch price; null without usage.</summary>
    public static CostReport? Reported(string model, JsonNode? usage)
    {
        if (usage?["output_tokens"] is null) return null;
        var details = usage["input_tokens_details"];
        var imageIn = (long)(details.Dec("image_tokens") ?? 0);
        var textIn = (long)(details.Dec("text_tokens") ?? (usage.Dec("input_tokens") ?? 0) - imageIn);
        var output = (long)(usage.Dec("output_tokens") ?? 0);
        var pricing = OpenAiPricing.ByModel.GetValueOrDefault(model) ?? OpenAiPricing.ByModel["gpt-image-2"];
        return new CostReport(0, pricing.Usd(textIn, imageIn, output) * OpenAiBatches.PriceFactor, Estimated: false, null,
            $"batch usage: {textIn} text + {imageIn} image input tokens, {output} output tokens, at half price");
    }

    /// <summary>A line's images, kept inline (base64) until the copy step streams them into storage.</summary>
    public static List<OutputRef> Outputs(JsonNode? body) =>
        [.. (body?["data"]?.AsArray() ?? []).Select((d, i) => new OutputRef(i, $"inline:openai/batch/{i + 1}", null, d.Str("b64_json")))];
}
