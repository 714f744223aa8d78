using System.Collections.Concurrent;
using Npgsql;

namespace BatchEditor.Manifests;

/// <summary>The sales channel a manifest's outputs are checked against (<c>manifests.check_preset</c>), read once per manifest: it never changes.</summary>
public sealed class ManifestCheckPresets(NpgsqlDataSource dataSource)
{
    private const string Read = "select check_preset from manifests where id = @id";

    private readonly ConcurrentDictionary<Guid, string?> _known = new();

    public async Task<string?> ForAsync(Guid manifestId, CancellationToken ct)
    {
        if (_known.TryGetValue(manifestId, out var preset)) return preset;
        await using var cmd = dataSource.CreateCommand(Read);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("id", manifestId));
        preset = await cmd.ExecuteScalarAsync(ct) as string;
        _known[manifestId] = preset;
        return preset;
    }
}
