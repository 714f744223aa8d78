using System.CommandLine;
using BatchEditor.Engine;
using BatchEditor.Host.Web;
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
        var dashboard = new Option<bool>("--dashboard") { Description = "Also serve the dashboard and HTTP API from this process (see `web`)." };
        var urls = WebCommand.UrlsOption();
        var command = new Command("worker", "Process queued items: submit, poll, copy outputs to storage. Run several on one database to scale out.")
        {
            untilIdle, concurrency, dashboard, urls,
        };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            Action<WorkerOptions> overrides = o =>
            {
                if (parse.GetValue(untilIdle)) o.UntilIdle = true;
                if (parse.GetValue(concurrency) is { } c) o.Concurrency = c;
            };
            using IHost host = parse.GetValue(dashboard)
                ? WebHost.Build(parse.GetValue(urls), withWorker: true, overrides)
                : CommandHost.Build(builder => builder.Services.AddBatchEditorWorker(builder.Configuration, overrides), LogLevel.Information);
            await host.Services.GetRequiredService<IBlobStore>().EnsureReadyAsync(ct);
            var exit = host.Services.GetRequiredService<WorkerExit>();
            var started = await HostRunner.RunAsync(host, parse.GetValue(dashboard) ? WebHost.CheckListening : null, ct);
            if (started != ExitCodes.Ok) return started;
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
