using System.Security.Cryptography;
using BatchEditor.IntegrationTests.Infrastructure;

namespace BatchEditor.IntegrationTests;

/// <summary>An output name that already exists is taken only when it provably belongs to the same item and run.</summary>
public class StaleOutputTests
{
    [Fact]
    public async Task After_a_database_reset_the_same_manifest_name_never_picks_up_the_old_images()
    {
        await using var before = await TestBed.StartAsync();
        await before.ImportAsync(Csv.Manifest(3, i => "autumn"), name: "spring");
        await before.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        // A new database (a reset, or a second installation) writing into the same storage, same manifest name and ids.
        await using var after = await TestBed.StartAsync();
        after.Settings["Storage:Root"] = before.StorageRoot;
        await after.ImportAsync(Csv.Manifest(3, i => "winter"), name: "spring");
        await after.RunWorkerUntilIdleAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(6, Directory.GetFiles(before.StorageRoot, "*.png", SearchOption.AllDirectories).Length);
        foreach (var bed in new[] { before, after })
        {
            await using var cmd = bed.Db.CreateCommand("select location, md5 from outputs where state = 'Stored'");
            await using var r = await cmd.ExecuteReaderAsync();
            var count = 0;
            while (await r.ReadAsync())
            {
                count++;
                Assert.Equal(r.GetString(1), Convert.ToBase64String(MD5.HashData(await File.ReadAllBytesAsync(r.GetString(0)))));
            }
            Assert.Equal(3, count);
        }
        var locations = await before.ScalarAsync<string[]>("select array_agg(location) from outputs");
        Assert.Empty(locations.Intersect(await after.ScalarAsync<string[]>("select array_agg(location) from outputs")));
    }
}
