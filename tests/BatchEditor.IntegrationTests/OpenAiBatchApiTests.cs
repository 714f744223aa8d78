using System.Text;
using System.Text.Json.Nodes;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Providers;
using BatchEditor.Providers.OpenAI;
using BatchEditor.ProviderSim;
using Microsoft.Extensions.DependencyInjection;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// The OpenAI Files and Batches client against the simulator's implementation of both APIs: a batch of edits runs and
/// its output and error files are read line by line; an expired batch keeps the lines that ran; a cancelled one too.
/// </summary>
public sealed class OpenAiBatchApiTests
{
    private static EditRequest Edit(string id, string prompt) =>
        new(id, "gpt-image-2", prompt, ["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"], "https://img.example.com/a-mask.png", "1024x1024", "low", 1, "png");

    private static MemoryStream Jsonl(params EditRequest[] edits) =>
        new(Encoding.UTF8.GetBytes(string.Join("\n", edits.Select(e => OpenAiBatches.RequestLine(e.RowId, e))) + "\n"));

    private static async Task<OpenAiBatch> UntilEndedAsync(OpenAiBatches batches, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var batch = await batches.GetAsync(id, CancellationToken.None);
            if (batch.Ended) return batch;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"batch {id} still {batch.Status}");
            await Task.Delay(100);
        }
    }

    private static async Task<List<OpenAiBatchLine>> LinesAsync(OpenAiBatches batches, string? fileId)
    {
        var lines = new List<OpenAiBatchLine>();
        if (fileId is null) return lines;
        await foreach (var line in batches.ReadAsync(fileId, CancellationToken.None)) lines.Add(line);
        return lines;
    }

    [Fact]
    public void A_request_line_is_the_JSON_form_of_an_edit_with_images_and_mask_by_URL()
    {
        var line = JsonNode.Parse(OpenAiBatches.RequestLine("item-7-run-1", Edit("SKU-1", "Put it on white")))!;
        Assert.Equal(("item-7-run-1", "POST", "/v1/images/edits"), (line["custom_id"]!.GetValue<string>(), line["method"]!.GetValue<string>(), line["url"]!.GetValue<string>()));
        var body = line["body"]!;
        Assert.Equal(["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"], body["images"]!.AsArray().Select(i => i!["image_url"]!.GetValue<string>()));
        Assert.Equal("https://img.example.com/a-mask.png", body["mask"]!["image_url"]!.GetValue<string>());
        Assert.Equal(("gpt-image-2", "Put it on white", "1024x1024", "low", 1), (body["model"]!.GetValue<string>(), body["prompt"]!.GetValue<string>(),
            body["size"]!.GetValue<string>(), body["quality"]!.GetValue<string>(), body["n"]!.GetValue<int>()));
    }

    [Fact]
    public async Task A_batch_runs_its_edits_and_its_output_and_error_files_match_each_line_to_its_request()
    {
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(300), ImageScale = 0.05 });
        using var host = bed.BuildHost();
        var batches = host.Services.GetRequiredService<OpenAiBatches>();

        var file = await batches.UploadAsync(Jsonl(Edit("A", "Brighten A"), Edit("B", "Brighten B [sim:fail]"), Edit("C", "Brighten C")), "batch.jsonl", CancellationToken.None);
        var created = await batches.CreateAsync(file, CancellationToken.None);
        Assert.False(created.Ended);
        var done = await UntilEndedAsync(batches, created.Id);

        Assert.Equal(("completed", 3, 2, 1), (done.Status, done.Total, done.Completed, done.Failed));
        var output = await LinesAsync(batches, done.OutputFileId);
        Assert.Equal(["A", "C"], output.Select(l => l.CustomId).Order());
        Assert.All(output, l => Assert.True(l.Succeeded && l.Body!["data"]![0]!["b64_json"]!.GetValue<string>().Length > 100));
        var errors = await LinesAsync(batches, done.ErrorFileId);
        Assert.Equal(("B", 400, "moderation_blocked"), (Assert.Single(errors).CustomId, errors[0].StatusCode, errors[0].ErrorCode));
        Assert.Equal(2, bed.Sim.State.Jobs.Count); // only the lines that ran are billed
    }

    [Fact]
    public async Task An_expired_batch_keeps_the_lines_that_ran_and_reports_the_rest_as_expired()
    {
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(200), ImageScale = 0.05, BatchWindow = TimeSpan.FromSeconds(1) });
        using var host = bed.BuildHost();
        var batches = host.Services.GetRequiredService<OpenAiBatches>();
        var created = await batches.CreateAsync(await batches.UploadAsync(Jsonl(Edit("FAST", "Crop"), Edit("SLOW", "Crop [sim:latency=5s]")), "b.jsonl", CancellationToken.None), CancellationToken.None);

        var done = await UntilEndedAsync(batches, created.Id);

        Assert.Equal("expired", done.Status);
        Assert.Equal("FAST", Assert.Single(await LinesAsync(batches, done.OutputFileId)).CustomId);
        var expired = Assert.Single(await LinesAsync(batches, done.ErrorFileId));
        Assert.Equal(("SLOW", "batch_expired", null), (expired.CustomId, expired.ErrorCode, expired.StatusCode));
    }

    [Fact]
    public async Task A_cancelled_batch_keeps_the_lines_that_ran_before_the_cancel()
    {
        await using var bed = await TestBed.StartAsync(new SimulatorOptions { JobLatency = TimeSpan.FromMilliseconds(100), ImageScale = 0.05 });
        using var host = bed.BuildHost();
        var batches = host.Services.GetRequiredService<OpenAiBatches>();
        var created = await batches.CreateAsync(await batches.UploadAsync(Jsonl(Edit("FAST", "Crop"), Edit("SLOW", "Crop [sim:latency=30s]")), "b.jsonl", CancellationToken.None), CancellationToken.None);
        await Task.Delay(500);

        Assert.Equal("cancelling", (await batches.CancelAsync(created.Id, CancellationToken.None)).Status);
        var done = await UntilEndedAsync(batches, created.Id);

        Assert.Equal("cancelled", done.Status);
        Assert.Equal("FAST", Assert.Single(await LinesAsync(batches, done.OutputFileId)).CustomId);
        Assert.Equal(("SLOW", "batch_cancelled"), (Assert.Single(await LinesAsync(batches, done.ErrorFileId)) is var l ? (l.CustomId, l.ErrorCode) : default));
        Assert.Single(bed.Sim.State.Jobs); // the cancelled line was never billed
    }

    [Fact]
    public async Task A_file_with_a_broken_line_fails_the_batch_and_says_which_line()
    {
        await using var bed = await TestBed.StartAsync();
        using var host = bed.BuildHost();
        var batches = host.Services.GetRequiredService<OpenAiBatches>();
        var content = new MemoryStream(Encoding.UTF8.GetBytes(OpenAiBatches.RequestLine("A", Edit("A", "Crop")) + "\n{not json\n"));
        var created = await batches.CreateAsync(await batches.UploadAsync(content, "b.jsonl", CancellationToken.None), CancellationToken.None);

        var done = await UntilEndedAsync(batches, created.Id);

        Assert.Equal("failed", done.Status);
        Assert.Contains("line 2: not JSON", done.Errors);
        Assert.Empty(bed.Sim.State.Jobs);
    }
}
