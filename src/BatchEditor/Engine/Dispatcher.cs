using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;

namespace BatchEditor.Engine;

/// <summary>
/// The per-process work loop: claims up to the free slots, runs each claimed item's step with bounded
/// concurrency, sleeps until a step finishes or the idle interval passes. On stop it claims nothing more and
/// gives in-flight steps <see cref="WorkerOptions.ShutdownGrace"/> to finish.
/// </summary>
public sealed class Dispatcher(
    ItemClaimer claimer, SubmitStep submit, PollStep poll, CopyStep copy, ItemTransitions transitions,
    NpgsqlDataSource dataSource, ProviderRegistry providers, IOptions<WorkerOptions> options,
    IHostApplicationLifetime lifetime, EngineLog log, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Start only once every hosted service (Quartz among them) has started: stopping the host from
        // --until-idle while another service is still starting would fail that service's start.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        await using (stoppingToken.Register(() => started.TrySetResult()))
            await started.Task;
        var opts = options.Value;
        var owner = opts.WorkerName;
        log.Started(owner, opts.Concurrency, string.Join(", ", providers.Configured.Select(p => p.Name)));
        using var hardStop = new CancellationTokenSource();
        await using var graceTimer = stoppingToken.Register(() => hardStop.CancelAfter(opts.ShutdownGrace));
        var running = new HashSet<Task>();
        using var stepDone = new SemaphoreSlim(0);

        while (!stoppingToken.IsCancellationRequested)
        {
            running.RemoveWhere(t => t.IsCompleted);
            var free = opts.Concurrency - running.Count;
            var claimed = free > 0 ? await ClaimAsync(owner, free, opts.LeaseDuration, stoppingToken) : [];
            foreach (var item in claimed)
                running.Add(RunStepAsync(item, owner, hardStop.Token).ContinueWith(_ => stepDone.Release(), TaskScheduler.Default));
            if (claimed.Count > 0 && claimed.Count == free) continue; // a full claim: there may be more due now

            if (opts.UntilIdle && running.Count == 0 && claimed.Count == 0 && !await AnyActiveAsync(stoppingToken))
            {
                log.Idle(owner);
                lifetime.StopApplication();
                break;
            }
            try { await stepDone.WaitAsync(opts.IdlePollInterval, stoppingToken); }
            catch (OperationCanceledException) { }
        }

        running.RemoveWhere(t => t.IsCompleted);
        if (running.Count > 0) log.Draining(opts.ShutdownGrace, running.Count);
        await Task.WhenAll(running);
    }

    private async Task<List<ClaimedItem>> ClaimAsync(string owner, int free, TimeSpan lease, CancellationToken ct)
    {
        try
        {
            var items = await claimer.ClaimFollowUpsAsync(owner, free, lease, ct);
            items.AddRange(await claimer.ClaimSubmissionsAsync(owner, free - items.Count, lease, ct));
            if (items.Count > 0) log.Claimed(items.Count);
            return items;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException && !ct.IsCancellationRequested)
        {
            log.ClaimFailed(e);
            return [];
        }
        catch (OperationCanceledException)
        {
            return [];
        }
    }

    private async Task RunStepAsync(ClaimedItem item, string owner, CancellationToken ct)
    {
        await Task.Yield(); // the step runs off the dispatcher loop
        try
        {
            await (item.State switch
            {
                ItemState.Submitting => submit.RunAsync(item, owner, ct),
                ItemState.Running => poll.RunAsync(item, owner, ct),
                ItemState.Copying => copy.RunAsync(item, owner, ct),
                _ => Task.CompletedTask,
            });
        }
        catch (Exception e)
        {
            log.StepFailed(e, item.State.ToString(), item.Id, item.RowId);
            // A submit that failed here may or may not have been sent: its lease lapses and the rescuer decides.
            // Polls and copies are idempotent: hand them back for a later retry.
            if (item.State != ItemState.Submitting && !ct.IsCancellationRequested)
                await TryRelease(item, owner, $"{item.State} step failed: {e.Message}");
        }
    }

    private async Task TryRelease(ClaimedItem item, string owner, string reason)
    {
        try { await transitions.Release(item, owner, reason, clock.GetUtcNow().AddSeconds(30), CancellationToken.None); }
        catch (Exception e) { log.StepFailed(e, "release", item.Id, item.RowId); }
    }

    private async Task<bool> AnyActiveAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("select exists (select 1 from items where state = any($1))");
        cmd.Parameters.AddWithValue(ItemStates.Names(ItemStates.Active));
        try { return (bool)(await cmd.ExecuteScalarAsync(ct))!; }
        catch (OperationCanceledException) { return true; }
    }
}
