using System.CommandLine;
using BatchEditor.Manifests;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

public static class SubmitCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The CSV manifest: id, image_url, prompt, and optionally mask_url, provider, model, size, quality, n, output_format." };
        var manifest = new ManifestOptions();
        var at = new Option<string?>("--at") { Description = "Submit nothing before then: HH:mm (next occurrence), an ISO date and time, or nightly (02:00), in --time-zone." };
        var name = new Option<string?>("--name") { Description = "Name of the manifest (default: the file name)." };
        var force = new Option<bool>("--force") { Description = "Import even if this exact file was imported before." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the valid rows and list the rejected ones instead of importing nothing." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Queue nothing: validate the file and print its quote (cost, finish time, budgets), as `batch-editor quote` does." };
        var json = new Option<bool>("--json") { Description = "With --dry-run: the quote as JSON." };
        var command = new Command("submit", "Validate a CSV manifest and queue every row as an image edit. Nothing is imported if any row is invalid (exit 3).")
        {
            file, at, name, force, skipInvalid, dryRun, json,
        };
        manifest.AddTo(command);
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) return CommandHost.Fail(ExitCodes.Usage, $"{path.FullName} does not exist");
            var manifestName = parse.GetValue(name);
            if (manifestName is not null && !ManifestImporter.IsValidName(manifestName))
                return CommandHost.Fail(ExitCodes.Usage, $"--name '{manifestName}' may use only letters, digits, '.', '_' and '-'");

            DateTimeOffset? notBefore = null;
            if (parse.GetValue(at) is { } atText && (notBefore = ManifestOptions.ParseAt(atText, manifest.TimeZone(parse), DateTimeOffset.Now, out var atError)) is null)
                return CommandHost.Fail(ExitCodes.Usage, $"--at: {atError}");

            var defaults = manifest.Defaults(parse);
            var settings = manifest.Settings(parse, notBefore);
            if (parse.GetValue(dryRun)) return await QuoteCommand.RunAsync(path, defaults, settings, parse.GetValue(json), ct);
            if (parse.GetValue(json)) return CommandHost.Fail(ExitCodes.Usage, "--json goes with --dry-run (a submit prints what it imported)");

            using var host = CommandHost.Build(CommandHost.Work);
            var result = await host.Services.GetRequiredService<ManifestSubmission>().SubmitAsync(new ManifestSubmission.Request(
                () => File.OpenRead(path.FullName), path.FullName, defaults, manifestName, parse.GetValue(force), parse.GetValue(skipInvalid),
                settings), ct);

            if (result.Errors is [{ AboutTheCommand: true } command])
                return CommandHost.Fail(ExitCodes.Usage, command.Message);
            if (result.NameTaken is { } taken) return CommandHost.Fail(ExitCodes.Usage, taken);
            if (result.Errors.Count > 0)
            {
                Console.Error.WriteLine($"{path.Name}: {result.ProblemSummary}:");
                foreach (var error in result.Errors) Console.Error.WriteLine($"  {error}");
                if (result.ProblemCount > result.Errors.Count) Console.Error.WriteLine($"  … and {result.ProblemCount - result.Errors.Count} more");
                if (result.Imported is null)
                {
                    Console.Error.WriteLine("Nothing was imported. Fix the file, or use --skip-invalid to import the valid rows.");
                    return ExitCodes.InvalidManifest;
                }
                Console.Error.WriteLine($"--skip-invalid: importing the {result.Imported.Items} valid row(s); the rows above are left out.");
            }
            if (result.DuplicateOf is { } existing)
                return CommandHost.Fail(ExitCodes.DuplicateManifest, ManifestImporter.DuplicateManifestException.MessageFor(existing));
            var imported = result.Imported!;
            Console.WriteLine($"Imported {imported.Items} item(s) as manifest '{imported.Name}' ({imported.Id}).");
            foreach (var note in result.RouteNotes) Console.WriteLine($"Route: {note}.");
            if (imported.IncrementalNote is { Length: > 0 } unchanged) Console.WriteLine($"Only changed rows run{unchanged}.");
            if (settings.NotBefore is { } start) Console.WriteLine($"Nothing is submitted before {start:yyyy-MM-dd HH:mm zzz}.");
            if (settings.Window is { } window) Console.WriteLine($"New submissions start only between {window}.");
            if (settings.Sample is { } sample && sample.SizeOf(imported.Items) < imported.Items)
                Console.WriteLine($"A sample of {sample.SizeOf(imported.Items)} item(s){(sample.By is null ? "" : $" across its {sample.By} values")} runs first; the other " +
                                  $"{imported.Items - sample.SizeOf(imported.Items)} are held until `batch-editor approve {imported.Name}` (or `batch-editor reject {imported.Name} --prompt \"…\"`).");
            var store = host.Services.GetRequiredService<Storage.IBlobStore>();
            Console.WriteLine($"Outputs will be stored in {store.LocationOf(Storage.OutputCopier.ManifestFolder(imported.Id))}");
            Console.WriteLine($"{await WorkerHint.NextAsync(host, ct)} Follow it with `batch-editor status {imported.Name}`.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
