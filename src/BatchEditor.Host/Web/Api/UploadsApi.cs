using BatchEditor.Manifests;
using BatchEditor.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Web.Api;

/// <summary>
/// Submitting a manifest over HTTP: the upload is stored as it arrives (buffered to a temporary file, never whole in
/// memory) and imported by a Hangfire job on a worker, with the CLI's semantics (all rows or none, unless skipInvalid;
/// the same file twice refused unless forced). <c>wait</c> (seconds) answers with the import's outcome; otherwise, or
/// when it takes longer, 202 and where to ask (<c>GET /api/imports/{id}</c>).
/// </summary>
public static class UploadsApi
{
    /// <summary>The largest manifest accepted over HTTP (a 1,000,000-row manifest is about 150 MB).</summary>
    public const long MaxUploadBytes = 512L * 1024 * 1024;

    public sealed record Submitted(Guid Id, string Name, int Items, IReadOnlyList<string> SkippedRows, Guid ImportId);

    public sealed record Refused(string Error, IReadOnlyList<string> Problems);

    public static void MapUploadsApi(this RouteGroupBuilder api)
    {
        api.MapPost("/manifests", SubmitAsync).WithTags("Manifests").DisableAntiforgery().RequireAuthorization(WebRegistration.OperatePolicy)
            .WithSummary("Submit a CSV manifest (multipart field 'file', or a text/csv body); a worker imports it. Nothing is imported if any row is invalid, " +
                         "unless skipInvalid. wait=N waits up to N seconds (at most 120) for the outcome; otherwise 202 and GET /api/imports/{id}.");
        api.MapGet("/imports/{id:guid}", async (Guid id, ManifestUploads uploads, CancellationToken ct) =>
                await uploads.StatusAsync(id, ct) is { } status ? Results.Ok(status) : Results.NotFound($"no import {id}"))
            .WithTags("Manifests").WithSummary("Where an uploaded manifest is: queued, imported (with its manifest), refused (with its problems) or a duplicate.");
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, ManifestUploads uploads, IOptions<WebhookOptions> webhooks, CancellationToken ct,
        [FromQuery] string? provider, [FromQuery] string? model, [FromQuery] string? quality, [FromQuery] string? size,
        [FromQuery] string? prompt, [FromQuery] string? format, [FromQuery] string? name, [FromQuery] int priority = 0,
        [FromQuery] decimal? budgetCredits = null, [FromQuery] decimal? budgetUsd = null, [FromQuery] string? webhook = null,
        [FromQuery] bool force = false, [FromQuery] bool skipInvalid = false, [FromQuery] int wait = 0, [FromQuery] string? route = null)
    {
        if (name is not null && !ManifestImporter.IsValidName(name))
            return Results.BadRequest($"name '{name}' may use only letters, digits, '.', '_' and '-'");
        if (webhooks.Value.Refuse(webhook) is { } refused) return Results.BadRequest(refused);
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxUploadBytes;
        await using var upload = await BufferAsync(http.Request, ct);
        if (upload is null) return Results.BadRequest("send the CSV as multipart/form-data (field 'file') or as a text/csv body");

        var request = new UploadRequest(new ManifestDefaults(provider ?? "pixeldojo", model, quality?.ToLowerInvariant(), size, prompt, format, route), name, force,
            skipInvalid, new ManifestSettings(priority, budgetCredits, budgetUsd, WebhookUrl: webhook));
        var id = await uploads.StoreAsync(upload.Content, upload.FileName, request, ct);
        var status = await uploads.WaitAsync(id, TimeSpan.FromSeconds(Math.Clamp(wait, 0, 120)), ct)
            ?? throw new InvalidOperationException($"upload {id} vanished");
        return status switch
        {
            { State: "imported" } => Results.Created($"/api/manifests/{status.ManifestId}",
                new Submitted(status.ManifestId!.Value, status.ManifestName!, status.Items, status.Problems, id)),
            { State: "duplicate" } => Results.Conflict(new Refused(
                ManifestImporter.DuplicateManifestException.MessageFor(status.DuplicateOf!).Replace("--force", "force=true"), [])),
            { State: "refused", AboutTheRequest: true } => Results.BadRequest(status.Problems.FirstOrDefault()),
            { State: "refused" } => Results.UnprocessableEntity(new Refused(
                $"{status.ProblemSummary}; nothing was imported", status.Problems)),
            _ => Results.Accepted($"/api/imports/{id}", status),
        };
    }

    private sealed class Upload(Stream content, string fileName) : IAsyncDisposable
    {
        public Stream Content { get; } = content;
        public string FileName { get; } = fileName;

        public ValueTask DisposeAsync() => Content.DisposeAsync();
    }

    /// <summary>The CSV as a seekable stream: a form's file (ASP.NET Core buffers it to disk past 64 KB), or the body copied to a temporary file.</summary>
    private static async Task<Upload?> BufferAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.HasFormContentType)
        {
            request.HttpContext.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions { MultipartBodyLengthLimit = MaxUploadBytes }));
            var form = await request.ReadFormAsync(ct);
            var file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault();
            return file is null ? null : new Upload(file.OpenReadStream(), file.FileName);
        }
        if (request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) != true) return null;
        var temp = Downloads.ScratchFile.Create("batch-editor-upload");
        await request.Body.CopyToAsync(temp, ct);
        temp.Position = 0;
        return new Upload(temp, "upload.csv");
    }
}
