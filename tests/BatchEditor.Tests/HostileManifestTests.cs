using System.Text;
using BatchEditor.Manifests;

namespace BatchEditor.Tests;

/// <summary>Manifests of every shape a spreadsheet or a hostile supplier produces: read, or refused with line and column, never a crash.</summary>
public class HostileManifestTests
{
    private const string Valid = "id,image_url,prompt\nA,https://a.example/a.jpg,grey\nB,https://a.example/b.jpg,white\n";

    /// <param name="seekable">False: as an upload is read from the database, forward only.</param>
    private static ParsedManifest Read(byte[] bytes, bool seekable = true)
    {
        using var text = ManifestText.Open(seekable ? new MemoryStream(bytes) : new Downloads.ReplayedHeadStream([], new MemoryStream(bytes)));
        return new ManifestReader(TestProviders.Registry()).Read(text, new ManifestDefaults(Provider: "pixeldojo"));
    }

    private static ParsedManifest Read(string text) => Read(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void Byte_order_marks_and_utf16_with_or_without_one_are_read()
    {
        foreach (var bytes in new[]
                 {
                     [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(Valid)],
                     [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(Valid)],
                     Encoding.Unicode.GetBytes(Valid),
                     Encoding.BigEndianUnicode.GetBytes(Valid),
                 })
        foreach (var seekable in new[] { true, false })
        {
            var parsed = Read(bytes, seekable);
            Assert.Empty(parsed.Errors);
            Assert.Equal(["A", "B"], parsed.Rows.Select(r => r.Request.RowId));
        }
    }

    [Fact]
    public void Semicolon_and_tab_separated_files_are_detected()
    {
        Assert.Equal(2, Read(Valid.Replace(',', ';')).Rows.Count);
        Assert.Equal(2, Read(Valid.Replace(',', '\t')).Rows.Count);
    }

    [Fact]
    public void Bytes_that_are_not_utf8_are_an_error_naming_the_line()
    {
        byte[] bytes = [.. Encoding.UTF8.GetBytes("id,image_url,prompt\nA,https://a.example/a.jpg,grey\nB,https://a.example/b.jpg,caf"), 0xE9, .. "\n"u8];
        var error = Assert.Single(Read(bytes).Errors);
        Assert.Equal("line 3, column prompt: holds bytes that are not UTF-8 text; save the file as UTF-8 (or UTF-16 with a byte order mark)", error.ToString());
    }

    [Fact]
    public void An_empty_file_a_header_only_and_an_unbalanced_quote_are_errors()
    {
        Assert.Equal("line 1: the file is empty; a manifest starts with a header line (id,image_url,prompt)", Assert.Single(Read("").Errors).ToString());
        Assert.Equal("line 1: the manifest has a header but no rows", Assert.Single(Read("id,image_url,prompt\n").Errors).ToString());
        var unbalanced = Read("id,image_url,prompt\nA,https://a.example/a.jpg,\"grey\nB,https://a.example/b.jpg,white\n");
        Assert.NotEmpty(unbalanced.Errors); // the quote swallows the rest of the file: reported, not a crash
    }

    [Fact]
    public void A_field_larger_than_a_megabyte_is_refused_with_a_clear_message()
    {
        // A record that outgrows the reader's buffer: stopped at the limit, before it is held whole.
        var huge = Read($"id,image_url,prompt,notes\nA,https://a.example/a.jpg,grey,\"{new string('x', 3 * ManifestReader.MaxRecordBytes)}\"\n");
        Assert.StartsWith("line 2: a record longer than 1 MB (a quote that is never closed?)", Assert.Single(huge.Errors).ToString());
        Assert.Empty(huge.Rows);
        // A long prompt that fits the reader is refused by the prompt's own limit.
        var prompt = Read($"id,image_url,prompt\nA,https://a.example/a.jpg,\"{new string('x', ManifestReader.MaxRecordBytes / 2)}\"\n");
        Assert.Equal("line 2, column prompt: is 524288 characters; the limit is 32000", Assert.Single(prompt.Errors).ToString());
    }

    [Fact]
    public void Row_ids_that_cannot_name_a_file_are_refused_at_import()
    {
        var parsed = Read("id,image_url,prompt\n..,https://a.example/a.jpg,grey\n" + new string('é', 120) + ",https://a.example/b.jpg,grey\nok/with/slash,https://a.example/c.jpg,grey\n");
        Assert.Equal(2, parsed.Errors.Count);
        Assert.All(parsed.Errors, e => Assert.Equal("id", e.Column));
        Assert.Equal("ok/with/slash", Assert.Single(parsed.Rows).Request.RowId); // escaped into one name segment, so it is safe
    }

    [Fact]
    public void Unknown_columns_are_kept_as_row_data()
    {
        var row = Assert.Single(Read("id,image_url,prompt,Colour Name\nA,https://a.example/a.jpg,grey,Sand\n").Rows);
        Assert.Equal("Sand", row.Extra["colour name"]);
    }
}
