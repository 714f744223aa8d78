using System.Reflection;
using System.Text.RegularExpressions;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests.Docs;

/// <summary>The README's configuration table names every setting the code binds: a new option cannot ship undocumented.</summary>
public partial class ConfigurationTableTests
{
    /// <summary>Options classes and the configuration section each is bound to.</summary>
    private static readonly (string Type, string Section)[] Bound =
    [
        ("BatchEditor.Storage.StorageOptions", "Storage"),
        ("BatchEditor.Engine.WorkerOptions", "Worker"),
        ("BatchEditor.Jobs.JobsOptions", "Jobs"),
        ("BatchEditor.Downloads.DownloadOptions", "Downloads"),
        ("BatchEditor.Webhooks.WebhookOptions", "Webhooks"),
        ("BatchEditor.Providers.ProviderSettings", "Providers__PixelDojo"),
        ("BatchEditor.ReadModel.SearchOptions", "Dashboard__Search"),
        ("BatchEditor.Host.Web.Auth.DashboardOptions", "Dashboard"),
        ("BatchEditor.Host.Web.Auth.DashboardUser", "Dashboard__Users__N"),
    ];

    /// <summary>Properties that are not settings: set by the command line, not by configuration.</summary>
    private static readonly string[] NotSettings = ["Worker__UntilIdle"];

    [Fact]
    public void Every_bound_setting_is_in_the_README_configuration_table()
    {
        var readme = File.ReadAllLines(Path.Combine(FaultReport.RepositoryRoot(), "README.md"));
        var table = readme.SkipWhile(l => l != "### Configuration").TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal) || l == "### Configuration")
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(table);
        var documented = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in table)
        {
            // "| `Webhooks__FirstRetryDelay`, `…__MaxRetryDelay` |": the first cell's names, "…" standing for the first one's section.
            var cell = row.Split('|')[1];
            var names = Setting().Matches(cell).Select(m => m.Groups[1].Value).ToList();
            if (names.Count == 0) continue;
            var section = names[0][..names[0].LastIndexOf("__", StringComparison.Ordinal)];
            foreach (var name in names) documented.Add(OneProvider(name.StartsWith('…') ? section + name[1..] : name));
        }

        var assemblies = new[] { typeof(Storage.StorageOptions).Assembly, Assembly.LoadFrom(Cli.BinaryPath) };
        var missing = new List<string>();
        foreach (var (typeName, section) in Bound)
        {
            var type = assemblies.Select(a => a.GetType(typeName)).SingleOrDefault(t => t is not null)
                ?? throw new InvalidOperationException($"{typeName} is gone: update this test's list");
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod?.IsPublic == true))
            {
                var name = $"{section}__{property.Name}";
                if (!documented.Contains(name) && !NotSettings.Contains(name) && !IsCollection(property)) missing.Add(name);
            }
        }
        Assert.True(missing.Count == 0, "settings missing from the README's configuration table: " + string.Join(", ", missing));
    }

    /// <summary>Every provider has the same settings: the table shows them on one (PixelDojo, mostly).</summary>
    private static string OneProvider(string name) =>
        name.Split("__") is ["Providers", _, .. var rest] ? string.Join("__", ["Providers", "PixelDojo", .. rest]) : name;

    private static bool IsCollection(PropertyInfo property) =>
        property.PropertyType != typeof(string) && property.PropertyType.IsAssignableTo(typeof(System.Collections.IEnumerable));

    [GeneratedRegex(@"`((?:[A-Za-z]+|…)(?:__[A-Za-z<>]+)+)`")]
    private static partial Regex Setting();
}
