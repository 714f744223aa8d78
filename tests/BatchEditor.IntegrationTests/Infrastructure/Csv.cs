namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>Builds small manifests for tests: one row per id, prompts unique per row so the simulator can count submits per item.</summary>
public static class Csv
{
    public static string Manifest(int rows, Func<int, string>? promptSuffix = null)
    {
        var lines = new List<string> { "id,image_url,prompt,size" };
        for (var i = 1; i <= rows; i++)
            lines.Add($"SKU-{i:D4},https://img.example.com/{i}.jpg,Put product {i} on grey {promptSuffix?.Invoke(i) ?? ""},1:1");
        return string.Join("\n", lines) + "\n";
    }

    public static string Row(string id, string prompt) =>
        $"id,image_url,prompt\n{id},https://img.example.com/{id}.jpg,{prompt}\n";
}
