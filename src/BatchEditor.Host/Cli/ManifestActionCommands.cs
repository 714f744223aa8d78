using System.CommandLine;
using BatchEditor.Items;
using BatchEditor.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

/// <summary><c>retry</c>, <c>cancel</c>, <c>hold</c> and <c>release</c>: operator actions on a whole manifest.</summary>
public static class ManifestActionCommands
{
    public static IEnumerable<Command> Create()
    {
        var states = new Option<ItemState[]>("--state")
        {
            Description = "Which final items to run again (repeatable): Failed (default), Expired, Cancelled.",
            DefaultValueFactory = _ => [ItemState.Failed],
            AllowMultipleArgumentsPerToken = true,
        };
        var retryable = OperatorTransitions.Retryable;
        states.Validators.Add(result =>
        {
            var refused = (result.GetValueOrDefault<ItemState[]>() ?? []).Except(retryable).ToList();
            if (refused.Count > 0) result.AddError($"--state {string.Join(", ", refused)}: only Failed, Expired and Cancelled items can be retried");
        });
        yield return Retry(states);
        yield return Action("cancel", "Cancel every item not yet final or copying; running jobs may still be billed by their provider.",
            (actions, id, _, ct) => actions.CancelAsync(id, Operator.Name, ct), "cancelled");
        yield return Action("hold", "Keep the manifest's pending items from being submitted until `release`.",
            (actions, id, _, ct) => actions.HoldAsync(id, Operator.Name, ct), "held");
        yield return Action("release", "Let the manifest's held items be submitted again.",
            (actions, id, _, ct) => actions.ReleaseAsync(id, Operator.Name, ct), "released", hintWorker: true);
    }

    /// <summary>
    /// <c>retry</c>: Failed items whose paid outputs are still there are copied again; the rest are submitted again as a new
    /// run, and the command says what that pays again. Items with an unsettled submit are refused (exit 0: it says so).
    /// </summary>
    private static Command Retry(Option<ItemState[]> states)
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var json = JsonOutput.Option("text");
        var cause = new Option<string?>("--cause") { Description = $"Only the items of this failure cause (`batch-editor failures` lists them): {FailureCauses.Codes}." };
        cause.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } code && code != FailureCauses.Other && FailureCauses.Find(code) is null)
                result.AddError($"--cause {code}: not a cause; one of {FailureCauses.Codes}");
        });
        var prompt = new Option<string?>("--prompt") { Description = "Run them with this new prompt ({column} filled from each row): a new run each, paid again." };
        var command = new Command("retry",
            "Run the manifest's failed items again: outputs already paid for and still there are copied again (no new charge); " +
            "the rest are submitted again as a new run (new provider job, new output names), which is paid again.") { manifest, states, cause, prompt, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(CommandHost.Work);
            if (await CommandHost.FindManifestAsync(host, parse.GetValue(manifest)!, ct) is not { } info) return ExitCodes.Usage;
            var code = parse.GetValue(cause);
            // A cause names its state: --cause outputs-expired retries Expired items without --state Expired.
            var retryStates = code is null || parse.GetResult(states) is { Implicit: false } ? parse.GetValue(states)!
                : FailureCauses.Find(code)?.State is { } state ? [state] : OperatorTransitions.Retryable;
            if (retryStates.Except(OperatorTransitions.Retryable).Any())
                return CommandHost.Fail(ExitCodes.Usage, $"--cause {code}: these items wait for a decision, not a retry; {FailureCauses.Find(code!)!.Action.Replace("{manifest}", info.Name)}");
            var report = await host.Services.GetRequiredService<OperatorActions>().RetryAsync(info.Id, retryStates, Operator.Name, ct, code, parse.GetValue(prompt));
            var next = report.Recopied + report.Resubmitted > 0 ? await WorkerHint.NextAsync(host, ct) : null;
            if (parse.GetValue(json)) JsonOutput.Write(new { manifest = info.Name, report.Recopied, report.Resubmitted, report.ChargedBefore,
                report.PaidAgainCredits, report.PaidAgainUsd, report.Unsettled, message = report.Describe(info.Name, sayWorker: false), next });
            else Console.WriteLine($"{info.Name}: {report.Describe(info.Name, sayWorker: false)}" + (next is null ? "" : $"\n{next}"));
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Action(string name, string description, Func<OperatorActions, Guid, ParseResult, CancellationToken, Task<int>> act,
        string done, bool hintWorker = false, params Option[] options)
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var command = new Command(name, description) { manifest };
        foreach (var option in options) command.Options.Add(option);
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(CommandHost.Work);
            if (await CommandHost.FindManifestAsync(host, parse.GetValue(manifest)!, ct) is not { } info) return ExitCodes.Usage;
            var moved = await act(host.Services.GetRequiredService<OperatorActions>(), info.Id, parse, ct);
            Console.WriteLine($"{info.Name}: {moved} item(s) {done}.");
            if (hintWorker && moved > 0) Console.WriteLine(await WorkerHint.NextAsync(host, ct));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
