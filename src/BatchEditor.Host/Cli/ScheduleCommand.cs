using System.CommandLine;
using BatchEditor.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchEditor.Host.Cli;

/// <summary><c>schedule add|list|remove|run-now|pause|resume</c>: nightly imports of every new CSV in a folder.</summary>
public static class ScheduleCommand
{
    public static Command Create()
    {
        var command = new Command("schedule", "Nightly imports: a cron schedule that submits every new CSV in a folder, once per file content.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(List());
        command.Subcommands.Add(Simple("remove", "Delete a schedule and its recurring job (the manifests it imported stay).", (services, name, ct) =>
            services.GetRequiredService<ScheduleControl>().RemoveAsync(name, ct), "removed"));
        command.Subcommands.Add(RunNow());
        command.Subcommands.Add(Simple("trigger", "Fire a schedule now on the workers, as Hangfire's \"Trigger now\" does (each new file is imported by its own job).",
            (services, name, ct) => services.GetRequiredService<ScheduleControl>().TriggerNowAsync(name, ct), "fired on the workers"));
        command.Subcommands.Add(Simple("pause", "Stop a schedule from firing until resumed (its recurring job is removed meanwhile).", (services, name, ct) =>
            services.GetRequiredService<ScheduleControl>().PauseAsync(name, ct), "paused"));
        command.Subcommands.Add(Simple("resume", "Let a paused schedule fire again (a fire missed while paused is not made up).", (services, name, ct) =>
            services.GetRequiredService<ScheduleControl>().ResumeAsync(name, ct), "resumed"));
        return command;
    }

    private static Command Add()
    {
        var name = new Argument<string>("name") { Description = "The schedule's name (letters, digits, '.', '_', '-')." };
        var cron = new Option<string>("--cron")
        {
            Description = "When, as crontab: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\" (02:00 daily); six fields put seconds first. " +
                          "A Quartz expression (\"0 0 2 * * ?\") is converted.",
            Required = true,
        };
        var source = new Option<string>("--source")
        {
            Description = "Where each fire looks for new *.csv files: a folder, or blob:<container>/<prefix> in the Storage__ConnectionString account.",
            Required = true,
        };
        var manifest = new ManifestOptions();
        var command = new Command("add", "Create a schedule. A fire missed while no worker ran runs once when a worker starts.") { name, cron, source };
        manifest.AddTo(command);
        command.Validators.Add(result =>
        {
            if (result.GetValue(cron) is { } c && Convert(c) is { } problem) result.AddError($"--cron {problem}");
            if (result.GetValue(name) is { } n && !Manifests.ManifestImporter.IsValidName(n))
                result.AddError($"'{n}' may use only letters, digits, '.', '_' and '-'");
        });
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            var schedule = new ScheduleDefinition(parse.GetValue(name)!, Crontab.Normalize(parse.GetValue(cron)!), manifest.TimeZone(parse), Source(parse.GetValue(source)!),
                manifest.Defaults(parse), manifest.Settings(parse));
            using var host = Build();
            if (host.Services.GetRequiredService<IOptions<BatchEditor.Webhooks.WebhookOptions>>().Value.Refuse(schedule.Settings.WebhookUrl) is { } refused)
                return CommandHost.Fail(ExitCodes.Usage, $"--webhook: {refused}");
            if (!await host.Services.GetRequiredService<ScheduleStore>().AddAsync(schedule, ct))
                return CommandHost.Fail(ExitCodes.Usage, $"a schedule named '{schedule.Name}' exists; remove it first");
            host.Services.GetRequiredService<ScheduleControl>().Schedule(schedule);
            var next = Crontab.Next(schedule.Cron, TimeZoneInfo.FindSystemTimeZoneById(schedule.TimeZone), DateTimeOffset.UtcNow);
            var converted = schedule.Cron != parse.GetValue(cron)!.Trim() ? $" (converted from the Quartz expression \"{parse.GetValue(cron)!.Trim()}\")" : "";
            Console.WriteLine($"Schedule '{schedule.Name}' imports new CSVs from {schedule.Source} at \"{schedule.Cron}\"{converted} ({schedule.TimeZone}); " +
                $"next: {next?.ToLocalTime():yyyy-MM-dd HH:mm zzz}. It is the Hangfire recurring job {ScheduleControl.RecurringJobId(schedule.Name)}.");
            if (!schedule.Source.StartsWith(ScheduleSource.BlobScheme, StringComparison.OrdinalIgnoreCase) && !Directory.Exists(schedule.Source)) Console.WriteLine($"Note: {schedule.Source} does not exist yet; fires find nothing until it does.");
            Console.WriteLine("Workers (`batch-editor worker`) run the fires; `batch-editor schedule trigger` fires it now on them, `schedule run-now` imports here.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var json = JsonOutput.Option();
        var command = new Command("list", "Schedules with their next and last fire and what the last one did.") { json };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = Build();
            var schedules = await host.Services.GetRequiredService<ScheduleControl>().ListAsync(ct);
            if (parse.GetValue(json))
            {
                var stored = (await host.Services.GetRequiredService<ScheduleStore>().ListAsync(ct)).ToDictionary(s => s.Schedule.Name);
                JsonOutput.Write(schedules.Select(s => new
                {
                    s.Name, s.Cron, s.TimeZone, s.Source, stored[s.Name].Schedule.Defaults, stored[s.Name].Schedule.Settings, s.State, s.NextFire,
                    s.LastFire, s.LastResult, s.RecurringJobId,
                }));
                return ExitCodes.Ok;
            }
            if (schedules.Count == 0) Console.WriteLine("No schedules. Create one with `batch-editor schedule add`.");
            foreach (var s in schedules)
                Console.WriteLine($"{s.Name}: \"{s.Cron}\" {s.TimeZone}, source {s.Source}, {s.State}; " +
                    $"next {s.NextFire?.ToLocalTime():yyyy-MM-dd HH:mm zzz}; last {(s.LastFire is { } l ? $"{l.ToLocalTime():yyyy-MM-dd HH:mm}: {s.LastResult}" : "never")}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command RunNow()
    {
        var name = new Argument<string>("name") { Description = "The schedule's name." };
        var command = new Command("run-now", "Import the schedule's new files now, in this process, and print what happened to each.") { name };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = Build();
            var outcomes = await host.Services.GetRequiredService<ScheduleRunner>().RunAsync(parse.GetValue(name)!, ct);
            if (outcomes is null) return CommandHost.Fail(ExitCodes.Usage, $"no schedule named '{parse.GetValue(name)}' (`batch-editor schedule list`)");
            if (outcomes.Count == 0) Console.WriteLine("No new files.");
            foreach (var o in outcomes) Console.WriteLine($"{o.File}: {o.Outcome}: {o.Detail}");
            return outcomes.Any(o => o.Outcome == "refused") ? ExitCodes.InvalidManifest : ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Simple(string verb, string description, Func<IServiceProvider, string, CancellationToken, Task<bool>> act, string done)
    {
        var name = new Argument<string>("name") { Description = "The schedule's name." };
        var command = new Command(verb, description) { name };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = Build();
            if (!await act(host.Services, parse.GetValue(name)!, ct))
                return CommandHost.Fail(ExitCodes.Usage, $"no schedule named '{parse.GetValue(name)}' (`batch-editor schedule list`)");
            Console.WriteLine($"Schedule '{parse.GetValue(name)}' {done}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static string Source(string text) =>
        text.StartsWith(ScheduleSource.BlobScheme, StringComparison.OrdinalIgnoreCase) ? text : Path.GetFullPath(text);

    /// <summary>The CLI changes the schedules and their recurring jobs; the workers' Hangfire servers fire them.</summary>
    private static Microsoft.Extensions.Hosting.IHost Build() => CommandHost.Build(CommandHost.Work);

    /// <summary>Why <paramref name="cron"/> cannot be a schedule's; null when it can.</summary>
    private static string? Convert(string cron)
    {
        try
        {
            Crontab.Normalize(cron);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }
}
