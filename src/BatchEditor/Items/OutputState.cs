namespace BatchEditor.Items;

/// <summary>The closed set of an output's states, stored by name in <c>outputs.state</c>.</summary>
public enum OutputState
{
    /// <summary>Known from the provider's answer, not copied yet.</summary>
    Pending,
    /// <summary>Copied into the store and verified; its location, size and MD5 are recorded.</summary>
    Stored,
    /// <summary>Gone at the provider before it could be copied.</summary>
    Expired,
}

/// <summary>The one way an output state enters SQL (as <see cref="StateSql"/> is for items).</summary>
public static class OutputStateSql
{
    public const string Pending = "'" + nameof(OutputState.Pending) + "'";
    public const string Stored = "'" + nameof(OutputState.Stored) + "'";
    public const string Expired = "'" + nameof(OutputState.Expired) + "'";
}
