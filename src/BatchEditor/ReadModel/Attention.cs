using BatchEditor.Items;

namespace BatchEditor.ReadModel;

/// <summary>
/// What in a manifest needs someone, and the command that deals with it: the items in states nothing will move on its
/// own (review, failed, expired, held), their commonest reasons, and active work with no worker running to do it.
/// </summary>
public sealed record Attention(string What, long Items, IReadOnlyList<(string Reason, long Items)> Reasons, string Command)
{
    /// <summary>States a person must act on, in the order they matter (money first).</summary>
    public static readonly ItemState[] States = [ItemState.NeedsReview, ItemState.Failed, ItemState.Expired, ItemState.Held];

    public static List<Attention> For(string manifest, IReadOnlyDictionary<ItemState, long> counts,
        IReadOnlyList<ManifestQueries.ReasonCount> reasons, int liveWorkers)
    {
        var list = new List<Attention>();
        foreach (var state in States)
        {
            if (counts.GetValueOrDefault(state) is not (> 0 and var n)) continue;
            var top = reasons.Where(r => r.State == state).Select(r => (r.Reason, r.Items)).ToList();
            list.Add(new Attention(Describe(state), n, top, CommandFor(state, manifest)));
        }
        var active = ItemStates.Active.Sum(s => counts.GetValueOrDefault(s));
        if (active > 0 && liveWorkers == 0)
            list.Add(new Attention("active, but no worker is running", active, [], "batch-editor worker"));
        return list;
    }

    private static string Describe(ItemState state) => state switch
    {
        ItemState.NeedsReview => "need review (a submit may have been billed; never resubmitted on its own)",
        ItemState.Failed => "failed",
        ItemState.Expired => "expired before their outputs were stored",
        ItemState.Held => "held",
        _ => state.ToString(),
    };

    private static string CommandFor(ItemState state, string manifest) => state switch
    {
        ItemState.NeedsReview => $"batch-editor review {manifest}",
        ItemState.Failed => $"batch-editor retry {manifest}",
        ItemState.Expired => $"batch-editor retry {manifest} --state Expired",
        ItemState.Held => $"batch-editor release {manifest}   (after `batch-editor budget {manifest} --credits …` if a budget held them)",
        _ => $"batch-editor status {manifest}",
    };
}
