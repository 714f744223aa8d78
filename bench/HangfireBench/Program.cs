// B7: how fast Hangfire.PostgreSql moves jobs on this machine, configured exactly as BatchEditor's workers configure it
// (AddBatchEditorJobs, AddBatchEditorJobServer), with no-op jobs so that only Hangfire and PostgreSQL are measured.
//   hangfire-bench enqueue N   enqueues N no-op jobs from 8 concurrent callers; prints the seconds it took
//   hangfire-bench process N   runs a Hangfire server until N jobs have succeeded; prints the seconds it took
// The database comes from ConnectionStrings__BatchEditor and the worker count from Jobs__WorkerCount, as for a worker.
using System.Diagnostics;
using BatchEditor;
using BatchEditor.Jobs;
using Hangfire;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

if (args is not [("enqueue" or "process") and var phase, var count] || !int.TryParse(count, out var n) || n < 1)
{
    Console.Error.WriteLine("usage: hangfire-bench enqueue|process N");
    return 2;
}
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Configuration.AddEnvironmentVariables();
builder.Services.AddBatchEditorCore(builder.Configuration);
if (phase == "process") builder.Services.AddBatchEditorJobServer(_ => "hangfire-bench");
using var host = builder.Build();

var clock = Stopwatch.StartNew();
if (phase == "enqueue")
{
    var client = host.Services.GetRequiredService<IBackgroundJobClient>();
    await Parallel.ForAsync(0, n, new ParallelOptions { MaxDegreeOfParallelism = 8 }, (_, _) =>
    {
        client.Enqueue(() => NoOp.Run());
        return ValueTask.CompletedTask;
    });
}
else
{
    var db = host.Services.GetRequiredService<NpgsqlDataSource>();
    await host.StartAsync();
    await using var succeeded = db.CreateCommand($"select count(*) from {HangfireSchema.Name}.job where statename = 'Succeeded'");
    while ((long)(await succeeded.ExecuteScalarAsync())! < n) await Task.Delay(50);
    clock.Stop();
    await host.StopAsync();
}
Console.WriteLine(clock.Elapsed.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture));
return 0;

/// <summary>The job: nothing, so that what is measured is Hangfire's bookkeeping.</summary>
public static class NoOp
{
    public static void Run() { }
}
