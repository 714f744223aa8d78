namespace BatchEditor.Engine;

/// <summary>
/// Why the worker stopped, for the process's exit code: a dispatcher that died must not look like a clean
/// <c>--until-idle</c> finish to the script that runs it.
/// </summary>
public sealed class WorkerExit
{
    public Exception? Fatal { get; private set; }

    public void Fail(Exception error) => Fatal ??= error;

    /// <summary>Why `--until-idle` stopped with work left that this worker cannot do (items of providers without a key).</summary>
    public string? StuckReason { get; private set; }

    public void Stuck(string reason) => StuckReason ??= reason;
}
