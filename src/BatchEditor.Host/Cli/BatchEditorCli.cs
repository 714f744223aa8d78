using System.CommandLine;

namespace BatchEditor.Host.Cli;

public static class BatchEditorCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "BatchEditor: re-edit whole product catalogues with hosted GPT Image edit APIs. " +
            "Configuration: appsettings.json beside the binary and environment variables (ConnectionStrings__BatchEditor, Providers__PixelDojo__ApiKey, Storage__Root, …).");
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(QuoteCommand.Create());
        root.Subcommands.Add(SubmitCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(WebCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ManifestsCommand.Create());
        root.Subcommands.Add(ResultsCommand.Create());
        root.Subcommands.Add(FailuresCommand.Create());
        root.Subcommands.Add(ReviewCommand.Create());
        foreach (var c in SampleCommands.Create()) root.Subcommands.Add(c);
        root.Subcommands.Add(BudgetCommand.Create());
        root.Subcommands.Add(ScheduleCommand.Create());
        root.Subcommands.Add(UsageCommand.Create());
        foreach (var command in ManifestActionCommands.Create()) root.Subcommands.Add(command);
        return root;
    }
}
