using BatchEditor.Items;
using BatchEditor.Manifests;
using BatchEditor.Operations;
using BatchEditor.ReadModel;
using BatchEditor.Storage;
using BatchEditor.Storage.AzureBlob;
using BatchEditor.Usage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;


namespace BatchEditor.Host.Web.Api;

/// <summary>Manifests over HTTP, with the CLI's semantics: submit (all rows or none), list, progress, items, results, actions.</summary>
public static class ManifestsApi
{
    public sealed record Submitted(Guid Id, string Name, int Items, IReadOnlyList<string> SkippedRows);

    public sealed record Refused(string Error, IReadOnlyList<string> Problems);

    public sealed record ActionResult(string Manifest, int Moved, string? Message = null);

    /// <summary>What a retry did: copied again from paid outputs, submitted again (and what that pays again), refused.</summary>
    public sealed record RetryResult(string Manifest, int Moved, int Recopied, int Resubmitted, int ChargedBefore, decimal PaidAgainCredits,
        decimal? PaidAgainUsd, int Unsettled, string Message);

    public static void MapManifestsApi(this RouteGroupBuilder api)
    {
        var manifests = api.MapGroup("/manifests").WithTags("Manifests");
        manifests.MapPost("/", SubmitAsync).DisableAntiforgery().RequireAuthorization(WebRegistration.OperatePolicy)
            .WithSummary("Submit a CSV manifest (multipart field 'file', or a text/csv body). Nothing is imported if any row is invalid, unless skipInvalid.");
        manifests.MapGet("/", async (ManifestSummaries summaries, DateTimeOffset? before, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await summaries.RecentAsync(limit ?? 50, before, ct))).WithSummary("Recent manifests with progress, cost and ETA.");
        manifests.MapGet("/{manifest}", async Task<Results<Ok<ManifestSummary>, NotFound<string>>> (string manifest, ManifestSummaries summaries, CancellationToken ct) =>
            await summaries.FindAsync(manifest, ct) is { } s ? TypedResults.Ok(s) : NotFound(manifest));
        manifests.MapGet("/{manifest}/items", ListItemsAsync).WithSummary("A page of the manifest's items (keyset: pass the previous page's 'next' as 'after').");
        manifests.MapGet("/{manifest}/results", ResultsAsync).WithSummary("The results CSV, as `batch-editor results` writes it.");

        var actions = manifests.MapGroup("/{manifest}").RequireAuthorization(WebRegistration.OperatePolicy).DisableAntiforgery();
        actions.MapPost("/retry", (string manifest, [FromQuery] ItemState[]? state, ManifestQueries q, OperatorActions a, HttpContext http, CancellationToken ct) =>
            RetryAsync(manifest, q, id => a.RetryAsync(id, state is { Length: > 0 } ? state : [ItemState.Failed], Actor.Of(http.User), ct), ct))
            .WithSummary("Run the manifest's Failed (or ?state=) items again: paid outputs still there are copied again, the rest submitted again as a new run (and paid again).");
        actions.MapPost("/cancel", (string manifest, ManifestQueries q, OperatorActions a, HttpContext http, CancellationToken ct) =>
            ActAsync(manifest, q, id => a.CancelAsync(id, Actor.Of(http.User), ct), ct));
        actions.MapPost("/hold", (string manifest, ManifestQueries q, OperatorActions a, HttpContext http, CancellationToken ct) =>
            ActAsync(manifest, q, id => a.HoldAsync(id, Actor.Of(http.User), ct), ct));
        actions.MapPost("/release", (string manifest, ManifestQueries q, OperatorActions a, HttpContext http, CancellationToken ct) =>
            ActAsync(manifest, q, id => a.ReleaseAsync(id, Actor.Of(http.User), ct), ct));
    }

    private static NotFound<string> NotFound(string manifest) =>
        TypedResults.NotFound($"no manifest named '{manifest}' (GET /api/manifests lists them)");

    private static async Task<Results<Created<Submitted>, UnprocessableEntity<Refused>, Conflict<Refused>, BadRequest<string>>> SubmitAsync(
        HttpRequest request, ManifestSubmission submission, CancellationToken ct,
        [FromQuery] string? provider, [FromQuery] string? model, [FromQuery] string? quality, [FromQuery] string? size,
        [FromQuery] string? prompt, [FromQuery] string? format, [FromQuery] string? name, [FromQuery] int priority = 0,
        [FromQuery] decimal? budgetCredits = null, [FromQuery] decimal? budgetUsd = null, [FromQuery] string? webhook = null,
        [FromQuery] bool force = false, [FromQuery] bool skipInvalid = false)
    {
        if (name is not null && !ManifestImporter.IsValidName(name))
            return TypedResults.BadRequest($"name '{name}' may use only letters, digits, '.', '_' and '-'");
        var (content, source) = await ReadCsvAsync(request, ct);
        if (content is null) return TypedResults.BadRequest("send the CSV as multipart/form-data (field 'file') or as a text/csv body");
        var defaults = new ManifestDefaults(provider ?? "pixeldojo", model, quality?.ToLowerInvariant(), size, prompt, format);
        var result = await submission.SubmitAsync(ManifestSubmission.Request.FromBytes(content, source, defaults, name, force, skipInvalid,
            new ManifestSettings(priority, budgetCredits, budgetUsd, WebhookUrl: webhook)), ct);
        var problems = result.Errors.Select(e => e.ToString()).ToList();
        if (result.DuplicateOf is { } existing)
            return TypedResults.Conflict(new Refused(ManifestImporter.DuplicateManifestException.MessageFor(existing).Replace("--force", "force=true"), []));
        if (result.Errors is [{ AboutTheCommand: true } command]) return TypedResults.BadRequest(command.Message);
        if (result.Imported is not { } imported)
            return TypedResults.UnprocessableEntity(new Refused($"{result.ProblemCount} problem(s) in {result.RowCount} row(s); nothing was imported", problems));
        return TypedResults.Created($"/api/manifests/{imported.Id}", new Submitted(imported.Id, imported.Name, imported.Items, problems));
    }

    private static async Task<(byte[]? Content, string Source)> ReadCsvAsync(HttpRequest request, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(ct);
            if ((form.Files.GetFile("file") ?? form.Files.FirstOrDefault()) is not { } file) return (null, "");
            await file.CopyToAsync(buffer, ct);
            return (buffer.ToArray(), $"upload:{file.FileName}");
        }
        if (request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) != true) return (null, "");
        await request.Body.CopyToAsync(buffer, ct);
        return (buffer.ToArray(), "upload");
    }

    private static async Task<Results<Ok<Page<ItemRow>>, NotFound<string>>> ListItemsAsync(string manifest, ManifestQueries manifests, ItemSearch search,
        ItemState? state, string? provider, string? q, long? after, int? limit, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
        return TypedResults.Ok(await search.PageAsync(new ItemFilter(info.Id, state, provider, q), after ?? 0, limit ?? 50, ct));
    }

    private static async Task<IResult> ResultsAsync(string manifest, ManifestQueries manifests, ResultsExport export, IBlobStore store, HttpResponse response,
        TimeSpan? signedFor, string? format, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
        if (signedFor is not null && store is not AzureBlobStore) return TypedResults.BadRequest($"signedFor needs Azure Blob storage; outputs are in {store.Kind} storage");
        if (signedFor is { } asked && (asked <= TimeSpan.Zero || asked > BlobSas.MaxLifetime))
            return TypedResults.BadRequest($"signedFor must be between 00:01:00 and {BlobSas.MaxLifetime}: links live at most {BlobSas.MaxLifetime.TotalDays:0} days");
        var until = DateTimeOffset.UtcNow + (signedFor ?? TimeSpan.Zero);
        Func<string, string>? sign = signedFor is null ? null : l => ((AzureBlobStore)store).SignedUrl(l, until);
        var json = string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        response.ContentType = json ? "application/json; charset=utf-8" : "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{info.Name}-results.{(json ? "json" : "csv")}\"";
        if (json) await export.WriteJsonAsync(response.Body, info.Id, sign, ct);
        else await export.WriteCsvAsync(response.Body, info.Id, sign, until, ct);
        return TypedResults.Empty;
    }

    private static async Task<Results<Ok<RetryResult>, NotFound<string>>> RetryAsync(string manifest, ManifestQueries manifests,
        Func<Guid, Task<OperatorActions.RetryReport>> retry, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
        var r = await retry(info.Id);
        return TypedResults.Ok(new RetryResult(info.Name, r.Moved, r.Recopied, r.Resubmitted, r.ChargedBefore, r.PaidAgainCredits, r.PaidAgainUsd, r.Unsettled,
            r.Describe(info.Name)));
    }

    private static async Task<Results<Ok<ActionResult>, NotFound<string>>> ActAsync(string manifest, ManifestQueries manifests, Func<Guid, Task<int>> act,
        CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
        return TypedResults.Ok(new ActionResult(info.Name, await act(info.Id)));
    }
}
