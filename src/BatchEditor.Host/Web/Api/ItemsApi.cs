using BatchEditor.Items;
using BatchEditor.Operations;
using BatchEditor.ReadModel;
using BatchEditor.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BatchEditor.Host.Web.Api;

/// <summary>Items over HTTP: search across manifests, one item's whole story, its outputs, and the operator's actions on it.</summary>
public static class ItemsApi
{
    public sealed record Done(bool Moved, string Message);

    public static void MapItemsApi(this RouteGroupBuilder api)
    {
        var items = api.MapGroup("/items").WithTags("Items");
        items.MapGet("/", SearchAsync)
            .WithSummary("Find items in every manifest (or one: its name or id) by state, provider and text (row id, prompt, reason); keyset paging.");
        items.MapGet("/{id:long}", async Task<Results<Ok<ItemDetail>, NotFound<string>>> (long id, ItemDetails details, CancellationToken ct) =>
            await details.FindAsync(id, ct) is { } d ? TypedResults.Ok(d) : TypedResults.NotFound($"no item {id} (GET /api/items finds items)"))
            .WithSummary("History, attempts, outputs and ledger rows of one item.");
        items.MapGet("/{id:long}/inputs/{index:int}", InputAsync)
            .WithSummary("An item's input image (0 = the first), fetched by the server through the outbound guard, so a browser sees it without reaching the image host itself.");
        api.MapGet("/outputs/{id:long}/content", OutputAsync).WithTags("Items")
            .WithSummary("A stored output: a redirect to a signed link (Azure Blob) or the file itself.");
        api.MapGet("/outputs/{id:long}/thumbnail", OutputThumbnailAsync).WithTags("Items")
            .WithSummary("A stored output as a JPEG at most 256 pixels a side, kept in the store once made.");
        items.MapGet("/{id:long}/inputs/{index:int}/thumbnail", InputThumbnailAsync)
            .WithSummary("An item's input image as a JPEG at most 256 pixels a side, fetched through the outbound guard once and kept in the store.");

        var actions = items.MapGroup("/{id:long}").RequireAuthorization(WebRegistration.OperatePolicy).DisableAntiforgery();
        actions.MapPost("/retry", async Task<Results<Ok<Done>, Conflict<Done>>> (long id, OperatorActions a, HttpContext http, CancellationToken ct) =>
                await a.RetryItemsAsync([id], Actor.Of(http.User), ct) is { Moved: 1 } report
                    ? TypedResults.Ok(new Done(true, $"item {id}: {report.Describe()}"))
                    : TypedResults.Conflict(new Done(false, $"item {id} was not retried: it is not Failed, Expired or Cancelled, or a submit of it is not settled (see its attempts)")))
            .WithSummary("Run a final item again: its paid outputs are copied again if they are still there, otherwise it is submitted again (and paid again).");
        actions.MapPost("/cancel", (long id, OperatorActions a, HttpContext http, CancellationToken ct) =>
            Moved(a.CancelItemsAsync([id], Actor.Of(http.User), ct), id, "cancelled", "cannot be cancelled in its state"));
        actions.MapPost("/hold", (long id, OperatorActions a, HttpContext http, CancellationToken ct) =>
            Moved(a.HoldItemsAsync([id], Actor.Of(http.User), ct), id, "held", "is not Pending"));
        actions.MapPost("/release", (long id, OperatorActions a, HttpContext http, CancellationToken ct) =>
            Moved(a.ReleaseItemsAsync([id], Actor.Of(http.User), ct), id, "released", "is not Held"));
        actions.MapPost("/review", ResolveAsync).WithSummary(
            "Resolve an item that needs review: action = adopt (with reference), resubmit or fail (with note); for a submit cancelled or answered late, keep or release its charge.");
    }

    private static async Task<Results<Ok<Page<ItemRow>>, NotFound<string>, BadRequest<string>>> SearchAsync(ItemSearch search, ManifestQueries manifests,
        string? manifest, string? state, string? provider, string? q, long? after, int? limit, CancellationToken ct)
    {
        ItemState? inState = null;
        if (state is not null)
        {
            if (!Enum.TryParse<ItemState>(state, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                return TypedResults.BadRequest($"state '{state}' is not one of {string.Join(", ", Enum.GetNames<ItemState>())}");
            inState = parsed;
        }
        Guid? manifestId = null;
        if (manifest is not null)
        {
            if (await manifests.FindAsync(manifest, ct) is not { } info) return TypedResults.NotFound($"no manifest named '{manifest}' (GET /api/manifests lists them)");
            manifestId = info.Id;
        }
        return TypedResults.Ok(await search.PageAsync(new ItemFilter(manifestId, inState, provider, q), after ?? 0, limit ?? 50, ct));
    }

    private static async Task<Results<Ok<Done>, Conflict<Done>>> Moved(Task<int> act, long id, string done, string refused) =>
        await act == 1 ? TypedResults.Ok(new Done(true, $"item {id} {done}")) : TypedResults.Conflict(new Done(false, $"item {id} {refused}"));

    private static async Task<Results<Ok<Done>, Conflict<Done>>> ResolveAsync(long id, OperatorActions.ReviewDecision review, OperatorActions actions, HttpContext http, CancellationToken ct)
    {
        var outcome = await actions.ResolveAsync(id, review, Actor.Of(http.User), ct);
        return outcome.Done ? TypedResults.Ok(new Done(true, outcome.Message)) : TypedResults.Conflict(new Done(false, outcome.Message));
    }

    private static async Task<IResult> InputAsync(long id, int index, ItemDetails details, IHttpClientFactory clients,
        Microsoft.Extensions.Options.IOptions<Downloads.DownloadOptions> downloads, HttpContext http, CancellationToken ct)
    {
        if (await details.InputUrlAsync(id, index, ct) is not { } url) return TypedResults.NotFound($"item {id} has no input {index}");
        var what = $"input {index + 1} of item {id}";
        Downloads.BoundedDownload download;
        try { download = await Downloads.BoundedDownload.GetAsync(clients.CreateClient(OutputCopier.HttpClientName), url, downloads.Value, what, ct); }
        catch (Exception e) when (e is HttpRequestException or IOException or Downloads.DownloadTimeoutException)
        {
            return TypedResults.Problem($"{what} could not be fetched from {new Uri(url).Host}: {e.Message}", statusCode: StatusCodes.Status502BadGateway);
        }
        http.Response.RegisterForDispose(download);
        var type = download.Response.Content.Headers.ContentType?.MediaType;
        if (!download.Response.IsSuccessStatusCode || type is null || !type.StartsWith("image/", StringComparison.Ordinal))
            return TypedResults.Problem($"{what}: {new Uri(url).Host} answered {(int)download.Response.StatusCode} {type ?? "(no type)"}, not an image",
                statusCode: StatusCodes.Status502BadGateway);
        http.Response.Headers.CacheControl = "private, max-age=3600";
        return TypedResults.Stream(await download.ReadBodyAsync(ct), type);
    }

    private static async Task<IResult> OutputThumbnailAsync(long id, ItemDetails details, IBlobStore store, Thumbnails thumbnails, HttpContext http, CancellationToken ct)
    {
        if (await details.OutputAsync(id, ct) is not { State: OutputState.Stored, BlobName: { } name }) return TypedResults.NotFound("no stored output with that id");
        return await Thumbnail(() => thumbnails.OpenOrMakeAsync(Thumbnails.OfOutput(name), token => store.OpenReadAsync(name, token), ct), $"output {id}", http);
    }

    private static async Task<IResult> InputThumbnailAsync(long id, int index, ItemDetails details, Thumbnails thumbnails, IHttpClientFactory clients,
        Microsoft.Extensions.Options.IOptions<Downloads.DownloadOptions> downloads, HttpContext http, CancellationToken ct)
    {
        if (await details.InputUrlAsync(id, index, ct) is not { } url) return TypedResults.NotFound($"item {id} has no input {index}");
        return await Thumbnail(() => thumbnails.OpenOrMakeAsync(Thumbnails.OfInput(id, index), async token =>
        {
            var download = await Downloads.BoundedDownload.GetAsync(clients.CreateClient(OutputCopier.HttpClientName), url, downloads.Value, $"input {index + 1} of item {id}", token);
            http.Response.RegisterForDispose(download);
            return download.Response.IsSuccessStatusCode ? await download.ReadBodyAsync(token) : null;
        }, ct), $"input {index + 1} of item {id}", http);
    }

    /// <summary>A thumbnail, or why there is none (the source is gone or is not an image).</summary>
    private static async Task<IResult> Thumbnail(Func<Task<Stream?>> open, string what, HttpContext http)
    {
        try
        {
            if (await open() is not { } jpeg) return TypedResults.NotFound($"{what} is not there to make a thumbnail of");
            http.Response.Headers.CacheControl = "private, max-age=3600";
            return TypedResults.Stream(jpeg, "image/jpeg");
        }
        catch (Exception e) when (e is InvalidDataException or HttpRequestException or IOException or Downloads.DownloadTimeoutException)
        {
            return TypedResults.Problem($"no thumbnail of {what}: {e.Message}", statusCode: StatusCodes.Status502BadGateway);
        }
    }

    private static async Task<IResult> OutputAsync(long id, ItemDetails details, IBlobStore store, CancellationToken ct)
    {
        if (await details.OutputAsync(id, ct) is not { State: OutputState.Stored, BlobName: { } name, Location: { } location } output)
            return TypedResults.NotFound("no stored output with that id");
        if (await store.LinkSignerAsync(DateTimeOffset.UtcNow.AddMinutes(15), ct) is { } sign) return TypedResults.Redirect(sign(location));
        return await store.OpenReadAsync(name, ct) is { } stream
            ? TypedResults.Stream(stream, output.ContentType ?? "application/octet-stream", enableRangeProcessing: true)
            : TypedResults.NotFound($"output {id} is recorded as stored at {location}, but this host's store has nothing at {store.LocationOf(name)}: " +
                "does this host use the same Storage__Root (or container) as the workers?");
    }
}
