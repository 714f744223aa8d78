namespace BatchEditor.Telemetry;

/// <summary>A provider outcome's type as a metric label: <c>SubmitOutcome.Accepted</c> → <c>accepted</c>, <c>InProgress</c> → <c>in_progress</c>.</summary>
public static class OutcomeName
{
    public static string Of(object outcome) => ReadModel.BatchEditorDb.SnakeCase(outcome.GetType().Name);
}
