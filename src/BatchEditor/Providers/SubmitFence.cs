namespace BatchEditor.Providers;

/// <summary>
/// The gate every submit passes right before its request leaves this machine, after everything that can fail without
/// the provider knowing (input downloads, mask conversion, building the body). The engine's fence records "may be sent"
/// only while the worker still holds the item, so a worker that lost its lease never sends, and a failure before the
/// gate is never mistaken for a submit that may have been billed. Adapters pass it to <see cref="ProviderHttp.SubmitAsync"/>.
/// </summary>
/// <param name="stillHeld">
/// Asked once more just before the request's first byte leaves (after DNS, TCP and TLS, which the mark precedes): false
/// when the lease can no longer be proven (the process was paused, say), and the request is withdrawn unsent.
/// </param>
public sealed class SubmitFence(Func<CancellationToken, Task<bool>> tryMarkSent, CancellationToken sendToken, Func<bool>? stillHeld = null)
{
    /// <summary>A fence that always opens (contract tests, tools): nothing to guard.</summary>
    public static SubmitFence Open => new(_ => Task.FromResult(true), CancellationToken.None);

    /// <summary>True once the gate opened: from then on the request may have reached the provider.</summary>
    public bool Passed { get; private set; }

    /// <summary>True when the request was withdrawn after the gate opened but before any of its bytes left.</summary>
    public bool Withdrawn { get; private set; }

    /// <summary>
    /// Cancels the request once it has left: only a hard stop does. A lost lease cancels what comes before the gate,
    /// never a request in flight, whose answer is still wanted (it is recorded even when late).
    /// </summary>
    public CancellationToken SendToken { get; } = sendToken;

    public async Task<bool> TryPassAsync(CancellationToken ct) => Passed = await tryMarkSent(ct);

    /// <summary>Called with the request's first byte in hand; throws <see cref="SendWithdrawnException"/> when it must not leave.</summary>
    internal void EnsureStillHeld()
    {
        if (stillHeld is null || stillHeld()) return;
        Withdrawn = true;
        throw new SendWithdrawnException();
    }
}

/// <summary>A request stopped by its fence before any of its bytes left this machine.</summary>
public sealed class SendWithdrawnException() : IOException("the lease could not be proven just before the request would have left; nothing was sent");

/// <summary>
/// A request body that asks its fence before its first byte is written. HttpClient buffers the request line and headers
/// and writes them together with the body's first bytes, so nothing of the request has left when this runs (a test
/// against a real socket proves it).
/// </summary>
internal sealed class FencedContent : HttpContent
{
    private readonly HttpContent _inner;
    private readonly SubmitFence _fence;

    public FencedContent(HttpContent inner, SubmitFence fence)
    {
        (_inner, _fence) = (inner, fence);
        foreach (var header in inner.Headers) Headers.TryAddWithoutValidation(header.Key, header.Value);
    }

    protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken ct)
    {
        _fence.EnsureStillHeld();
        await _inner.CopyToAsync(stream, context, ct);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _inner.Headers.ContentLength ?? -1;
        return length >= 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }
}
