using System.Text.RegularExpressions;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests.Docs;

/// <summary>
/// Dependencies between the folders of <c>src/BatchEditor</c> flow one way: no two folders name each other's namespace
/// in code (a `using`, or a name qualified by a folder, with or without `BatchEditor.`). Read from the source, as a reader would follow it.
/// </summary>
public partial class FolderDependencyTests
{
    [Fact]
    public void No_two_folders_depend_on_each_other()
    {
        var root = Path.Combine(FaultReport.RepositoryRoot(), "src", "BatchEditor");
        var folders = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(f => f is not ("bin" or "obj")).ToHashSet();
        var uses = folders.ToDictionary(f => f, _ => new HashSet<string>());
        foreach (var folder in folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
                foreach (Match m in Reference().Matches(Comment().Replace(File.ReadAllText(file), "")))
                    if (folders.Contains(m.Groups[1].Value) && m.Groups[1].Value != folder) uses[folder].Add(m.Groups[1].Value);

        var cycles = uses.SelectMany(a => a.Value.Where(b => uses[b].Contains(a.Key) && string.CompareOrdinal(a.Key, b) < 0).Select(b => $"{a.Key} <-> {b}")).ToList();
        Assert.True(cycles.Count == 0, "folders that depend on each other: " + string.Join(", ", cycles));
    }

    // Code, not the comments: a doc comment may point a reader anywhere.
    [GeneratedRegex(@"//.*$", RegexOptions.Multiline)]
    private static partial Regex Comment();

    // `BatchEditor.Engine…`, or inside the BatchEditor namespace a name qualified by a folder alone (`Engine.WorkerOptions`).
    [GeneratedRegex(@"(?<![\w.])(?:BatchEditor\.)?([A-Z][A-Za-z]+)\.[A-Z]")]
    private static partial Regex Reference();
}
