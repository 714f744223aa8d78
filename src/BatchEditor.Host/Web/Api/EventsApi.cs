using System.Runtime.CompilerServices;
using BatchEditor.Items;
using BatchEditor.ReadModel;
using BatchEditor.Totals;

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
        api.MapGet("/events", (RunningTotals counts, IServiceScopeFactory scopes, Guid? manifest, long? item, CancellationToken ct) =>
                TypedResults.ServerSentEvents(StreamAsync(counts, scopes, manifest, item, ct), eventType: "snapshot"))
            .WithTags("Overview").WithSummary("Server-sent events: counts by state (of ?manifest= or all) and ?item='s state, every 1.5 s.");

    private static async IAsyncEnumerable<Snapshot> StreamAsync(RunningTotals totals, IServiceScopeFactory scopes, Guid? manifest, long? item,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            var counts = await totals.CountsAsync(manifest, ct);
            ItemStatus? status = null;
            if (item is { } id)
                await using (var scope = scopes.CreateAsyncScope())
                    status = await scope.ServiceProvider.GetRequiredService<ItemDetails>().StatusAsync(id, ct);
            yield return new(DateTimeOffset.UtcNow, counts.ToDictionary(c => c.Key.ToString(), c => c.Value), counts.Values.Sum(),
                counts.Where(c => c.Key.IsFinal()).Sum(c => c.Value), status?.State.ToString(), status?.Reason);
        } while (await timer.WaitForNextTickAsync(ct));
    }
}
