using System.CommandLine;
using BatchEditor.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

/// <summary><c>approve</c> and <c>reject</c>: a person's decision on a manifest's sample (<c>submit --sample</c>).</summary>
public static class SampleCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return Approve();
        yield return Reject();
    }

    private static Command Approve()
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var json = new Option<bool>("--json") { Description = "The outcome as JSON." };
        var command = new Command("approve", "Approve a manifest's sample: the rest of its items, held until now, are submitted.") { manifest, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(CommandHost.Work);
            if (await CommandHost.FindManifestAsync(host, parse.GetValue(manifest)!, ct) is not { } info) return ExitCodes.Usage;
            var approved = await host.Services.GetRequiredService<SampleActions>().ApproveAsync(info.Id, info.Name, Operator.Name, ct);
            var next = approved.Released > 0 ? await WorkerHint.NextAsync(host, ct) : null;
            if (parse.GetValue(json)) JsonOutput.Write(new { manifest = info.Name, approved.Done, approved.Released, approved.Message, next });
            else Console.WriteLine(approved.Message + (next is null ? "" : $"\n{next}"));
            return approved.Done ? ExitCodes.Ok : ExitCodes.Usage;
        }));
        return command;
    }

    private static Command Reject()
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var prompt = new Option<string>("--prompt") { Description = "The new prompt; {column} placeholders are filled from each row.", Required = true };
        var items = new Option<long[]>("--item") { Description = "Reject only these items of the sample (ids, repeatable); the rest keeps its prompt.", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "The outcome as JSON." };
        var command = new Command("reject",
            "Reject a manifest's sample: it runs again with a new prompt as a new run (paid again), and the held rest takes the same prompt.")
        {
            manifest, prompt, items, json,
        };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(CommandHost.Work);
            if (await CommandHost.FindManifestAsync(host, parse.GetValue(manifest)!, ct) is not { } info) return ExitCodes.Usage;
            var only = parse.GetValue(items) is { Length: > 0 } chosen ? chosen : null;
            var rejected = await host.Services.GetRequiredService<SampleActions>().RejectAsync(info.Id, info.Name, parse.GetValue(prompt)!, only, Operator.Name, ct);
            var next = rejected.Rerun > 0 ? await WorkerHint.NextAsync(host, ct) : null;
            if (parse.GetValue(json))
                JsonOutput.Write(new { manifest = info.Name, rejected.Done, rejected.Rerun, rejected.Reprompted, rejected.StillRunning, rejected.Message, next });
            else Console.WriteLine(rejected.Message + (next is null ? "" : $"\n{next}"));
            return rejected.Done ? ExitCodes.Ok : ExitCodes.Usage;
        }));
        return command;
    }
}
