using System.CommandLine;
using BatchEditor.Items;
using BatchEditor.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

/// <summary><c>review [manifest]</c> lists items whose submit may or may not have been billed; <c>review resolve</c> settles them.</summary>
public static class ReviewCommand
{
    public static Command Create()
    {
        var manifest = new Argument<string?>("manifest") { Description = "Manifest name or id (default: every manifest).", Arity = ArgumentArity.ZeroOrOne };
        var json = JsonOutput.Option();
        var command = new Command("review",
            "List what needs a person: items in NeedsReview, and items with a submit that may have been billed and is not settled " +
            "(cancelled while the request was out, or answered after the item moved on), with their submit attempts.") { manifest, json };
        command.Subcommands.Add(ResolveCommand());
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(CommandHost.Work);
            Guid? manifestId = null;
            if (parse.GetValue(manifest) is { } name)
            {
                if (await CommandHost.FindManifestAsync(host, name, ct) is not { } info) return ExitCodes.Usage;
                manifestId = info.Id;
            }
            var queries = host.Services.GetRequiredService<ReviewQueries>();
            var items = await queries.NeedingReviewAsync(manifestId, 500, ct);
            if (parse.GetValue(json))
            {
                var attempts = new List<object>();
                foreach (var item in items) attempts.Add(new { Item = item, Attempts = await queries.AttemptsAsync(item.Id, ct) });
                JsonOutput.Write(attempts);
                return ExitCodes.Ok;
            }
            if (items.Count == 0)
            {
                Console.WriteLine("Nothing needs review.");
                return ExitCodes.Ok;
            }
            foreach (var item in items)
            {
                Console.WriteLine($"item {item.Id}  {item.Manifest}/{item.RowId}  {item.Provider} {item.Model}  (run {item.Run}, since {item.UpdatedAt:yyyy-MM-dd HH:mm:ss} UTC)");
                Console.WriteLine($"  why: {item.Reason}");
                foreach (var a in await queries.AttemptsAsync(item.Id, ct))
                {
                    var sent = a.SentAt is { } s ? $"sent {s:HH:mm:ss}" : "not sent";
                    var job = a.JobId is null ? "" : $", job {a.JobId}";
                    var late = a.Late is null ? "" : $" — late answer kept: {a.Late.Summary} (adopt with --adopt {a.JobId})";
                    var open = a.Unsettled ? " [not settled: may be billed]" : a.SentAt is null ? "" : $" [{a.Settlement}]";
                    Console.WriteLine($"  attempt {a.Id} (run {a.Run}) by {a.Worker}: {sent}, {a.Outcome ?? "no outcome"}{(a.HttpStatus is { } h ? $" {h}" : "")}{job}{late}{open}");
                }
            }
            Console.WriteLine();
            Console.WriteLine("Check each job at the provider, then: batch-editor review resolve <item…> --adopt <job id> | --resubmit | --fail");
            Console.WriteLine("For an item not in NeedsReview (cancelled while its submit was out, or answered late): --adopt <job id> | --keep | --release");
            if (items.Count == 500) Console.WriteLine("(the first 500 are shown)");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command ResolveCommand()
    {
        var items = new Argument<long[]>("item") { Description = "Item ids, as `review` lists them.", Arity = ArgumentArity.OneOrMore };
        var resubmit = new Option<bool>("--resubmit") { Description = "No job exists at the provider: release the possible charge and submit again." };
        var fail = new Option<bool>("--fail") { Description = "Give the item up; its possible charge stays on the ledger." };
        var adopt = new Option<string?>("--adopt") { Description = "The job exists: poll it (or copy its recorded outputs) instead of paying again." };
        var keep = new Option<bool>("--keep") { Description = "An unsettled submit of an item not in review: its charge stands; the item may be retried (and paid for) again." };
        var release = new Option<bool>("--release") { Description = "An unsettled submit that never answered, and no job exists at the provider: release its possible charge." };
        var note = new Option<string?>("--note") { Description = "Why, for the item's history (with --fail)." };
        var command = new Command("resolve",
            "Settle items: in NeedsReview, exactly one of --resubmit, --fail or --adopt <job id>; with an unsettled submit otherwise, --adopt, --keep or --release.")
        {
            items, resubmit, fail, adopt, keep, release, note,
        };
        command.Validators.Add(result =>
        {
            var chosen = new[] { result.GetValue(resubmit), result.GetValue(fail), result.GetValue(adopt) is not null, result.GetValue(keep), result.GetValue(release) }
                .Count(b => b);
            if (chosen != 1) result.AddError("choose exactly one of --resubmit, --fail, --adopt <job id>, --keep or --release");
            if (result.GetValue(adopt) is not null && result.GetValue(items)?.Length > 1) result.AddError("--adopt takes one item: a job belongs to one item");
        });
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(CommandHost.Work);
            var actions = host.Services.GetRequiredService<OperatorActions>();
            var actor = Operator.Name;
            var decision = parse.GetValue(adopt) is { } job ? new OperatorActions.ReviewDecision("adopt", job)
                : parse.GetValue(resubmit) ? new OperatorActions.ReviewDecision("resubmit")
                : parse.GetValue(keep) ? new OperatorActions.ReviewDecision("keep")
                : parse.GetValue(release) ? new OperatorActions.ReviewDecision("release")
                : new OperatorActions.ReviewDecision("fail", Note: parse.GetValue(note));
            var failures = 0;
            foreach (var id in parse.GetValue(items)!)
            {
                var outcome = await actions.ResolveAsync(id, decision, actor, ct);
                (outcome.Done ? Console.Out : Console.Error).WriteLine(outcome.Done ? outcome.Message : $"not done: {outcome.Message}");
                if (!outcome.Done) failures++;
            }
            return failures == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }));
        return command;
    }
}

/// <summary>The name operator actions are recorded under in item history.</summary>
internal static class Operator
{
    public static string Name => $"operator {Environment.UserName}@{Environment.MachineName} (cli)";
}
