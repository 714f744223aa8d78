using BatchEditor.Items;
using Microsoft.EntityFrameworkCore;

namespace BatchEditor.ReadModel;

/// <summary>One item of a sample on a contact sheet: its inputs beside its current run's stored outputs.</summary>
public sealed record SampleTile(long Id, string RowId, ItemState State, string Reason, string Prompt, int Inputs, IReadOnlyList<long> Outputs);

/// <summary>A manifest's sample as a contact sheet, with whether the rest awaits approval and how many items wait.</summary>
public sealed record SampleSheet(string Manifest, int SampleSize, string? SampleBy, string Approval, long HeldRest, IReadOnlyList<SampleTile> Tiles)
{
    public bool Awaiting => Approval == "awaiting";

    /// <summary>Every item of the sample is final: what it shows is what it will be.</summary>
    public bool Done => Tiles.All(t => t.State.IsFinal());
}

/// <summary>Contact sheets: a manifest's sample (submitted sample first), or any page of its items, for the dashboard and the API.</summary>
public sealed class SampleSheets(BatchEditorDb db)
{
    /// <summary>Null for a manifest without a sample.</summary>
    public async Task<SampleSheet?> ForManifestAsync(Guid manifestId, CancellationToken ct)
    {
        var manifest = await db.Manifests.FirstOrDefaultAsync(m => m.Id == manifestId && m.Approval != null, ct);
        if (manifest is null) return null;
        var items = await db.Items.Where(i => i.ManifestId == manifestId && i.InSample).OrderBy(i => i.Line)
            .Select(i => new { i.Id, i.RowId, i.State, i.Reason, i.Prompt, Inputs = i.ImageUrls.Length, i.Run }).ToListAsync(ct);
        var held = await db.Items.LongCountAsync(i => i.ManifestId == manifestId && !i.InSample && i.State == ItemState.Held, ct);
        var tiles = await TilesAsync(items.Select(i => (i.Id, i.RowId, i.State, i.Reason, i.Prompt, i.Inputs, i.Run)).ToList(), ct);
        return new(manifest.Name, manifest.SampleSize ?? tiles.Count, manifest.SampleBy, manifest.Approval!, held, tiles);
    }

    /// <summary>Any page of a manifest's items as a contact sheet (keyset on id), optionally of one state.</summary>
    public async Task<List<SampleTile>> PageAsync(Guid manifestId, ItemState? state, long afterId, int limit, CancellationToken ct)
    {
        var query = db.Items.Where(i => i.ManifestId == manifestId && i.Id > afterId);
        if (state is { } s) query = query.Where(i => i.State == s);
        var items = await query.OrderBy(i => i.Id).Take(Math.Clamp(limit, 1, 200))
            .Select(i => new { i.Id, i.RowId, i.State, i.Reason, i.Prompt, Inputs = i.ImageUrls.Length, i.Run }).ToListAsync(ct);
        return await TilesAsync(items.Select(i => (i.Id, i.RowId, i.State, i.Reason, i.Prompt, i.Inputs, i.Run)).ToList(), ct);
    }

    private async Task<List<SampleTile>> TilesAsync(List<(long Id, string RowId, ItemState State, string Reason, string Prompt, int Inputs, int Run)> items, CancellationToken ct)
    {
        var ids = items.Select(i => i.Id).ToList();
        var outputs = await db.Outputs.Where(o => ids.Contains(o.ItemId) && o.State == OutputState.Stored)
            .Select(o => new { o.Id, o.ItemId, o.Run, o.Ordinal }).ToListAsync(ct);
        return [.. items.Select(i => new SampleTile(i.Id, i.RowId, i.State, i.Reason, i.Prompt, i.Inputs,
            [.. outputs.Where(o => o.ItemId == i.Id && o.Run == i.Run).OrderBy(o => o.Ordinal).Select(o => o.Id)]))];
    }
}
