using BatchEditor.ReadModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BatchEditor.Host.Cli;

/// <summary>What a command that queued work says next: nothing moves until a worker runs, so it says whether one does.</summary>
public static class WorkerHint
{
    public static async Task<string> NextAsync(IHost host, CancellationToken ct)
    {
        using var scope = host.Services.CreateScope();
        var live = await scope.ServiceProvider.GetRequiredService<WorkerQueries>().LiveAsync(ct);
        return live.Count == 0
            ? "No worker is running: start one with `batch-editor worker` (or `batch-editor worker --until-idle` to stop when done)."
            : $"{live.Count} worker(s) running will take them up ({string.Join(", ", live.Select(w => w.Name).Take(3))}{(live.Count > 3 ? ", …" : "")}).";
    }
}
