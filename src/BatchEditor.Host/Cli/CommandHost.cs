using BatchEditor.ReadModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace BatchEditor.Host.Cli;

/// <summary>
/// Builds the host a command runs in: configuration from appsettings.json beside the binary and from
/// environment variables (<c>Section__Key</c>), the base every command reads with
/// (<see cref="ServiceRegistration.AddBatchEditorBase"/>), and the areas the command adds: commands that only read
/// (status, manifests, results, usage, migrate) add nothing, <c>budget</c> adds budgets, commands that change or enqueue
/// work add <see cref="Work"/>, and the worker adds the engine on top.
/// </summary>
public static class CommandHost
{
    /// <summary>The work areas: imports, operator actions, budgets, jobs, webhooks, schedules.</summary>
    public static void Work(HostApplicationBuilder builder) => builder.Services.AddBatchEditorWork(builder.Configuration);

    public static IHost Build(Action<HostApplicationBuilder>? configure = null, LogLevel minimumLevel = LogLevel.Warning)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.SetMinimumLevel(minimumLevel);
        if (minimumLevel > LogLevel.Information) builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
        builder.Services.AddBatchEditorBase(builder.Configuration);
        Telemetry.TelemetryRegistration.AddBatchEditorTelemetry(builder.Services, builder.Configuration, web: false);
        configure?.Invoke(builder);
        return builder.Build();
    }

    /// <summary>Runs a command body and turns the failures a user can fix into one readable line and an exit code.</summary>
    public static async Task<int> RunAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return Fail(ExitCodes.DatabaseUnavailable, $"the database is not set up ({e.MessageText}); run `batch-editor migrate` first");
        }
        catch (Exception e) when (e is NpgsqlException { InnerException: System.Net.Sockets.SocketException or TimeoutException } or NpgsqlException { IsTransient: true })
        {
            return Fail(ExitCodes.DatabaseUnavailable, $"cannot reach PostgreSQL (ConnectionStrings__BatchEditor): {e.Message}");
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            return Fail(ExitCodes.DatabaseUnavailable, $"PostgreSQL refused the connection (ConnectionStrings__BatchEditor): {e.MessageText}");
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            return Fail(ExitCodes.Usage, $"invalid configuration: {string.Join("; ", e.Failures)}");
        }
        catch (InvalidOperationException e)
        {
            return Fail(ExitCodes.Failed, e.Message);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unexpected: one line for the user, the whole story on request.
            Fail(ExitCodes.Failed, $"{e.GetType().Name}: {e.Message}");
            if (Environment.GetEnvironmentVariable("BATCHEDITOR_DEBUG") is "1" or "true") Console.Error.WriteLine(e);
            else Console.Error.WriteLine("(set BATCHEDITOR_DEBUG=1 for the stack trace)");
            return ExitCodes.Failed;
        }
    }

    /// <summary>A manifest by name or id; null, with the error printed, when there is none.</summary>
    public static async Task<ManifestQueries.ManifestInfo?> FindManifestAsync(IHost host, string nameOrId, CancellationToken ct)
    {
        var info = await host.Services.GetRequiredService<ManifestQueries>().FindAsync(nameOrId, ct);
        if (info is null) Fail(ExitCodes.Usage, $"no manifest named '{nameOrId}' (`batch-editor manifests` lists them)");
        return info;
    }

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
