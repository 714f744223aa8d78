using System.Text.RegularExpressions;

namespace BatchEditor.Manifests;

/// <summary>A manifest-wide prompt such as "Place the {product} on a pale grey backdrop", filled from each row.</summary>
public sealed partial class PromptTemplate(string template)
{
    [GeneratedRegex(@"\{([A-Za-z0-9_ ]+)\}")]
    private static partial Regex Placeholder();

    public IEnumerable<string> Columns => Placeholder().Matches(template).Select(m => Normalize(m.Groups[1].Value)).Distinct();

    public string Fill(Func<string, string?> valueOf) =>
        Placeholder().Replace(template, m => valueOf(Normalize(m.Groups[1].Value)) ?? "");

    public static string Normalize(string column) => column.Trim().ToLowerInvariant();
}
