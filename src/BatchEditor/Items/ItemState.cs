namespace BatchEditor.Items;

/// <summary>
/// The closed set of item states (docs/state-machine.md draws them). Stored by name in <c>items.state</c>.
/// </summary>
public enum ItemState
{
    /// <summary>Imported; waits for <c>next_run_at</c> (first run or retry back-off) and a provider slot.</summary>
    Pending,
    /// <summary>Claimed under a lease; the submit call may be in flight.</summary>
    Submitting,
    /// <summary>The provider accepted the job; polled at <c>next_run_at</c>.</summary>
    Running,
    /// <summary>Outputs known; being copied into blob storage under a lease.</summary>
    Copying,
    /// <summary>The submission may or may not have been billed; never resubmitted without an operator.</summary>
    NeedsReview,
    /// <summary>Parked by an operator or a budget; released back to Pending.</summary>
    Held,
    Succeeded,
    Failed,
    Expired,
    Cancelled,
}

public static class ItemStates
{
    public static readonly ItemState[] Final = [ItemState.Succeeded, ItemState.Failed, ItemState.Expired, ItemState.Cancelled];

    /// <summary>States that make progress on their own; a worker in <c>--until-idle</c> mode waits for these.</summary>
    public static readonly ItemState[] Active = [ItemState.Pending, ItemState.Submitting, ItemState.Running, ItemState.Copying];

    /// <summary>States that wait for a person (NeedsReview, Held).</summary>
    public static readonly ItemState[] Parked = [ItemState.NeedsReview, ItemState.Held];

    public static bool IsFinal(this ItemState state) => Array.IndexOf(Final, state) >= 0;

    public static string[] Names(params ItemState[] states) => Array.ConvertAll(states, s => s.ToString());
}

/// <summary>
/// The one way an item state enters SQL: these quoted literals, built from the enum's names. They are constants, so a
/// statement that uses them stays constant text and still matches the partial indexes defined on a state. States that
/// vary at run time go in as parameters (<see cref="ItemStates.Names"/>, <c>state = any($n)</c>).
/// </summary>
public static class StateSql
{
    public const string Pending = "'" + nameof(ItemState.Pending) + "'";
    public const string Submitting = "'" + nameof(ItemState.Submitting) + "'";
    public const string Running = "'" + nameof(ItemState.Running) + "'";
    public const string Copying = "'" + nameof(ItemState.Copying) + "'";
    public const string NeedsReview = "'" + nameof(ItemState.NeedsReview) + "'";
    public const string Held = "'" + nameof(ItemState.Held) + "'";
    public const string Succeeded = "'" + nameof(ItemState.Succeeded) + "'";
    public const string Failed = "'" + nameof(ItemState.Failed) + "'";
    public const string Expired = "'" + nameof(ItemState.Expired) + "'";
    public const string Cancelled = "'" + nameof(ItemState.Cancelled) + "'";
}
