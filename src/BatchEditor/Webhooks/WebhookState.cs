namespace BatchEditor.Webhooks;

/// <summary>Where a manifest's webhook is, stored in lower case in <c>webhooks.state</c>.</summary>
public enum WebhookState
{
    /// <summary>Not delivered yet: the next attempt is a Hangfire retry.</summary>
    Waiting,
    /// <summary>The receiver answered 2xx.</summary>
    Delivered,
    /// <summary>Every attempt failed; given up.</summary>
    Failed,
}

public static class WebhookStates
{
    /// <summary>The name stored in <c>webhooks.state</c>.</summary>
    public static string Stored(this WebhookState state) => state.ToString().ToLowerInvariant();

    /// <summary>The waiting state as a SQL literal: the partial index <c>webhooks_waiting</c> is defined on it.</summary>
    public const string WaitingSql = "'waiting'";
}
