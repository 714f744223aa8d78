using System.CommandLine;
using BatchEditor.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BatchEditor.Host.Cli;

public static class WorkerCommand
{
    public static Command Create()
    {
        var untilIdle = new Option<bool>("--until-idle") { Description = "Exit 0 once no item is left in an active state (for scripts and nightly runs)." };
        var concurrency = new Option<int?>("--concurrency") { Description = "Steps this process runs at once (default: Worker__Concurrency, 16)." };
        var command = new Command("worker", "Process queued items: submit, poll, copy outputs to storage. Run several on one database to scale out.")
        {
            untilIdle, concurrency,
        };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(builder => builder.Services.AddBatchEditorWorker(builder.Configuration, o =>
            {
                if (parse.GetValue(untilIdle)) o.UntilIdle = true;
                if (parse.GetValue(concurrency) is { } c) o.Concurrency = c;
            }), LogLevel.Information);
            await host.Services.GetRequiredService<IBlobStore>().EnsureReadyAsync(ct);
            await host.RunAsync(ct);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
