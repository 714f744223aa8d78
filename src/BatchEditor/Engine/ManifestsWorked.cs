using System.Collections.Concurrent;

namespace BatchEditor.Engine;

/// <summary>The manifests this worker process claimed items of, for the summary `worker --until-idle` prints at the end.</summary>
public sealed class ManifestsWorked
{
    private readonly ConcurrentDictionary<Guid, string> _manifests = new();

    public void Add(IEnumerable<Items.ClaimedItem> items)
    {
        foreach (var item in items) _manifests.TryAdd(item.ManifestId, item.ManifestName);
    }

    public IReadOnlyList<(Guid Id, string Name)> All => [.. _manifests.Select(m => (m.Key, m.Value)).OrderBy(m => m.Value, StringComparer.Ordinal)];
}
