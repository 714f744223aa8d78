using System.Net.Http.Headers;
using BatchEditor.Storage.AzureBlob;

namespace BatchEditor.Tests;

/// <summary>Shared Key signing and connection-string parsing, checked against the examples in Microsoft's documentation.</summary>
public class AzureBlobAuthTests
{
    private const string DevKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    [Fact]
    public void The_string_to_sign_matches_the_documented_get_container_metadata_example()
    {
        // "Authorize with Shared Key", Blob service example (x-ms-version 2015-02-21).
        using var request = new HttpRequestMessage(HttpMethod.Get, "https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=metadata&timeout=20");
        request.Headers.Add("x-ms-date", "Fri, 26 Jun 2015 23:39:12 GMT");
        request.Headers.Add("x-ms-version", "2015-02-21");
        const string documented = "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-version:2015-02-21\n/myaccount/mycontainer\ncomp:metadata\nrestype:container\ntimeout:20";
        Assert.Equal(documented, SharedKey.StringToSign(request, "myaccount"));
        // HMAC-SHA256 under the well-known emulator key, computed independently (Python's hmac module).
        Assert.Equal("1u9lui2jDxj0+fpbHjQ5m5NnastJRSYM+PSmfi8TXx4=", SharedKey.Sign(documented, Convert.FromBase64String(DevKey)));
    }

    [Theory]
    // Documented canonicalized-resource examples: parameters sorted by name, lower-cased, values URL-decoded.
    [InlineData("https://myaccount.blob.core.windows.net/mycontainer?restype=container&comp=list&include=metadata", "/myaccount/mycontainer\ncomp:list\ninclude:metadata\nrestype:container")]
    [InlineData("https://myaccount.blob.core.windows.net/mycontainer/myblob", "/myaccount/mycontainer/myblob")]
    [InlineData("http://127.0.0.1:10000/devstoreaccount1/c/a%20b.png?comp=block&blockid=AAAAAA%3D%3D", "/devstoreaccount1/devstoreaccount1/c/a%20b.png\nblockid:AAAAAA==\ncomp:block")]
    public void The_canonicalized_resource_follows_the_documented_rules(string url, string expected) =>
        Assert.Equal(expected, SharedKey.CanonicalizedResource(new Uri(url), url.Contains("127.0.0.1", StringComparison.Ordinal) ? "devstoreaccount1" : "myaccount"));

    [Fact]
    public void A_put_signs_its_length_md5_type_and_condition_but_an_empty_length_as_blank()
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "https://acct.blob.core.windows.net/c/b.png") { Content = new ByteArrayContent([1, 2, 3]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        request.Content.Headers.ContentMD5 = [9, 9];
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        request.Headers.Add("x-ms-version", "2021-12-02");
        request.Headers.Add("X-MS-Meta-Item", "  SKU-1 ");
        Assert.Equal("PUT\n\n\n3\nCQk=\nimage/png\n\n\n\n*\n\n\nx-ms-meta-item:SKU-1\nx-ms-version:2021-12-02\n/acct/c/b.png", SharedKey.StringToSign(request, "acct"));

        using var empty = new HttpRequestMessage(HttpMethod.Put, "https://acct.blob.core.windows.net/c?restype=container") { Content = new ByteArrayContent([]) };
        Assert.StartsWith("PUT\n\n\n\n", SharedKey.StringToSign(empty, "acct"), StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_strings_are_read_as_users_paste_them_for_the_sdk()
    {
        var azure = BlobAccount.Parse($"DefaultEndpointsProtocol=https;AccountName=shop;AccountKey={DevKey};EndpointSuffix=core.windows.net");
        Assert.Equal(("shop", "https://shop.blob.core.windows.net/", false), (azure.Name, azure.Endpoint.AbsoluteUri, azure.PathStyle));

        var dev = BlobAccount.Parse("usedevelopmentstorage=true;");
        Assert.Equal(("devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", true), (dev.Name, dev.Endpoint.AbsoluteUri, dev.PathStyle));
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1/out/a%20b/1.png", dev.BlobUri("out", "a b/1.png").AbsoluteUri);

        var sas = BlobAccount.Parse(" BlobEndpoint=https://shop.blob.core.windows.net/ ; SharedAccessSignature=?sv=2021-12-02&sp=rcw&sig=abc%3D ");
        Assert.Null(sas.Key);
        Assert.Equal("shop", sas.Name);
        Assert.Equal("https://shop.blob.core.windows.net/c/x.png?comp=block&sv=2021-12-02&sp=rcw&sig=abc%3D", sas.BlobUri("c", "x.png", "comp=block").AbsoluteUri);
    }

    [Theory]
    [InlineData("AccountName=shop", "neither AccountKey nor SharedAccessSignature")]
    [InlineData("AccountName=shop;AccountKey=not*base64", "AccountKey is not valid base64")]
    [InlineData("BlobEndpoint=ftp://x;SharedAccessSignature=sv=1", "is not an http(s) URL")]
    [InlineData("AccountName=shop;garbage", "one has no '='")]
    public void Bad_connection_strings_say_what_is_wrong_without_echoing_secrets(string connectionString, string message)
    {
        var error = Assert.Throws<FormatException>(() => BlobAccount.Parse(connectionString));
        Assert.Contains(message, error.Message);
        Assert.DoesNotContain("not*base64", error.Message);
        Assert.DoesNotContain("garbage", error.Message);
    }
}
