using System.Collections.Concurrent;
using BatchEditor.Items;
using BatchEditor.ReadModel;

namespace BatchEditor.Host.Web.Api;

/// <summary>
/// Counts by state for the live pages, shared: every open page asks every <see cref="EventsApi.Interval"/>, and one count
/// per manifest (or of all items) per interval serves them all, so ten open tabs cost the database what one does.
/// </summary>
public sealed class LiveCounts(IServiceScopeFactory scopes, TimeProvider clock)
{
    private sealed record Entry(DateTimeOffset At, Task<Dictionary<ItemState, long>> Counts);

    private readonly ConcurrentDictionary<Guid, Entry> _entries = new();

    public Task<Dictionary<ItemState, long>> GetAsync(Guid? manifest, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var entry = _entries.AddOrUpdate(manifest ?? Guid.Empty, _ => Count(manifest, now),
            (_, old) => now - old.At < EventsApi.Interval && !old.Counts.IsFaulted ? old : Count(manifest, now));
        return entry.Counts.WaitAsync(ct);
    }

    private Entry Count(Guid? manifest, DateTimeOffset now) => new(now, CountAsync(manifest));

    // Shared by every listener, so no single listener's cancellation stops it.
    private async Task<Dictionary<ItemState, long>> CountAsync(Guid? manifest)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<OverviewQueries>().CountsAsync(manifest, CancellationToken.None);
    }
}
