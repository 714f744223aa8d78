using System.CommandLine;
using BatchEditor.Engine;
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
            var exit = host.Services.GetRequiredService<WorkerExit>(); // RunAsync disposes the host
            // SIGTERM (a deploy, an orchestrator) must always mean "stop gracefully": since .NET 10 the runtime no longer
            // handles it, and this registration lives as long as the worker, whatever happens to the host's own.
            var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                lifetime.StopApplication();
            });
            await host.RunAsync(ct);
            // The host stops cleanly whatever made it stop: a dispatcher that died must not look like a finished batch.
            if (exit.Fatal is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UndefinedTable } missing)
                return CommandHost.Fail(ExitCodes.DatabaseUnavailable, $"the worker stopped: the database is not set up ({missing.MessageText}); run `batch-editor migrate` first");
            if (exit.Fatal is { } fatal)
                return CommandHost.Fail(ExitCodes.Failed, $"the worker stopped on an unexpected error: {fatal.GetType().Name}: {fatal.Message}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
