using BatchEditor.Items;
using BatchEditor.Totals;
using BatchEditor.ReadModel;

namespace BatchEditor.Host.Cli;

/// <summary>A manifest with its items by state and its spend, as `manifests` and `status` print them (and as their --json).</summary>
public sealed record ManifestState(ManifestQueries.ManifestInfo Manifest, IReadOnlyDictionary<ItemState, long> Counts, Spend Spend)
{
    /// <summary>Counts and spend of every manifest given, in two queries of the running totals.</summary>
    public static async Task<List<ManifestState>> LoadAsync(RunningTotals totals, IReadOnlyList<ManifestQueries.ManifestInfo> manifests, CancellationToken ct)
    {
        var ids = manifests.Select(m => m.Id).ToList();
        var counts = await totals.CountsByManifestAsync(ids, ct);
        var spend = await totals.SpendByManifestAsync(ids, ct);
        return [.. manifests.Select(m => new ManifestState(m, counts.GetValueOrDefault(m.Id) ?? [], spend.GetValueOrDefault(m.Id) ?? Spend.None))];
    }

    /// <param name="attention">What needs someone (`status` adds it; `manifests` does not look).</param>
    public object ToJson(IReadOnlyList<Attention>? attention = null) => new
    {
        Manifest.Id, Manifest.Name, Manifest.SourceFile, Items = Manifest.ItemCount, ImportedAt = Manifest.CreatedAt,
        Counts = Counts.ToDictionary(c => c.Key.ToString(), c => c.Value), Spend,
        Attention = attention?.Select(a => new { a.What, a.Items, a.Command, Reasons = a.Reasons.Select(r => new { r.Reason, r.Items }) }),
    };
}
