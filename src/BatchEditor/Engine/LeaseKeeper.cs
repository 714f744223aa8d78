using System.Collections.Concurrent;
using BatchEditor.Items;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// Renews the leases of this process's running steps, all in one statement every
/// <see cref="WorkerOptions.LeaseRenewInterval"/>, so a live step never loses its item however long its calls take. A
/// step whose lease is gone (the rescuer or an operator took the item) or can no longer be proven (renewals failing
/// until the lease would have lapsed) is cancelled: a submit that has not passed its fence never sends.
/// </summary>
public sealed class LeaseKeeper(Leases leases, IOptions<WorkerOptions> options, EngineLog log, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, Held> _held = new();

    /// <summary>A lease this process holds; <see cref="Lost"/> is cancelled when it is lost. Dispose when the step ends.</summary>
    public sealed class Held(ClaimedItem item, DateTimeOffset validUntil, ConcurrentDictionary<long, Held> registry) : IDisposable
    {
        private readonly CancellationTokenSource _lost = new();

        public ClaimedItem Item { get; } = item;
        public CancellationToken Lost => _lost.Token;
        internal DateTimeOffset ValidUntil { get; set; } = validUntil;

        /// <summary>Cancels <see cref="Lost"/>; true the first time only.</summary>
        internal bool Cancel()
        {
            try
            {
                if (_lost.IsCancellationRequested) return false;
                _lost.Cancel();
                return true;
            }
            catch (ObjectDisposedException) { return false; }
        }

        public void Dispose()
        {
            registry.TryRemove(new KeyValuePair<long, Held>(Item.Id, this));
            _lost.Dispose();
        }
    }

    /// <summary>Steps of this process holding a lease now (for the Workers page).</summary>
    public int InFlight => _held.Count;

    public Held Track(ClaimedItem item)
    {
        // Counted from before the claim's answer arrived: the database's clock started the lease a little earlier.
        var held = new Held(item, clock.GetUtcNow() + options.Value.LeaseDuration - options.Value.LeaseRenewInterval, _held);
        _held[item.Id] = held;
        return held;
    }

    /// <summary>The heartbeat loop; runs until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var opts = options.Value;
        using var timer = new PeriodicTimer(opts.LeaseRenewInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(ct)) await RenewOnceAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    public async Task RenewOnceAsync(CancellationToken ct)
    {
        var held = _held.Values.Where(h => h.Item.LeaseToken is not null).ToList();
        if (held.Count == 0) return;
        var now = clock.GetUtcNow();
        try
        {
            var kept = await leases.RenewAsync(held.Select(h => (h.Item.Id, h.Item.LeaseToken!.Value)).ToList(), options.Value.LeaseDuration, ct);
            foreach (var h in held)
            {
                if (kept.Contains(h.Item.Id)) h.ValidUntil = now + options.Value.LeaseDuration - options.Value.LeaseRenewInterval;
                else if (_held.ContainsKey(h.Item.Id) && h.Cancel())
                    log.LeaseLost(h.Item.Id, h.Item.RowId, h.Item.State.ToString());
            }
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            log.RenewFailed(e);
            // Not renewed, so possibly lapsed: once it could have lapsed, stop steps that have not sent yet.
            foreach (var h in held.Where(h => h.ValidUntil <= now)) h.Cancel();
        }
    }
}
