using System.Runtime.CompilerServices;
using BatchEditor.ReadModel;

namespace BatchEditor.Host.Web.Api;

/// <summary>
/// Live updates as server-sent events: every <see cref="Interval"/>, the counts by state (of one manifest, or of all) and,
/// when asked, one item's state and reason. The dashboard's pages listen to it; so can any script.
/// </summary>
public static class EventsApi
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1.5);

    public sealed record Snapshot(DateTimeOffset At, IReadOnlyDictionary<string, long> Counts, long Total, long Finished, string? ItemState,
        string? ItemReason);

    public static void MapEventsApi(this RouteGroupBuilder api) =>
        api.MapGet("/events", (IServiceScopeFactory scopes, Guid? manifest, long? item, CancellationToken ct) =>
                TypedResults.ServerSentEvents(StreamAsync(scopes, manifest, item, ct), eventType: "snapshot"))
            .WithTags("Overview").WithSummary("Server-sent events: counts by state (of ?manifest= or all) and ?item='s state, every 1.5 s.");

    private static async IAsyncEnumerable<Snapshot> StreamAsync(IServiceScopeFactory scopes, Guid? manifest, long? item,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            Snapshot snapshot;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var counts = await scope.ServiceProvider.GetRequiredService<OverviewQueries>().CountsAsync(manifest, ct);
                var detail = item is { } id ? await scope.ServiceProvider.GetRequiredService<ItemDetails>().FindAsync(id, ct) : null;
                snapshot = new(DateTimeOffset.UtcNow, counts.ToDictionary(c => c.Key.ToString(), c => c.Value), counts.Values.Sum(),
                    counts.Where(c => Items.ItemStates.IsFinal(c.Key)).Sum(c => c.Value), detail?.Item.State.ToString(), detail?.Item.Reason);
            }
            yield return snapshot;
        } while (await timer.WaitForNextTickAsync(ct));
    }
}
