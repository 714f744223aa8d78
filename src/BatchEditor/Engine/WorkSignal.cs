namespace BatchEditor.Engine;

/// <summary>
/// Wakes the dispatcher early: a step finished (its slot is free), or another process announced new work
/// (<see cref="NewWorkListener"/>). Signals coalesce: many while the dispatcher is busy wake it once.
/// </summary>
public sealed class WorkSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Set()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { } // already set
    }

    /// <summary>Waits for a signal or <paramref name="timeout"/>; returns false on timeout or cancellation.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try { return await _signal.WaitAsync(timeout, ct); }
        catch (OperationCanceledException) { return false; }
    }
}
