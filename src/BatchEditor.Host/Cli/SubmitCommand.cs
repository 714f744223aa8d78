using System.CommandLine;
using BatchEditor.Manifests;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

public static class SubmitCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The CSV manifest: id, image_url, prompt, and optionally mask_url, provider, model, size, quality, n, output_format." };
        var provider = new Option<string>("--provider") { Description = "Provider for rows that name none (pixeldojo).", DefaultValueFactory = _ => "pixeldojo" };
        var model = new Option<string?>("--model") { Description = "Model for rows that name none (default: the provider's)." };
        var quality = new Option<string?>("--quality") { Description = "low, medium, high or auto, for rows that name none." };
        var size = new Option<string?>("--size") { Description = "Output size for rows that name none: 1024x1536, 2:3, auto or a provider preset." };
        var prompt = new Option<string?>("--prompt") { Description = "Prompt for rows without one; {column} placeholders are filled from the row." };
        var format = new Option<string?>("--format")
        {
            Description = $"The CSV's shape: {Manifests.Formats.CatalogueFormats.Names} (a Shopify or WooCommerce product export), or auto (default: from the header).",
        };
        format.CompletionSources.Add([.. Manifests.Formats.CatalogueFormats.All.Select(f => f.Name), "auto"]);
        var priority = new Option<int>("--priority")
        {
            Description = "Higher runs first when providers' slots are scarce (default 0); manifests of equal priority share them fairly.",
        };
        var budgetCredits = new Option<decimal?>("--budget-credits") { Description = "Most this manifest may cost in credits; items past it are Held with the reason." };
        var budgetUsd = new Option<decimal?>("--budget-usd") { Description = "Most this manifest may cost in dollars; items past it are Held with the reason." };
        var name = new Option<string?>("--name") { Description = "Name of the manifest (default: the file name)." };
        var force = new Option<bool>("--force") { Description = "Import even if this exact file was imported before." };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Import the valid rows and list the rejected ones instead of importing nothing." };
        var command = new Command("submit", "Validate a CSV manifest and queue every row as an image edit. Nothing is imported if any row is invalid (exit 3).")
        {
            file, provider, model, quality, size, prompt, format, priority, budgetCredits, budgetUsd, name, force, skipInvalid,
        };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) return CommandHost.Fail(ExitCodes.Usage, $"{path.FullName} does not exist");
            var manifestName = parse.GetValue(name);
            if (manifestName is not null && !ManifestImporter.IsValidName(manifestName))
                return CommandHost.Fail(ExitCodes.Usage, $"--name '{manifestName}' may use only letters, digits, '.', '_' and '-'");

            using var host = CommandHost.Build();
            var defaults = new ManifestDefaults(parse.GetValue(provider), parse.GetValue(model), parse.GetValue(quality)?.ToLowerInvariant(),
                parse.GetValue(size), parse.GetValue(prompt), parse.GetValue(format));
            var result = await host.Services.GetRequiredService<ManifestSubmission>().SubmitAsync(new ManifestSubmission.Request(
                await File.ReadAllBytesAsync(path.FullName, ct), path.FullName, defaults, manifestName, parse.GetValue(force), parse.GetValue(skipInvalid),
                new ManifestSettings(parse.GetValue(priority), parse.GetValue(budgetCredits), parse.GetValue(budgetUsd))), ct);

            if (result.Errors.Count > 0)
            {
                Console.Error.WriteLine($"{path.Name}: {result.Errors.Count} problem(s) in {result.RowCount} row(s):");
                foreach (var error in result.Errors) Console.Error.WriteLine($"  {error}");
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
            Console.WriteLine($"Run `batch-editor worker` to process them; `batch-editor status {imported.Name}` to follow.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
