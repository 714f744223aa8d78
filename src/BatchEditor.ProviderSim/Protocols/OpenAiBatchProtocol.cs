using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BatchEditor.ProviderSim.Protocols;

/// <summary>
/// OpenAI's Files and Batches APIs for <c>/v1/images/edits</c> (docs/providers.md §6): a JSONL input file uploaded with
/// <c>purpose=batch</c>, one request per line (<c>custom_id</c>, <c>method</c>, <c>url</c>, <c>body</c> — the JSON form of
/// an edit, images by URL), a batch created from it and polled (<c>validating</c>, <c>in_progress</c>, <c>finalizing</c>,
/// <c>completed</c>; <c>expired</c> past its window with the finished lines kept; <c>cancelling</c>, <c>cancelled</c>),
/// then an output file of the lines that ran and an error file of the rest. Each line finishes at the batch's start plus
/// its latency; a line with <c>[sim:fail]</c> is refused by the safety system (not billed). Lines are charged when they
/// finish, as jobs (<see cref="SimState.Jobs"/>).
/// </summary>
public static class OpenAiBatchProtocol
{
    public const int MaxLines = 50_000;
    public const long MaxFileBytes = 200L * 1024 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/openai/v1/files", async (HttpRequest request, SimState sim, CancellationToken ct) =>
        {
            if (SimAuth.BearerKey(request) is null) return Error(401, "Incorrect API key provided", "invalid_api_key");
            if (!request.HasFormContentType) return Error(400, "Expected multipart/form-data", null);
            var form = await request.ReadFormAsync(ct);
            if (form["purpose"] != "batch" || form.Files.GetFile("file") is not { } file) return Error(400, "purpose=batch and a file are required", null);
            if (file.Length > MaxFileBytes) return Error(400, $"File is larger than {MaxFileBytes / 1024 / 1024} MB", "file_too_large");
            using var copy = new MemoryStream();
            await file.CopyToAsync(copy, ct);
            var id = $"file-{Guid.NewGuid():N}";
            sim.BatchFiles[id] = copy.ToArray();
            return Results.Json(FileObject(id, copy.Length, file.FileName, sim));
        });
        app.MapGet("/openai/v1/files/{id}/content", (string id, HttpRequest request, SimState sim) =>
            SimAuth.BearerKey(request) is null ? Error(401, "Incorrect API key provided", "invalid_api_key")
            : sim.BatchFiles.TryGetValue(id, out var bytes) ? Results.Bytes(bytes, "application/jsonl")
            : Error(404, $"No such File object: {id}", null));
        app.MapPost("/openai/v1/batches", async (HttpRequest request, SimState sim, CancellationToken ct) =>
        {
            if (SimAuth.BearerKey(request) is null) return Error(401, "Incorrect API key provided", "invalid_api_key");
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct);
            var fileId = body?["input_file_id"]?.GetValue<string>();
            if (body?["endpoint"]?.GetValue<string>() != "/v1/images/edits") return Error(400, "endpoint must be /v1/images/edits here", null);
            if (body["completion_window"]?.GetValue<string>() != "24h") return Error(400, "completion_window must be 24h", null);
            if (fileId is null || !sim.BatchFiles.TryGetValue(fileId, out var content)) return Error(400, $"No such File object: {fileId}", null);
            var batch = SimBatch.Create(fileId, content, sim);
            sim.Batches[batch.Id] = batch;
            return Results.Json(batch.ToJson(sim));
        });
        app.MapGet("/openai/v1/batches/{id}", (string id, HttpRequest request, SimState sim) =>
            SimAuth.BearerKey(request) is null ? Error(401, "Incorrect API key provided", "invalid_api_key")
            : sim.Batches.TryGetValue(id, out var batch) ? Results.Json(batch.ToJson(sim)) : Error(404, $"No such batch: {id}", null));
        app.MapPost("/openai/v1/batches/{id}/cancel", (string id, HttpRequest request, SimState sim) =>
        {
            if (SimAuth.BearerKey(request) is null) return Error(401, "Incorrect API key provided", "invalid_api_key");
            if (!sim.Batches.TryGetValue(id, out var batch)) return Error(404, $"No such batch: {id}", null);
            batch.Cancel(sim);
            return Results.Json(batch.ToJson(sim));
        });
    }

    private static object FileObject(string id, long bytes, string name, SimState sim) =>
        new { id, @object = "file", bytes, created_at = sim.Now.ToUnixTimeSeconds(), filename = name, purpose = "batch" };

    private static IResult Error(int status, string message, string? code) =>
        Results.Json(new { error = new { message, type = "invalid_request_error", param = (string?)null, code } }, statusCode: status);

    /// <summary>One batch: its lines, each finishing at the batch's start plus its latency, and its files once it ends.</summary>
    public sealed class SimBatch
    {
        private readonly object _gate = new();
        private readonly List<(string CustomId, JsonNode Body, TimeSpan Latency)> _lines = [];
        private readonly List<string> _invalid = [];
        private DateTimeOffset? _cancelledAt;
        private string? _final, _outputFile, _errorFile;
        private int _completed, _failed;

        public string Id { get; } = $"batch_{Guid.NewGuid():N}";
        public string InputFileId { get; private init; } = "";
        public DateTimeOffset CreatedAt { get; private init; }

        public static SimBatch Create(string fileId, byte[] content, SimState sim)
        {
            var batch = new SimBatch { InputFileId = fileId, CreatedAt = sim.Now };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var number = 0;
            foreach (var text in Encoding.UTF8.GetString(content).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                number++;
                JsonNode? line;
                try { line = JsonNode.Parse(text); }
                catch (JsonException) { batch._invalid.Add($"line {number}: not JSON"); continue; }
                var customId = line?["custom_id"]?.GetValue<string>();
                if (customId is null || !seen.Add(customId)) batch._invalid.Add($"line {number}: custom_id missing or repeated");
                else if (line!["method"]?.GetValue<string>() != "POST" || line["url"]?.GetValue<string>() != "/v1/images/edits" || line["body"] is not JsonObject body)
                    batch._invalid.Add($"line {number}: method POST, url /v1/images/edits and a body are required");
                else
                {
                    var script = SimScript.Parse(body["prompt"]?.GetValue<string>());
                    batch._lines.Add((customId, body, script.BatchSlow ? TimeSpan.FromHours(1) : script.Latency ?? sim.Options.JobLatency));
                }
            }
            if (number > MaxLines) batch._invalid.Add($"{number} requests; a batch takes at most {MaxLines}");
            return batch;
        }

        public void Cancel(SimState sim)
        {
            lock (_gate) if (_final is null) _cancelledAt ??= sim.Now;
        }

        /// <summary>The batch as GET /v1/batches/{id} shows it now; its files are written the first time it is seen ended.</summary>
        public object ToJson(SimState sim)
        {
            lock (_gate)
            {
                var now = sim.Now;
                var status = Status(now, sim);
                return new
                {
                    id = Id, @object = "batch", endpoint = "/v1/images/edits",
                    errors = _invalid.Count == 0 ? null : new { @object = "list", data = _invalid.Select(m => new { code = "invalid_request", message = m }) },
                    input_file_id = InputFileId, completion_window = "24h", status,
                    output_file_id = _outputFile, error_file_id = _errorFile,
                    created_at = CreatedAt.ToUnixTimeSeconds(), expires_at = (CreatedAt + sim.Options.BatchWindow).ToUnixTimeSeconds(),
                    cancelled_at = _cancelledAt?.ToUnixTimeSeconds(),
                    request_counts = new { total = _lines.Count, completed = _final is null ? _lines.Count(l => Done(l.Latency, now)) : _completed, failed = _failed },
                };
            }
        }

        private bool Done(TimeSpan latency, DateTimeOffset at) => CreatedAt + latency <= at;

        private string Status(DateTimeOffset now, SimState sim)
        {
            if (_final is not null) return _final;
            if (_invalid.Count > 0) return _final = "failed";
            var longest = _lines.Count == 0 ? TimeSpan.Zero : _lines.Max(l => l.Latency);
            var window = CreatedAt + sim.Options.BatchWindow;
            if (_cancelledAt is { } cancelled)
            {
                if (now < cancelled + sim.Options.BatchFinalizing) return "cancelling";
                Finish(sim, cancelled, "batch_cancelled", "cancelled");
                return _final!;
            }
            if (CreatedAt + longest <= now && CreatedAt + longest < window)
            {
                if (now < CreatedAt + longest + sim.Options.BatchFinalizing) return "finalizing";
                Finish(sim, now, null, "completed");
                return _final!;
            }
            if (now >= window)
            {
                Finish(sim, window, "batch_expired", "expired");
                return _final!;
            }
            return now < CreatedAt + TimeSpan.FromMilliseconds(100) ? "validating" : "in_progress";
        }

        /// <summary>Lines that finished by <paramref name="cutoff"/> go to the output file (charged), the rest to the error file.</summary>
        private void Finish(SimState sim, DateTimeOffset cutoff, string? unfinishedCode, string status)
        {
            var output = new StringBuilder();
            var errors = new StringBuilder();
            foreach (var (customId, body, latency) in _lines)
            {
                var prompt = body["prompt"]?.GetValue<string>() ?? "";
                var script = SimScript.Parse(prompt);
                if (!Done(latency, cutoff) && unfinishedCode is not null)
                {
                    errors.Append(Line(customId, null, new { code = unfinishedCode, message = $"This request could not be executed before the batch was {status}." })).Append('\n');
                    _failed++;
                }
                else if (script.Fail)
                {
                    errors.Append(Line(customId, Response(400, new { error = new { message = "Your request was rejected by the safety system.", type = "image_generation_user_error", param = (string?)null, code = "moderation_blocked" } }), null)).Append('\n');
                    _failed++;
                }
                else
                {
                    output.Append(Line(customId, Response(200, Edit(body, prompt, script, sim)), null)).Append('\n');
                    _completed++;
                }
            }
            (_outputFile, _errorFile) = (Store(sim, output), Store(sim, errors));
            _final = status;
        }

        private static string? Store(SimState sim, StringBuilder content)
        {
            if (content.Length == 0) return null;
            var id = $"file-{Guid.NewGuid():N}";
            sim.BatchFiles[id] = Encoding.UTF8.GetBytes(content.ToString());
            return id;
        }

        private static object Response(int status, object body) => new { status_code = status, request_id = $"req_{Guid.NewGuid():N}", body };

        private static string Line(string customId, object? response, object? error) =>
            JsonSerializer.Serialize(new { id = $"batch_req_{Guid.NewGuid():N}", custom_id = customId, response, error });

        /// <summary>What the synchronous endpoint would answer, and the job it is charged as.</summary>
        private static object Edit(JsonNode body, string prompt, SimScript script, SimState sim)
        {
            var (w, h) = Size(body["size"]?.GetValue<string>());
            var n = body["n"]?.GetValue<int>() ?? 1;
            var images = body["images"]?.AsArray().Count ?? 0;
            var job = sim.NewJob("openai", body["model"]?.GetValue<string>() ?? "gpt-image-2", prompt, w, h, n, 0, script with { Latency = TimeSpan.Zero });
            var scale = sim.Options.ImageScale;
            int textTokens = prompt.Length / 4 + 1, imageTokens = 323 * images, outputTokens = (int)((long)w * h / 600) * n;
            return new
            {
                created = sim.Now.ToUnixTimeSeconds(),
                data = Enumerable.Range(0, n).Select(i => new
                {
                    b64_json = Convert.ToBase64String(PngRenderer.Render(Math.Max(16, (int)(w * scale)), Math.Max(16, (int)(h * scale)), sim.Seed(job.Prompt) + i)),
                }),
                usage = new
                {
                    input_tokens = textTokens + imageTokens, input_tokens_details = new { image_tokens = imageTokens, text_tokens = textTokens },
                    output_tokens = outputTokens, total_tokens = textTokens + imageTokens + outputTokens,
                },
            };
        }

        private static (int W, int H) Size(string? size)
        {
            var parts = (size ?? "").Split('x');
            return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out var w) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out var h)
                ? (w, h) : (1024, 1024);
        }
    }
}
