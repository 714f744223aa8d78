using System.CommandLine;
using System.Globalization;
using BatchEditor.Budgets;
using BatchEditor.Totals;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.Host.Cli;

/// <summary><c>budget &lt;manifest&gt;</c>: shows or changes what a manifest may cost.</summary>
public static class BudgetCommand
{
    public static Command Create()
    {
        var manifest = new Argument<string>("manifest") { Description = "Manifest name or id." };
        var credits = new Option<decimal?>("--credits") { Description = "Most the manifest may cost in credits." };
        var usd = new Option<decimal?>("--usd") { Description = "Most the manifest may cost in dollars." };
        var clear = new Option<bool>("--clear") { Description = "Remove both limits." };
        var json = JsonOutput.Option();
        var command = new Command("budget", "Show a manifest's budget and spend, or change it (then `release` the items it held).") { manifest, credits, usd, clear, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync(async () =>
        {
            using var host = CommandHost.Build(b => b.Services.AddBudgets());
            if (await CommandHost.FindManifestAsync(host, parse.GetValue(manifest)!, ct) is not { } info) return ExitCodes.Usage;
            var budgets = host.Services.GetRequiredService<ManifestBudgets>();
            var budget = await budgets.GetAsync(info.Id, ct);
            if (parse.GetValue(clear)) budget = await budgets.SetAsync(info.Id, new(null, null), ct);
            else if (parse.GetValue(credits) is not null || parse.GetValue(usd) is not null)
                budget = await budgets.SetAsync(info.Id, new(parse.GetValue(credits) ?? budget.Credits, parse.GetValue(usd) ?? budget.Usd), ct);
            var spend = await host.Services.GetRequiredService<RunningTotals>().SpendAsync(info.Id, ct);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { Manifest = info.Name, Budget = budget, Spent = spend });
                return ExitCodes.Ok;
            }
            static string F(decimal v) => v.ToString("0.####", CultureInfo.InvariantCulture);
            var limit = budget is { Credits: null, Usd: null } ? "no budget"
                : string.Join(" and ", new[] { budget.Credits is { } c ? $"{F(c)} credits" : null, budget.Usd is { } u ? $"${F(u)}" : null }.OfType<string>());
            Console.WriteLine($"{info.Name}: {limit}; spent {SpendText.Of(spend)}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
