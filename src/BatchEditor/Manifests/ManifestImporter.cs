using System.Text.Json;
using System.Text.RegularExpressions;
using BatchEditor.Items;
using Npgsql;
using NpgsqlTypes;

namespace BatchEditor.Manifests;

/// <summary>
/// Writes a validated manifest and its items in one transaction (binary COPY for the items): a manifest is
/// imported whole or not at all. Refuses a file whose exact content was imported before, unless forced.
/// </summary>
public sealed partial class ManifestImporter(NpgsqlDataSource dataSource, Incremental.EditKeys editKeys, UnchangedItems unchanged,
    Microsoft.Extensions.Options.IOptionsMonitor<Providers.ProviderSettings> providerSettings, TimeProvider clock)
{
    /// <param name="Unchanged">Items of an incremental import that ask for an edit already done: Succeeded with its outputs, nothing sent.</param>
    public sealed record Imported(Guid Id, string Name, int Items, int Unchanged = 0)
    {
        /// <summary>Rows of an incremental import that could not be compared (an input not fetched): they are sent.</summary>
        public NotCompared? NotCompared { get; init; }

        /// <summary>"; 3 unchanged since an earlier run (…); 1 could not be compared (line 4: …) and will be sent", or empty.</summary>
        public string IncrementalNote =>
            (Unchanged > 0 ? $"; {Unchanged} unchanged since an earlier run (their outputs reused, nothing sent)" : "")
            + (NotCompared is { } n ? $"; {n.Rows} could not be compared (line {n.FirstLine}: {n.FirstReason}) and will be sent" : "");
    }

    /// <summary>How many rows could not be compared, and the first with its reason.</summary>
    public sealed record NotCompared(int Rows, int FirstLine, string FirstReason);

    public sealed class DuplicateManifestException(string existing) : Exception(MessageFor(existing))
    {
        public static string MessageFor(string existing) => $"this exact file was already imported as manifest '{existing}'; use --force to import it again";

        public string Existing { get; } = existing;
    }

    /// <summary>An explicit name another manifest already has (names are how people find manifests; ids never repeat).</summary>
    public sealed class NameTakenException(string name, DateTimeOffset importedAt)
        : Exception($"a manifest named '{name}' already exists (imported {importedAt:yyyy-MM-dd HH:mm} UTC); choose another --name, or leave it out to name the manifest after the file");

    /// <summary>Imports rows already read and checked (all of them, or the exception says why not).</summary>
    public async Task<Imported> ImportAsync(IReadOnlyList<ManifestRow> rows, string? requestedName, string sourceFile,
        string contentHash, string defaultProvider, bool force, CancellationToken ct, ManifestSettings? settings = null) =>
        await ImportAsync(rows, new ReadReport(), skipInvalid: false, requestedName, sourceFile, contentHash, defaultProvider, force, ct, settings)
        ?? throw new InvalidOperationException("no rows to import");

    /// <summary>
    /// Imports rows as they stream from the reader, copying each into the transaction as it comes. When the reader reports
    /// a problem (and <paramref name="skipInvalid"/> is off) the copy is abandoned and the reading goes on only to collect
    /// the problems; the transaction is rolled back and null returned, so a manifest is imported whole or not at all.
    /// </summary>
    /// <param name="uploadId">The API upload this imports (<see cref="ManifestUploads"/>), recorded on the manifest.</param>
    public async Task<Imported?> ImportAsync(IEnumerable<ManifestRow> rows, ReadReport report, bool skipInvalid, string? requestedName, string sourceFile,
        string contentHash, string defaultProvider, bool force, CancellationToken ct, ManifestSettings? settings = null, Guid? uploadId = null)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (!force && await ExistingByHash(conn, tx, contentHash, ct) is { } existing)
            throw new DuplicateManifestException(existing);

        var name = await ChooseName(conn, tx, requestedName, sourceFile, ct);
        var id = Guid.CreateVersion7();
        await using (var insert = new NpgsqlCommand(
            """
            insert into manifests (id, name, content_hash, source_file, default_provider, item_count, priority, budget_credits, budget_usd,
                                   not_before, window_start, window_end, window_time_zone, upload_id, check_preset)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            """, conn, tx))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(name);
            insert.Parameters.AddWithValue(contentHash);
            insert.Parameters.AddWithValue(Path.GetFileName(sourceFile));
            insert.Parameters.AddWithValue(defaultProvider);
            insert.Parameters.AddWithValue(0); // counted as the rows stream in
            settings ??= ManifestSettings.Default;
            insert.Parameters.AddWithValue(settings.Priority);
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)settings.BudgetCredits ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)settings.BudgetUsd ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Numeric });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)settings.NotBefore ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)settings.Window?.Start ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Time });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)settings.Window?.End ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Time });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)settings.Window?.TimeZone ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)uploadId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            insert.Parameters.Add(new NpgsqlParameter { Value = (object?)settings.CheckPreset?.ToLowerInvariant() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await insert.ExecuteNonQueryAsync(ct);
        }
        var keys = settings.OnlyChanged ? new EditKeyer(editKeys.Begin(), settings.CheckPreset) : null;
        var deadline = settings.Deadline is { } within ? new Deadline(clock.GetUtcNow(), clock.GetUtcNow() + within, providerSettings) : null;
        var count = await CopyItemsAsync(conn, id, rows, report, skipInvalid, WaitingReason(settings), keys, deadline, ct);
        if (count == 0 || (report.Count > 0 && !skipInvalid))
        {
            await tx.RollbackAsync(CancellationToken.None);
            return null;
        }
        // Rows asking for an edit already done are done before a sample is chosen: the sample comes from what will run.
        var (skipped, skipsCommitted) = keys is null ? (0, () => { }) : await unchanged.SkipAsync(conn, tx, id, "import", ct);
        await using (var counted = new NpgsqlCommand("update manifests set item_count = $2, unchanged_items = $3, deadline_at = $4 where id = $1", conn, tx))
        {
            counted.Parameters.AddWithValue(id);
            counted.Parameters.AddWithValue(count);
            counted.Parameters.AddWithValue(skipped);
            counted.Parameters.Add(new NpgsqlParameter { Value = (object?)deadline?.At ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await counted.ExecuteNonQueryAsync(ct);
        }
        if (settings.Sample is { } sample && sample.SizeOf(count) < count) await HoldForSampleAsync(conn, tx, id, name, sample, count, ct);
        if (settings?.WebhookUrl is { } webhook) await Webhooks.WebhookStore.RegisterAsync(conn, tx, id, webhook, ct);
        await Items.NewWork.NotifyAsync(conn, tx, ct); // idle workers claim the new items at once
        await tx.CommitAsync(ct);
        skipsCommitted();
        return new Imported(id, name, count, skipped) { NotCompared = keys?.NotCompared };
    }

    private const string MarkSampled = "update manifests set sample_size = @size, sample_by = @by, approval = 'awaiting' where id = @id";

    /// <summary>The sample runs; the rest waits, Held, for a person's approval (<see cref="ManifestApprovals"/>).</summary>
    private static async Task HoldForSampleAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string name, SampleFirst sample, int count, CancellationToken ct)
    {
        var size = sample.SizeOf(count);
        await Samples.HoldAllButSampleAsync(conn, tx, id, size, sample.By,
            $"{Samples.AwaitingApproval} ({size} of {count} run first): approve with `batch-editor approve {name}`, or reject it with a new prompt", ct);
        await using var mark = new NpgsqlCommand(MarkSampled, conn, tx);
        mark.Parameters.Add(new NpgsqlParameter<Guid>("id", id));
        mark.Parameters.Add(new NpgsqlParameter<int>("size", size));
        mark.Parameters.Add(new NpgsqlParameter("by", NpgsqlDbType.Text) { Value = (object?)sample.By ?? DBNull.Value });
        await mark.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Why a new item waits, when its manifest has a start time or a submit window (its reason until it is claimed).</summary>
    private static string WaitingReason(ManifestSettings settings) =>
        string.Join("; ", new[]
        {
            "imported",
            settings.NotBefore is { } at ? $"submitted from {at.ToUniversalTime():yyyy-MM-dd HH:mm} UTC" : null,
            settings.Window is { } window ? $"submitted only between {window}" : null,
        }.OfType<string>());

    /// <returns>How many rows were copied (the copy is abandoned at the first problem unless <paramref name="skipInvalid"/>).</returns>
    /// <param name="keys">An incremental import: each row's edit key, computed a batch of rows at a time (their inputs fetched in parallel).</param>
    private static async Task<int> CopyItemsAsync(NpgsqlConnection conn, Guid manifestId, IEnumerable<ManifestRow> rows, ReadReport report,
        bool skipInvalid, string reason, EditKeyer? keys, Deadline? deadline, CancellationToken ct)
    {
        bool Abandoned() => report.Count > 0 && !skipInvalid;
        var count = 0;
        using var each = rows.GetEnumerator();
        await using (var import = await ItemImport.BeginAsync(conn, ct))
        {
            var batch = new List<ManifestRow>(EditKeyer.Batch);
            async Task WriteBatchAsync()
            {
                var keyed = keys is null ? new string?[batch.Count] : await keys.KeysAsync(batch, ct);
                for (var i = 0; i < batch.Count; i++)
                {
                    var row = batch[i];
                    await import.WriteAsync(manifestId, row.Line, row.Provider, row.Request, JsonSerializer.Serialize(row.Extra), reason, row.Route, keyed[i],
                        deadline?.For(row.Provider), ct);
                }
                count += batch.Count;
                batch.Clear();
            }
            while (each.MoveNext() && !Abandoned())
            {
                batch.Add(each.Current);
                if (batch.Count == (keys is null ? 1 : EditKeyer.Batch)) await WriteBatchAsync();
            }
            if (!Abandoned()) await WriteBatchAsync();
            if (!Abandoned())
            {
                await import.CompleteAsync(ct);
                return count;
            }
        } // disposed without Complete: the server discards the copy
        while (each.MoveNext()) { } // read on, to count every problem in the file
        return 0;
    }

    private static async Task<string?> ExistingByHash(NpgsqlConnection conn, NpgsqlTransaction tx, string hash, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select name from manifests where content_hash = $1 order by created_at limit 1", conn, tx);
        cmd.Parameters.AddWithValue(hash);
        return (string?)await cmd.ExecuteScalarAsync(ct);
    }

    [GeneratedRegex("[^A-Za-z0-9._-]+")]
    private static partial Regex UnsafeNameChars();

    /// <summary>An explicit --name must be free; a name taken from the file gets -2, -3… when it is not.</summary>
    private static async Task<string> ChooseName(NpgsqlConnection conn, NpgsqlTransaction tx, string? requested, string sourceFile, CancellationToken ct)
    {
        if (requested is not null)
        {
            if (await ImportedAt(conn, tx, requested, ct) is { } at) throw new NameTakenException(requested, at);
            return requested;
        }
        var stem = UnsafeNameChars().Replace(Path.GetFileNameWithoutExtension(sourceFile), "-").Trim('-', '.');
        if (stem.Length == 0) stem = "manifest";
        for (var i = 1; ; i++)
        {
            var candidate = i == 1 ? stem : $"{stem}-{i}";
            if (await ImportedAt(conn, tx, candidate, ct) is null) return candidate;
        }
    }

    /// <summary>When the manifest of this name was imported; null when there is none.</summary>
    private static async Task<DateTimeOffset?> ImportedAt(NpgsqlConnection conn, NpgsqlTransaction tx, string name, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("select created_at from manifests where name = $1", conn, tx);
        cmd.Parameters.AddWithValue(name);
        return await cmd.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    public static bool IsValidName(string name) => name.Length is > 0 and <= 100 && !UnsafeNameChars().IsMatch(name) && name is not ("." or "..");

    /// <summary>
    /// When every item must be done, and for a provider with a batch API, until when its items wait for a batch: the
    /// deadline less the provider's margin (none when that has passed already: they are sent at once).
    /// </summary>
    private sealed class Deadline(DateTimeOffset importedAt, DateTimeOffset at, Microsoft.Extensions.Options.IOptionsMonitor<Providers.ProviderSettings> settings)
    {
        public DateTimeOffset At => at;

        public (DateTimeOffset At, DateTimeOffset? BatchUntil) For(string provider) =>
            (at, settings.Get(provider).BatchDeadlineMargin is { } margin && at - margin > importedAt ? at - margin : null);
    }

    /// <summary>An incremental import's edit keys, a batch of rows at a time; remembers the rows that could not be compared.</summary>
    private sealed class EditKeyer(Incremental.EditKeys.Session session, string? checkPreset)
    {
        public const int Batch = 64;

        public NotCompared? NotCompared { get; private set; }

        public async Task<string?[]> KeysAsync(IReadOnlyList<ManifestRow> rows, CancellationToken ct)
        {
            var keyed = await Task.WhenAll(rows.Select(r => session.KeyAsync(r.Request, checkPreset, ct)));
            for (var i = 0; i < rows.Count; i++)
                if (keyed[i].Problem is { } problem)
                    NotCompared = NotCompared is { } seen ? seen with { Rows = seen.Rows + 1 } : new NotCompared(1, rows[i].Line, problem);
            return [.. keyed.Select(k => k.Key)];
        }
    }
}
