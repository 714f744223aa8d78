using BatchEditor.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>Requeues or parks Submitting items whose worker vanished (<see cref="LeaseRescuer"/>), every <see cref="WorkerOptions.RescueInterval"/>.</summary>
public sealed class LeaseRescueProcess(LeaseRescuer rescuer, IOptions<WorkerOptions> options, EngineLog log, ILogger<LeaseRescueProcess> logger)
    : MaintenanceProcess(options.Value.RescueInterval, logger)
{
    protected override string Name => "lease rescue";

    protected override async Task RunOnceAsync(CancellationToken ct)
    {
        var result = await rescuer.RescueOnceClusterWideAsync($"rescuer@{options.Value.WorkerName}", ct);
        if (result.Requeued + result.NeedReview > 0) log.Rescued(result.Requeued, result.NeedReview);
    }
}
