using System.Collections.Concurrent;
using BatchEditor.Items;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// Renews the leases of this process's running steps, all in one statement every
/// <see cref="WorkerOptions.LeaseRenewInterval"/>, so a live step never loses its item however long its calls take. A
/// step whose lease is gone (the rescuer or an operator took the item) or can no longer be proven (renewals failing
/// until the lease would have lapsed) is cancelled: a submit that has not passed its fence never sends. How long a lease
/// is known to hold is kept on the monotonic clock, counted from before the statement that set it, so neither a wall
/// clock that jumps nor a process that was paused can make a lapsed lease look alive.
/// </summary>
public sealed class LeaseKeeper(Leases leases, IOptions<WorkerOptions> options, EngineLog log, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, Held> _held = new();

    /// <summary>A lease this process holds; <see cref="Lost"/> is cancelled when it is lost. Dispose when the step ends.</summary>
    public sealed class Held(ClaimedItem item, long validUntil, TimeProvider clock, ConcurrentDictionary<long, Held> registry) : IDisposable
    {
        private readonly CancellationTokenSource _lost = new();
        private long _validUntil = validUntil;

        public ClaimedItem Item { get; } = item;
        public CancellationToken Lost => _lost.Token;

        /// <summary>True while the lease is proven to hold now (read just before a request's first byte leaves).</summary>
        public bool StillHeld => !_lost.IsCancellationRequested && clock.GetTimestamp() < Volatile.Read(ref _validUntil);

        internal bool MayHaveLapsed(long now) => now >= Volatile.Read(ref _validUntil);

        /// <summary>The database set the lease to <paramref name="duration"/> from a statement sent at <paramref name="sentAt"/>.</summary>
        public void Extended(long sentAt, TimeSpan duration)
        {
            var until = sentAt + (long)(duration.TotalSeconds * clock.TimestampFrequency);
            long seen;
            do seen = Volatile.Read(ref _validUntil);
            while (until > seen && Interlocked.CompareExchange(ref _validUntil, until, seen) != seen);
        }

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

    /// <param name="claimSentAt">The monotonic timestamp taken before the claim statement was sent.</param>
    public Held Track(ClaimedItem item, long claimSentAt)
    {
        var held = new Held(item, claimSentAt + (long)(options.Value.LeaseDuration.TotalSeconds * clock.TimestampFrequency), clock, _held);
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
        var sentAt = clock.GetTimestamp();
        try
        {
            var kept = await leases.RenewAsync(held.Select(h => (h.Item.Id, h.Item.LeaseToken!.Value)).ToList(), options.Value.LeaseDuration, ct);
            foreach (var h in held)
            {
                if (kept.Contains(h.Item.Id)) h.Extended(sentAt, options.Value.LeaseDuration);
                else if (_held.ContainsKey(h.Item.Id) && h.Cancel())
                    log.LeaseLost(h.Item.Id, h.Item.RowId, h.Item.State.ToString());
            }
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            log.RenewFailed(e);
            // Not renewed, so possibly lapsed: once it could have lapsed, stop steps that have not sent yet.
            var now = clock.GetTimestamp();
            foreach (var h in held.Where(h => h.MayHaveLapsed(now))) h.Cancel();
        }
    }
}
