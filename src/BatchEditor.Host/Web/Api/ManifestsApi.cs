using BatchEditor.Items;
using BatchEditor.Manifests;
using BatchEditor.Operations;
using BatchEditor.ReadModel;
using BatchEditor.Storage;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;


namespace BatchEditor.Host.Web.Api;

/// <summary>
/// Manifests over HTTP, with the CLI's semantics: list, progress, items, results, actions (submitting is <see cref="UploadsApi"/>).
/// An action on a large manifest runs as a Hangfire job: 202 with the job's id instead of the counts.
/// </summary>
public static class ManifestsApi
{
    public sealed record ActionResult(string Manifest, int Moved, string? Message = null);

    /// <summary>An action handed to a Hangfire job (the manifest has more items to touch than one request should).</summary>
    public sealed record QueuedAction(string Manifest, string Action, string JobId, string Message);

    /// <summary>What a retry did: copied again from paid outputs, submitted again (and what that pays again), refused.</summary>
    public sealed record RetryResult(string Manifest, int Moved, int Recopied, int Resubmitted, int ChargedBefore, decimal PaidAgainCredits,
        decimal? PaidAgainUsd, int Unsettled, string Message);

    public static void MapManifestsApi(this RouteGroupBuilder api)
    {
        var manifests = api.MapGroup("/manifests").WithTags("Manifests");
        manifests.MapGet("/", async (ManifestSummaries summaries, DateTimeOffset? before, int? limit, CancellationToken ct) =>
            TypedResults.Ok(await summaries.RecentAsync(limit ?? 50, before, ct))).WithSummary("Recent manifests with progress, cost and ETA.");
        manifests.MapGet("/{manifest}", async Task<Results<Ok<ManifestSummary>, NotFound<string>>> (string manifest, ManifestSummaries summaries, CancellationToken ct) =>
            await summaries.FindAsync(manifest, ct) is { } s ? TypedResults.Ok(s) : NotFound(manifest));
        manifests.MapGet("/{manifest}/items", ListItemsAsync).WithSummary("A page of the manifest's items (keyset: pass the previous page's 'next' as 'after').");
        manifests.MapGet("/{manifest}/results", ResultsAsync).WithSummary("The results CSV, as `batch-editor results` writes it (?cause=: one failure group's).");
        manifests.MapGet("/{manifest}/failures", async Task<Results<Ok<List<FailureGroup>>, NotFound<string>>> (string manifest, ManifestQueries q, FailureGroups groups,
                CancellationToken ct) =>
                await q.FindAsync(manifest, ct) is { } info ? TypedResults.Ok(await groups.ForManifestAsync(info.Id, info.Name, ct)) : NotFound(manifest))
            .WithSummary("The manifest's failed, expired, cancelled and review items grouped by cause, as `batch-editor failures` groups them.");

        manifests.MapGet("/{manifest}/sample", async Task<Results<Ok<SampleSheet>, NotFound<string>>> (string manifest, ManifestQueries q, SampleSheets sheets,
                CancellationToken ct) =>
                await q.FindAsync(manifest, ct) is not { } info ? NotFound(manifest)
                : await sheets.ForManifestAsync(info.Id, ct) is { } sheet ? TypedResults.Ok(sheet)
                : TypedResults.NotFound($"{info.Name} was not submitted with a sample"))
            .WithSummary("The manifest's sample (submit --sample) as a contact sheet: each item's inputs and outputs (thumbnails at …/thumbnail), and whether the rest awaits approval.");

        var actions = manifests.MapGroup("/{manifest}").RequireAuthorization(WebRegistration.OperatePolicy).DisableAntiforgery();
        actions.MapPost("/approve", async Task<Results<Ok<SampleActions.Approved>, Conflict<SampleActions.Approved>, NotFound<string>>> (string manifest,
                ManifestQueries q, SampleActions samples, HttpContext http, CancellationToken ct) =>
            {
                if (await q.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
                var approved = await samples.ApproveAsync(info.Id, info.Name, Actor.Of(http.User), ct);
                return approved.Done ? TypedResults.Ok(approved) : TypedResults.Conflict(approved);
            })
            .WithSummary("Approve the manifest's sample: the rest of its items, held until now, are submitted.");
        actions.MapPost("/reject", async Task<Results<Ok<SampleActions.Rejected>, Conflict<SampleActions.Rejected>, NotFound<string>, BadRequest<string>>> (string manifest,
                [FromQuery] string? prompt, [FromQuery] long[]? item, ManifestQueries q, SampleActions samples, HttpContext http, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(prompt)) return TypedResults.BadRequest("a rejected sample runs again with a new prompt: give prompt=");
                if (await q.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
                var rejected = await samples.RejectAsync(info.Id, info.Name, prompt, item is { Length: > 0 } ? item : null, Actor.Of(http.User), ct);
                return rejected.Done ? TypedResults.Ok(rejected) : TypedResults.Conflict(rejected);
            })
            .WithSummary("Reject the sample (or ?item= of it): it runs again with the new prompt (paid again), and the held rest takes the prompt too.");
        actions.MapPost("/retry", (string manifest, [FromQuery] ItemState[]? state, [FromQuery] string? cause, ManifestQueries q, ManifestActions a, HttpContext http,
                CancellationToken ct) => RetryAsync(manifest, state, cause, q, a, http, ct))
            .WithSummary("Run the manifest's Failed (or ?state=) items again — all of one failure group with ?cause= —: paid outputs still there are copied " +
                         "again, the rest submitted again as a new run (and paid again).");
        foreach (var (path, action) in new[] { ("/cancel", ManifestAction.Cancel), ("/hold", ManifestAction.Hold), ("/release", ManifestAction.Release) })
            actions.MapPost(path, (string manifest, ManifestQueries q, ManifestActions a, HttpContext http, CancellationToken ct) =>
                ActAsync(manifest, action, [], q, a, http, ct));
    }

    private static NotFound<string> NotFound(string manifest) =>
        TypedResults.NotFound($"no manifest named '{manifest}' (GET /api/manifests lists them)");

    private static async Task<Results<Ok<Page<ItemRow>>, NotFound<string>>> ListItemsAsync(string manifest, ManifestQueries manifests, ItemSearch search,
        ItemState? state, string? provider, string? q, long? after, int? limit, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
        return TypedResults.Ok(await search.PageAsync(new ItemFilter(info.Id, state, provider, q), after ?? 0, limit ?? 50, ct));
    }

    private static async Task<IResult> ResultsAsync(string manifest, ManifestQueries manifests, ResultsExport export, IBlobStore store,
        IOptions<StorageOptions> storage, HttpResponse response, TimeSpan? signedFor, string? format, string? cause, CancellationToken ct)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
        if (cause is not null && cause != FailureCauses.Other && FailureCauses.Find(cause) is null)
            return TypedResults.BadRequest($"cause '{cause}' is not one of {FailureCauses.Codes}");
        var until = DateTimeOffset.UtcNow + (signedFor ?? TimeSpan.Zero);
        Func<string, string>? sign = null;
        if (signedFor is { } asked)
        {
            var (signer, refusal) = await OutputLinks.ForAsync(store, storage.Value, asked, DateTimeOffset.UtcNow, ct);
            if (refusal is not null) return TypedResults.BadRequest($"signedFor: {refusal}");
            sign = signer;
        }
        var json = string.Equals(format, "json", StringComparison.OrdinalIgnoreCase);
        response.ContentType = json ? "application/json; charset=utf-8" : "text/csv; charset=utf-8";
        response.Headers.ContentDisposition = $"attachment; filename=\"{info.Name}-results.{(json ? "json" : "csv")}\"";
        if (json) await export.WriteJsonAsync(response.Body, info.Id, sign, ct, cause);
        else await export.WriteCsvAsync(response.Body, info.Id, sign, until, ct, cause);
        return TypedResults.Empty;
    }

    private static Task<IResult> RetryAsync(string manifest, ItemState[]? state, string? cause, ManifestQueries q, ManifestActions a, HttpContext http,
        CancellationToken ct)
    {
        if (cause is null) return ActAsync(manifest, ManifestAction.Retry, state is { Length: > 0 } ? state : [ItemState.Failed], q, a, http, ct);
        if (cause != FailureCauses.Other && FailureCauses.Find(cause) is null)
            return Task.FromResult<IResult>(TypedResults.BadRequest($"cause '{cause}' is not one of {FailureCauses.Codes}"));
        // A cause names its state (outputs-expired: Expired); one that waits for a decision is not retried.
        ItemState[] states = state is { Length: > 0 } ? state : FailureCauses.Find(cause)?.State is { } s ? [s] : OperatorTransitions.Retryable;
        if (states.Except(OperatorTransitions.Retryable).Any())
            return Task.FromResult<IResult>(TypedResults.BadRequest($"cause '{cause}': these items wait for a decision (review), not a retry"));
        return ActAsync(manifest, ManifestAction.Retry, states, q, a, http, ct, cause);
    }

    private static async Task<IResult> ActAsync(string manifest, ManifestAction action, ItemState[] retryStates, ManifestQueries manifests,
        ManifestActions actions, HttpContext http, CancellationToken ct, string? cause = null)
    {
        if (await manifests.FindAsync(manifest, ct) is not { } info) return NotFound(manifest);
        return await actions.TakeAsync(info.Id, info.Name, action, retryStates, Actor.Of(http.User), ct, cause) switch
        {
            { JobId: { } job } taken => TypedResults.Accepted($"/hangfire/jobs/details/{job}", new QueuedAction(info.Name, action.ToString(), job, taken.Message)),
            { Retry: { } r } => TypedResults.Ok(new RetryResult(info.Name, r.Moved, r.Recopied, r.Resubmitted, r.ChargedBefore, r.PaidAgainCredits,
                r.PaidAgainUsd, r.Unsettled, r.Describe(info.Name))),
            var taken => TypedResults.Ok(new ActionResult(info.Name, taken.Moved ?? 0)),
        };
    }
}
