using BatchEditor.Manifests;

namespace BatchEditor.Tests;

public class ManifestReaderTests
{
    private static readonly ManifestDefaults Defaults = new(Provider: "pixeldojo");

    private static ParsedManifest Read(string csv, ManifestDefaults? defaults = null, params (string, string)[] settings) =>
        new ManifestReader(TestProviders.Registry(settings)).Read(new StringReader(csv), defaults ?? Defaults);

    [Fact]
    public void A_valid_row_gets_defaults_keeps_extra_columns_and_splits_several_images()
    {
        var parsed = Read("id,image_url,prompt,title\nSKU-1,https://a.example/1.jpg | https://a.example/2.jpg,Grey backdrop,Linen Shirt\n");

        Assert.Empty(parsed.Errors);
        var row = Assert.Single(parsed.Rows);
        Assert.Equal(2, row.Line);
        Assert.Equal("pixeldojo", row.Provider);
        Assert.Equal("gpt-image-2-edit", row.Request.Model);
        Assert.Equal(["https://a.example/1.jpg", "https://a.example/2.jpg"], row.Request.ImageUrls);
        Assert.Equal(1, row.Request.N);
        Assert.Equal("Linen Shirt", row.Extra["title"]);
    }

    [Fact]
    public void Every_bad_row_is_reported_with_its_line_and_column()
    {
        var parsed = Read("""
            id,image_url,prompt,quality,n,mask_url
            A,https://a.example/a.jpg,ok,,,
            ,https://a.example/b.jpg,ok,,,
            C,ftp://a.example/c.jpg,ok,ultra,0,
            A,https://a.example/d.jpg,ok,,,
            E,https://a.example/e.jpg,ok,,,not a url
            """);

        Assert.Equal(
        [
            "line 3, column id: is empty; every row needs an id",
            "line 4, column image_url: 'ftp://a.example/c.jpg' is not an http(s) URL",
            "line 4, column quality: 'ultra' is not low, medium, high or auto",
            "line 4, column n: '0' is not a whole number from 1 to 10",
            "line 5, column id: 'A' is already used on line 2; ids must be unique",
            "line 6, column mask_url: 'not a url' is not an http(s) URL",
        ], parsed.Errors.Select(e => e.ToString()));
        Assert.Single(parsed.Rows);
    }

    [Fact]
    public void Line_numbers_count_line_breaks_inside_quoted_fields()
    {
        var parsed = Read("id,image_url,prompt\nA,https://a.example/a.jpg,\"two\nlines\"\nB,bad,ok\n");
        Assert.Equal("line 4, column image_url: 'bad' is not an http(s) URL", Assert.Single(parsed.Errors).ToString());
    }

    [Fact]
    public void Missing_required_columns_are_reported_on_the_header_line()
    {
        var parsed = Read("id,prompt\nA,ok\n");
        Assert.Equal("line 1, column image_url: required column is missing", Assert.Single(parsed.Errors).ToString());
        Assert.Empty(parsed.Rows);
    }

    [Fact]
    public void A_missing_column_is_said_once_and_does_not_hide_the_other_problems_of_the_file()
    {
        var report = new ReadReport();
        var rows = new ManifestReader(TestProviders.Registry()).Stream(new StringReader("id,prompt,quality\nA,ok,ultra\nB,ok,low\nA,,high\n"), Defaults, report).ToList();

        Assert.Equal(
        [
            "line 1, column image_url: required column is missing",
            "line 2, column quality: 'ultra' is not low, medium, high or auto",
            "line 4, column id: 'A' is already used on line 2; ids must be unique",
            "line 4, column prompt: is empty; give a prompt here or with --prompt",
        ], report.Errors.Select(e => e.ToString()));
        Assert.Empty(rows);
        Assert.Equal("4 problems on 2 of 3 rows", ReadReport.Summary(report.Count, report.RowsWithProblems, report.RowCount));
    }

    [Fact]
    public void A_duplicate_id_is_flagged_on_a_row_that_has_other_problems_too()
    {
        var parsed = Read("id,image_url,prompt\nA,https://a.example/a.jpg,ok\nA,ftp://a.example/b.jpg,ok\n");
        Assert.Equal(["line 3, column id: 'A' is already used on line 2; ids must be unique", "line 3, column image_url: 'ftp://a.example/b.jpg' is not an http(s) URL"],
            parsed.Errors.Select(e => e.ToString()));
        Assert.Equal("1 problem in the header or the options", ReadReport.Summary(1, 0, 0));
    }

    [Fact]
    public void A_prompt_template_fills_placeholders_from_the_row_and_names_unknown_columns()
    {
        var ok = Read("id,image_url,title\nA,https://a.example/a.jpg,Oak Board\n", Defaults with { PromptTemplate = "Place the {title} on grey" });
        Assert.Equal("Place the Oak Board on grey", Assert.Single(ok.Rows).Request.Prompt);

        var bad = Read("id,image_url\nA,https://a.example/a.jpg\n", Defaults with { PromptTemplate = "Place the {colour} item" });
        Assert.Equal("line 1, column colour: --prompt uses {colour} but the manifest has no such column", Assert.Single(bad.Errors).ToString());
    }

    [Fact]
    public void Unknown_and_unconfigured_providers_are_import_errors()
    {
        var unknown = Read("id,image_url,prompt,provider\nA,https://a.example/a.jpg,ok,dalle9\n");
        Assert.Contains("'dalle9' is not a provider BatchEditor knows", Assert.Single(unknown.Errors).Message);

        // A default every row would use: one problem about the command line, not one per row.
        var unconfigured = Read("id,image_url,prompt\nA,https://a.example/a.jpg,ok\nB,https://a.example/b.jpg,ok\n", null, ("Providers:PixelDojo:ApiKey", ""));
        Assert.Equal("--provider pixeldojo has no API key configured here (set Providers__PixelDojo__ApiKey)", Assert.Single(unconfigured.Errors).ToString());
        var unknownDefault = Read("id,image_url,prompt\nA,https://a.example/a.jpg,ok\nB,https://a.example/b.jpg,ok\n", new ManifestDefaults(Provider: "dalle9"));
        Assert.True(Assert.Single(unknownDefault.Errors).AboutTheCommand);
        Assert.StartsWith("--provider 'dalle9' is not a provider BatchEditor knows", unknownDefault.Errors[0].ToString());
        // A provider column that names one without a key is a row problem: other rows may name another.
        var row = Read("id,image_url,prompt,provider\nA,https://a.example/a.jpg,ok,pixeldojo\n", null, ("Providers:PixelDojo:ApiKey", ""));
        Assert.Equal("line 2, column provider: 'pixeldojo' has no API key configured (Providers__PixelDojo__ApiKey)", Assert.Single(row.Errors).ToString());
    }

    [Fact]
    public void Provider_capabilities_are_checked_at_import()
    {
        var nine = string.Join('|', Enumerable.Range(1, 9).Select(i => $"https://a.example/{i}.jpg"));
        var parsed = Read($"""
            id,image_url,prompt,model,mask_url,size
            A,{nine},ok,,,
            B,https://a.example/b.jpg,ok,gpt-image-1-5-edit,https://a.example/m.png,
            C,https://a.example/c.jpg,ok,,,2:3
            D,https://a.example/d.jpg,ok,,,1024x768
            """);

        Assert.Equal(
        [
            "line 2, column image_url: pixeldojo takes 1 to 8 reference images, this row has 9",
            "line 3, column mask_url: pixeldojo gpt-image-1-5-edit takes no mask (only gpt-image-2-edit does)",
            "line 4, column size: pixeldojo offers image_size presets auto, square_hd, square, portrait_4_3, portrait_16_9, landscape_4_3, landscape_16_9 (1:1, 3:4, 9:16, 4:3, 16:9); '2:3' is none of them",
        ], parsed.Errors.Select(e => e.ToString()));
        Assert.Equal("D", Assert.Single(parsed.Rows).Request.RowId);
    }

    [Fact]
    public void A_row_with_the_wrong_number_of_fields_is_reported()
    {
        var parsed = Read("id,image_url,prompt\nA,https://a.example/a.jpg\n");
        Assert.Equal("line 2: has 2 fields but the header has 3", Assert.Single(parsed.Errors).ToString());
    }

    [Fact]
    public void A_header_without_rows_is_an_error()
    {
        Assert.Equal("line 1: the manifest has a header but no rows", Assert.Single(Read("id,image_url,prompt\n").Errors).ToString());
    }
}
