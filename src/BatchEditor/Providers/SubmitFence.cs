namespace BatchEditor.Providers;

/// <summary>
/// The gate every submit passes right before its request leaves this machine, after everything that can fail without
/// the provider knowing (input downloads, mask conversion, building the body). The engine's fence records "may be sent"
/// only while the worker still holds the item, so a worker that lost its lease never sends, and a failure before the
/// gate is never mistaken for a submit that may have been billed. Adapters pass it to <see cref="ProviderHttp.SubmitAsync"/>.
/// </summary>
public sealed class SubmitFence(Func<CancellationToken, Task<bool>> tryMarkSent, CancellationToken sendToken)
{
    /// <summary>A fence that always opens (contract tests, tools): nothing to guard.</summary>
    public static SubmitFence Open => new(_ => Task.FromResult(true), CancellationToken.None);

    /// <summary>True once the gate opened: from then on the request may have reached the provider.</summary>
    public bool Passed { get; private set; }

    /// <summary>
    /// Cancels the request once it has left: only a hard stop does. A lost lease cancels what comes before the gate,
    /// never a request in flight, whose answer is still wanted (it is recorded even when late).
    /// </summary>
    public CancellationToken SendToken { get; } = sendToken;

    public async Task<bool> TryPassAsync(CancellationToken ct) => Passed = await tryMarkSent(ct);
}
