using System.Net;
using BatchEditor.Engine;
using BatchEditor.Items;
using BatchEditor.Providers;
using BatchEditor.Storage;
using BatchEditor.Imaging;

namespace BatchEditor.Tests;

public class PrimitivesTests
{
    [Theory]
    [InlineData("1024x1536", 2, 3)]
    [InlineData("2:3", 2, 3)]
    [InlineData("1536X1024", 3, 2)]
    [InlineData("16:9", 16, 9)]
    public void Sizes_reduce_to_their_aspect(string text, int w, int h) => Assert.Equal((w, h), SizeSpec.Parse(text)!.Aspect);

    [Fact]
    public void Presets_and_auto_are_kept_by_name()
    {
        Assert.True(SizeSpec.Parse("AUTO")!.IsAuto);
        Assert.Equal("square_hd", SizeSpec.Parse("square_hd")!.Preset);
        Assert.Null(SizeSpec.Parse(" "));
    }

    [Fact]
    public void A_reported_cost_that_differs_from_the_charge_becomes_an_adjustment()
    {
        var reported = new CostReport(8, 0.08m, Estimated: false, 92, "reported");
        var adjustment = LedgerEntry.Adjustment(5, 0.05m, reported)!;
        Assert.Equal(("adjustment", 3m, 0.03m, false), (adjustment.Kind, adjustment.Credits, adjustment.CostUsd, adjustment.Estimated));
        Assert.Null(LedgerEntry.Adjustment(8, 0.08m, reported));
        Assert.Equal(-5m, LedgerEntry.Refund(5, null, "failed").Credits);
    }

    [Fact]
    public void Backoff_stays_within_its_bounds_and_grows()
    {
        for (var attempt = 1; attempt < 20; attempt++)
        {
            var d = Backoff.Exponential(attempt, TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5));
            var ceiling = Math.Min(300, 5 * Math.Pow(2, attempt - 1));
            Assert.InRange(d.TotalSeconds, ceiling / 2, ceiling);
        }
        Assert.Equal(TimeSpan.FromSeconds(2), Backoff.Poll(0, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)));
        Assert.Equal(TimeSpan.FromSeconds(30), Backoff.Poll(50, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests, true)]
    [InlineData(HttpStatusCode.ServiceUnavailable, true)]
    [InlineData(HttpStatusCode.InternalServerError, false)]
    [InlineData(HttpStatusCode.GatewayTimeout, false)]
    [InlineData(HttpStatusCode.BadRequest, false)]
    public void Only_answers_that_prove_nothing_was_created_are_retryable_submits(HttpStatusCode status, bool retryable)
    {
        using var response = new HttpResponseMessage(status);
        var outcome = HttpOutcomes.SubmitRefused(response, """{"error":"nope"}""", "pixeldojo");
        Assert.Equal(retryable, outcome is SubmitOutcome.Rejected { Retryable: true });
        if ((int)status >= 500 && !retryable) Assert.IsType<SubmitOutcome.Ambiguous>(outcome);
        Assert.Contains("nope", outcome is SubmitOutcome.Rejected r ? r.Reason : ((SubmitOutcome.Ambiguous)outcome).Reason);
    }

    [Fact]
    public void A_refused_connection_is_retryable_but_a_timeout_is_ambiguous()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused");
        Assert.IsType<SubmitOutcome.Rejected>(HttpOutcomes.SubmitFault(refused, "p", CancellationToken.None));
        Assert.IsType<SubmitOutcome.Ambiguous>(HttpOutcomes.SubmitFault(new TaskCanceledException(), "p", CancellationToken.None));
        Assert.IsType<SubmitOutcome.Ambiguous>(HttpOutcomes.SubmitFault(new HttpRequestException(HttpRequestError.ResponseEnded, "cut"), "p", CancellationToken.None));
    }

    [Fact]
    public void Images_are_recognised_by_their_signature()
    {
        Assert.Equal(ImageKind.Png, ImageKind.Sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0]));
        Assert.Equal(ImageKind.Jpeg, ImageKind.Sniff([0xFF, 0xD8, 0xFF, 0xE0]));
        Assert.Equal(ImageKind.Webp, ImageKind.Sniff("RIFF\0\0\0\0WEBP"u8));
        Assert.Null(ImageKind.Sniff("<html>nope</html>"u8));
    }

    [Fact]
    public async Task A_checked_stream_rejects_truncated_and_oversized_downloads_as_source_faults()
    {
        await using (var truncated = new CheckedStream(new MemoryStream([1, 2, 3, 4]), expectedLength: 10, maxBytes: 100, "output 1"))
        {
            var e = await Assert.ThrowsAsync<OutputDownloadException>(() => truncated.CopyToAsync(Stream.Null));
            Assert.Contains("truncated: 4 of 10", e.Message);
            Assert.True(e.Transient);
        }
        await using (var big = new CheckedStream(new MemoryStream(new byte[50]), expectedLength: null, maxBytes: 20, "output 1"))
            Assert.False((await Assert.ThrowsAsync<OutputDownloadException>(() => big.CopyToAsync(Stream.Null))).Transient);
        await using (var cut = new CheckedStream(new FailingStream(), expectedLength: null, maxBytes: 20, "output 1"))
            Assert.True((await Assert.ThrowsAsync<OutputDownloadException>(() => cut.CopyToAsync(Stream.Null))).Transient);
        await using var ok = new CheckedStream(new MemoryStream([1, 2, 3, 4]), expectedLength: 4, maxBytes: 100, "output 1");
        var copy = new MemoryStream();
        await ok.CopyToAsync(copy);
        Assert.Equal([1, 2, 3, 4], copy.ToArray());
    }

    [Fact]
    public void Blob_names_belong_to_one_manifest_id_and_run_and_are_path_safe()
    {
        var id = Guid.Parse("0190e5c4-7a1b-7c3d-9e8f-0123456789ab");
        Assert.Equal("0190e5c47a1b7c3d9e8f0123456789ab/SKU-1/1.png", OutputCopier.BlobName(id, "SKU-1", 1, 0, ImageKind.Png));
        Assert.Equal("0190e5c47a1b7c3d9e8f0123456789ab/A%2FB%20C/2.jpg", OutputCopier.BlobName(id, "A/B C", 1, 1, ImageKind.Jpeg));
        Assert.Equal("0190e5c47a1b7c3d9e8f0123456789ab/SKU-1/run-2/1.png", OutputCopier.BlobName(id, "SKU-1", 2, 0, ImageKind.Png));
    }

    private sealed class FailingStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            ValueTask.FromException<int>(new IOException("connection reset"));
    }
}

public class ReasonExcerptTests
{
    [Fact]
    public void What_a_provider_or_another_host_answered_is_quoted_as_one_short_clean_line_and_html_is_not_quoted()
    {
        Assert.Equal("(empty body)", Providers.HttpOutcomes.Excerpt("  "));
        Assert.Equal("bad prompt: too long", Providers.HttpOutcomes.Excerpt("bad prompt:\r\n\t too\u0007 long"));
        Assert.Equal(201, Providers.HttpOutcomes.Excerpt(new string('x', 5000)).Length);
        Assert.Equal("(a 59-character HTML page, not quoted)",
            Providers.HttpOutcomes.Excerpt("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>   "));
        Assert.Equal("content policy: nudity", Providers.HttpOutcomes.ErrorText("{\"error\":\"content policy: nudity\"}"));
    }
}
