using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// The per-process work loop: claims up to the free slots, runs each claimed item's step with bounded concurrency under
/// a renewed lease, sleeps until a step finishes, new work is announced, or the next poll falls due. A database that
/// goes away is waited for with back-off. On stop (<see cref="WorkerShutdown"/>) it claims nothing more and hands back
/// at once what it can: submits not yet sent, polls and copies (all idempotent, taken up by another worker). Submits
/// already sent wait for their answer up to the grace, which covers every provider's request timeout, so a deploy parks
/// nothing in review. A crash of the loop itself is reported through <see cref="WorkerExit"/>.
/// </summary>
public sealed class Dispatcher(
    ItemClaimer claimer, SubmitStep submit, PollStep poll, CopyStep copy, ItemTransitions transitions,
    ActiveItems active, ProviderRegistry providers, LeaseKeeper keeper, WorkSignal signal, WorkerExit exit, WorkerShutdown shutdown,
    IOptions<WorkerOptions> options, IHostApplicationLifetime lifetime, EngineLog log, Telemetry.BatchEditorMetrics metrics, TimeProvider clock,
    ManifestsWorked worked, Manifests.ManifestFinisher finisher, Jobs.JobQueues queues, Batches.BatchStore batches) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start only once every hosted service (the Hangfire server among them) has started: stopping the host from
        // --until-idle while another service is still starting would fail that service's start.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetResult()))
            await started.Task;
        // The host's stop reaches this service after others have stopped; the application's stopping signal comes first.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, shutdown.Stopping);
        try
        {
            await RunAsync(stopping.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            log.DispatcherCrashed(e);
            exit.Fail(e);
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var opts = options.Value;
        var owner = opts.WorkerName;
        log.Started(owner, opts.Concurrency, string.Join(", ", providers.Configured.Select(p => p.Name)), shutdown.Grace);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = keeper.RunAsync(heartbeatStop.Token);
        var running = new HashSet<Task>();
        var claimFailures = 0;

        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveWhere(t => t.IsCompleted);
            var free = opts.Concurrency - running.Count;
            // Never cancelled half-way: a claim that commits while its caller gives up would leave items leased to no one.
            var claimSentAt = clock.GetTimestamp();
            var (claimed, failed) = free > 0 ? await ClaimAsync(owner, free, opts.LeaseDuration) : ([], false);
            claimFailures = failed ? claimFailures + 1 : 0;
            foreach (var item in claimed) running.Add(RunStepAsync(item, owner, claimSentAt));
            if (claimed.Count > 0 && claimed.Count == free) continue; // a full claim: there may be more due now

            if (opts.UntilIdle && !failed && running.Count == 0 && claimed.Count == 0 && !await AnyActiveAsync(stoppingToken) && !MoreWorkQueued())
            {
                log.Idle(owner);
                await FinishBeforeExitAsync(stoppingToken);
                lifetime.StopApplication();
                break;
            }
            // The database is away: wait longer each time (up to 5 s) instead of hammering it. Otherwise sleep until the next
            // poll or copy falls due (a slot must not idle for the rest of an interval), a step ends or new work is announced.
            var wait = failed ? Backoff.Exponential(claimFailures, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5))
                : running.Count >= opts.Concurrency ? opts.IdlePollInterval // no slot: a finishing step wakes the loop
                : await UntilNextFollowUpAsync(opts.IdlePollInterval, stoppingToken);
            await signal.WaitAsync(wait, stoppingToken);
        }

        running.RemoveWhere(t => t.IsCompleted);
        if (running.Count > 0) log.Draining(shutdown.Grace, running.Count);
        await Task.WhenAll(running);
        await heartbeatStop.CancelAsync();
        await heartbeat;
    }

    private static readonly TimeSpan MinimumSleep = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// `--until-idle` is done with the items: the manifests it finished are finished now, and their first webhook
    /// delivery runs, before it exits (a script that waits for it gets its webhook). Bounded: retries come later.
    /// </summary>
    private async Task FinishBeforeExitAsync(CancellationToken ct)
    {
        try
        {
            await finisher.EnqueueFinishedAsync(ct);
            await queues.WaitUntilIdleAsync(TimeSpan.FromSeconds(60), ct, Jobs.Queues.Maintenance, Jobs.Queues.Webhooks);
        }
        catch (Exception e) when (e is not OperationCanceledException) { log.StepFailed(e, "finishing manifests", 0, "-"); }
    }

    /// <summary>An upload's import or an operator's action waiting in Hangfire: it may make items due, so the batch is not over.</summary>
    private bool MoreWorkQueued()
    {
        try { return queues.Busy(Jobs.Queues.Imports, Jobs.Queues.Operations) > 0; }
        catch (Exception e) when (e is NpgsqlException or TimeoutException) { return true; } // ask again on the next turn
    }

    private async Task<TimeSpan> UntilNextFollowUpAsync(TimeSpan longest, CancellationToken ct)
    {
        try
        {
            if (await claimer.NextFollowUpAsync(ct) is not { } due) return longest;
            // Just past the due time; never less than 20 ms, so an item due but held elsewhere cannot make the loop spin.
            var until = due + TimeSpan.FromMilliseconds(5);
            return until < MinimumSleep ? MinimumSleep : until < longest ? until : longest;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException) { return longest; } // the next claim reports it
    }

    private async Task<(List<ClaimedItem> Items, bool Failed)> ClaimAsync(string owner, int free, TimeSpan lease)
    {
        try
        {
            var items = await claimer.ClaimFollowUpsAsync(owner, free, lease, CancellationToken.None);
            items.AddRange(await claimer.ClaimSubmissionsAsync(owner, free - items.Count, lease, CancellationToken.None));
            if (items.Count > 0) log.Claimed(items.Count);
            worked.Add(items);
            return (items, false);
        }
        catch (Exception e) when (e is NpgsqlException n && Persistence.DatabaseRetry.IsTransient(n) || e is TimeoutException)
        {
            // The database restarting or unreachable: wait for it. Anything else (a missing table, a bug) stops the worker.
            log.ClaimFailed(e);
            return ([], true);
        }
    }

    private async Task RunStepAsync(ClaimedItem item, string owner, long claimSentAt)
    {
        await Task.Yield(); // the step runs off the dispatcher loop
        using var lease = keeper.Track(item, claimSentAt);
        // A stop cancels what is safe to hand back: everything but a submit already sent (SubmitFence.SendToken).
        using var step = CancellationTokenSource.CreateLinkedTokenSource(lease.Lost, shutdown.Stopping);
        var started = clock.GetTimestamp();
        var outcome = "ok";
        try
        {
            await (item.State switch
            {
                ItemState.Submitting => submit.RunAsync(item, owner, lease, step.Token),
                ItemState.Running => poll.RunAsync(item, owner, step.Token),
                ItemState.Copying => copy.RunAsync(item, owner, step.Token),
                _ => Task.CompletedTask,
            });
        }
        catch (OperationCanceledException) when (step.IsCancellationRequested)
        {
            outcome = lease.Lost.IsCancellationRequested ? "lease-lost" : "stopped";
            // Lost the lease: the item is someone else's now. Stopping: hand polls and copies back (idempotent work).
            if (!lease.Lost.IsCancellationRequested && item.State != ItemState.Submitting)
                await TryRelease(item, owner, "worker stopped; the step will run again", TimeSpan.Zero);
        }
        catch (Exception e)
        {
            outcome = "error";
            log.StepFailed(e, item.State.ToString(), item.Id, item.RowId);
            // A submit that failed here may or may not have been sent: its lease lapses and the rescuer decides from the
            // send mark. Polls and copies are idempotent: hand them back for a later retry.
            if (item.State != ItemState.Submitting && !lease.Lost.IsCancellationRequested)
                await TryRelease(item, owner, $"{item.State} step failed: {e.Message}; retry in 30 s", TimeSpan.FromSeconds(30));
        }
        finally
        {
            metrics.StepFinished(StepName(item.State), outcome, clock.GetElapsedTime(started));
            signal.Set();
        }
    }

    private static string StepName(ItemState state) => state switch
    {
        ItemState.Submitting => "submit",
        ItemState.Running => "poll",
        ItemState.Copying => "copy",
        _ => state.ToString(),
    };

    private async Task TryRelease(ClaimedItem item, string owner, string reason, TimeSpan retryIn)
    {
        // Bounded by the stop's deadline: with the database away, the lease lapsing hands the item back just as well.
        try { await transitions.Release(item, owner, reason, item.Now() + retryIn, shutdown.Deadline); }
        catch (Exception e) { log.StepFailed(e, "release", item.Id, item.RowId); }
    }

    /// <summary>
    /// Whether items this worker can move are still active. Active items of providers that have no API key here cannot
    /// be: `--until-idle` stops instead of waiting for them forever, and says which providers and keys they need.
    /// </summary>
    private async Task<bool> AnyActiveAsync(CancellationToken ct)
    {
        var configured = providers.Configured.Select(p => p.Name).ToArray();
        try
        {
            if (await active.AnyAsync(configured, ct)) return true;
            // A provider batch still in flight may yet bring a billed line for an item that left it: read it first.
            if (await batches.AnyOpenAsync(ct)) return true;
            var waiting = (await active.ByProviderAsync(ct))
                .Select(p => $"{p.Items} for {p.Provider} (set {ProviderRegistry.KeyVariable(p.Provider)})").ToList();
            if (waiting.Count > 0) exit.Stuck($"items wait for providers that have no API key here: {string.Join(", ", waiting)}");
            return false;
        }
        catch (Exception e) when (e is OperationCanceledException or NpgsqlException) { return true; } // unknown: keep going
    }
}
