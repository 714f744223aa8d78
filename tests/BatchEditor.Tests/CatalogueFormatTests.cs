using BatchEditor.Manifests;

namespace BatchEditor.Tests;

/// <summary>Store exports as Shopify and WooCommerce write them (header and quoting as exported), read into items.</summary>
public class CatalogueFormatTests
{
    private static ParsedManifest Read(string csv, string? prompt, string? format = null) =>
        new ManifestReader(TestProviders.Registry()).Read(new StringReader(csv), new ManifestDefaults(Provider: "pixeldojo", PromptTemplate: prompt, Format: format));

    // The columns of Shopify's product CSV export (abridged to the ones that matter plus a few others, in export order).
    private const string Shopify = """
        Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Price,Image Src,Image Position,Image Alt Text,Variant Image,Status
        linen-shirt,Linen Shirt,"<p>Soft, breathable</p>",Acme,Apparel,Shirts,"summer, linen",TRUE,Size,S,LS-S,49.00,https://cdn.shopify.com/ls-front.jpg,1,Front,https://cdn.shopify.com/ls-front.jpg,active
        linen-shirt,,,,,,,,,M,LS-M,49.00,https://cdn.shopify.com/ls-back.jpg,2,Back,https://cdn.shopify.com/ls-blue.jpg,
        linen-shirt,,,,,,,,,L,LS-L,49.00,,,,https://cdn.shopify.com/ls-front.jpg,
        wool-cap,Wool Cap,<p>Warm</p>,Acme,Apparel,Hats,winter,TRUE,Title,Default Title,WC-1,19.00,https://cdn.shopify.com/cap.jpg,1,,,active
        """;

    [Fact]
    public void A_shopify_export_becomes_one_item_per_distinct_image_with_the_products_cells()
    {
        var parsed = Read(Shopify, "Put the {Title} by {Vendor} ({Type}, {Tags}) on white");

        Assert.Empty(parsed.Errors);
        Assert.Equal(4, parsed.RowCount);
        Assert.Equal(["linen-shirt-1", "linen-shirt-2", "linen-shirt-3", "wool-cap-1"], parsed.Rows.Select(r => r.Request.RowId));
        Assert.Equal(["https://cdn.shopify.com/ls-front.jpg", "https://cdn.shopify.com/ls-back.jpg", "https://cdn.shopify.com/ls-blue.jpg",
            "https://cdn.shopify.com/cap.jpg"], parsed.Rows.Select(r => r.Request.ImageUrls.Single()));
        // Title, Vendor … come from the handle's first row, also for images found on later rows.
        Assert.All(parsed.Rows.Take(3), r => Assert.Equal("Put the Linen Shirt by Acme (Shirts, summer, linen) on white", r.Request.Prompt));
        Assert.Equal("Put the Wool Cap by Acme (Hats, winter) on white", parsed.Rows[3].Request.Prompt);
        Assert.Equal([2, 3, 3, 5], parsed.Rows.Select(r => r.Line)); // where each image is named
        Assert.Equal("3", parsed.Rows[2].Extra["image position"]);
    }

    [Fact]
    public void A_template_naming_a_column_the_export_lacks_is_an_import_error_naming_it()
    {
        var parsed = Read(Shopify, "Put the {Title} in {Colour}");

        var error = Assert.Single(parsed.Errors);
        Assert.Equal((1, "colour"), (error.Line, error.Column));
        Assert.Contains("shopify export has no such column", error.Message);
        Assert.Empty(parsed.Rows);
    }

    [Fact]
    public void Shopify_rows_without_a_handle_or_with_a_taken_position_are_reported_by_line()
    {
        var parsed = Read("""
            Handle,Title,Image Src,Image Position
            mug,Mug,https://cdn.shopify.com/mug-1.jpg,1
            mug,,https://cdn.shopify.com/mug-2.jpg,1
            ,Orphan,https://cdn.shopify.com/x.jpg,1
            """, "{Title} on white");

        Assert.Equal(["line 4, column Handle: is empty; every row of a Shopify export names its product",
            "line 3, column Image Position: position 1 of 'mug' is already image https://cdn.shopify.com/mug-1.jpg (line 2)"],
            parsed.Errors.Select(e => e.ToString()));
    }

    // WooCommerce's product CSV exporter: "Images" holds comma-separated URLs.
    private const string WooCommerce = """
        ID,Type,SKU,Name,Published,Short description,Categories,Tags,Images,Regular price
        101,simple,MUG-1,Enamel Mug,1,Camp mug,Kitchen,"enamel, camp","https://shop.example/wp-content/uploads/mug.jpg, https://shop.example/wp-content/uploads/mug-side.jpg",12
        102,simple,,Tea Towel,1,Linen towel,Kitchen,,https://shop.example/wp-content/uploads/towel.jpg,9
        103,simple,GIFT-CARD,Gift card,1,,Gifts,,,25
        """;

    [Fact]
    public void A_woocommerce_export_becomes_one_item_per_image_named_by_sku_or_id()
    {
        var parsed = Read(WooCommerce, "Place the {Name} ({Categories}) on a linen tablecloth");

        Assert.Empty(parsed.Errors);
        Assert.Equal(["MUG-1-1", "MUG-1-2", "102-1"], parsed.Rows.Select(r => r.Request.RowId)); // the gift card has no image
        Assert.Equal("https://shop.example/wp-content/uploads/mug-side.jpg", parsed.Rows[1].Request.ImageUrls.Single());
        Assert.Equal("Place the Tea Towel (Kitchen) on a linen tablecloth", parsed.Rows[2].Request.Prompt);
    }

    [Fact]
    public void The_format_can_be_named_and_a_header_that_does_not_fit_it_says_what_is_missing()
    {
        Assert.Equal(["line 1, column handle: required column is missing from the shopify export",
            "line 1, column image src: the shopify export needs one of these columns: image src, variant image"],
            Read(WooCommerce, "{Name}", format: "shopify").Errors.Select(e => e.ToString()));
        Assert.Equal("line 1: 'magento' is not a format BatchEditor reads (shopify, woocommerce, generic, or auto)",
            Assert.Single(Read(WooCommerce, "{Name}", format: "magento").Errors).ToString());
        // The generic manifest is still what a file with id and image_url columns is.
        Assert.Equal("A", Assert.Single(Read("id,image_url,prompt\nA,https://a.example/a.jpg,grey\n", null).Rows).Request.RowId);
    }
}
