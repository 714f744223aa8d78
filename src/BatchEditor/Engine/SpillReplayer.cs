using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>
/// Records the answers in the spill folder (<see cref="AnswerSpill"/>) once the database takes them again: at start (a
/// worker restarted after an outage) and every <see cref="WorkerOptions.RescueInterval"/>.
/// </summary>
public sealed class SpillReplayer(AnswerSpill spill, SubmitStep submit, ItemClaimer items, IOptions<WorkerOptions> options, EngineLog log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RescueInterval);
        do
        {
            try
            {
                await spill.ReplayAsync(async (answer, ct) =>
                {
                    // An item deleted meanwhile (its manifest removed) has nothing left to record the answer on.
                    if (await items.FindAsync(answer.ItemId, ct) is { } current) await submit.ReplayAsync(answer, current, ct);
                }, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                log.SpillReplayFailed(e);
            }
        }
        while (await NextAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try { return await timer.WaitForNextTickAsync(ct); }
        catch (OperationCanceledException) { return false; }
    }
}
