using System.Text.Json;
using BatchEditor.Items;
using Microsoft.Extensions.Options;

namespace BatchEditor.Engine;

/// <summary>A provider's answer the database would not take in time, as written to the spill folder.</summary>
/// <param name="LeaseToken">The claim it was answered under: if the item is still held by it, the answer is recorded as usual.</param>
public sealed record SpilledAnswer(long ItemId, long AttemptId, Guid LeaseToken, string Owner, string Provider, string RowId, int HttpStatus,
    LateResult Answer, DateTimeOffset SpilledAt);

/// <summary>
/// Where a job id (or a synchronous provider's outputs) goes when the database cannot take it for longer than
/// <see cref="WorkerOptions.AnswerRecordWindow"/>: one small JSON file per answer in <see cref="WorkerOptions.SpillDirectory"/>,
/// written to a temporary name, flushed to disk, then renamed. Every worker replays the folder (<see cref="SpillReplayer"/>)
/// until the database has taken each one; a file is deleted only after that.
/// </summary>
public sealed class AnswerSpill(IOptions<WorkerOptions> options)
{
    private string Folder => Path.GetFullPath(options.Value.SpillDirectory);

    public async Task<string> WriteAsync(SpilledAnswer answer, CancellationToken ct)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, $"answer-{answer.ItemId}-{answer.AttemptId}.json");
        var temp = path + $".{Guid.NewGuid():N}.partial";
        await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await JsonSerializer.SerializeAsync(file, answer, LateResult.Json, ct);
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return path;
    }

    /// <summary>Hands each spilled answer to <paramref name="record"/>; deletes the ones it took. Returns how many were taken.</summary>
    public async Task<int> ReplayAsync(Func<SpilledAnswer, CancellationToken, Task> record, CancellationToken ct)
    {
        if (!Directory.Exists(Folder)) return 0;
        var taken = 0;
        foreach (var path in Directory.EnumerateFiles(Folder, "answer-*.json").Order(StringComparer.Ordinal))
        {
            SpilledAnswer? answer;
            try
            {
                await using var file = File.OpenRead(path);
                answer = await JsonSerializer.DeserializeAsync<SpilledAnswer>(file, LateResult.Json, ct);
            }
            catch (FileNotFoundException) { continue; } // another worker sharing the folder took it
            if (answer is null) continue;
            await record(answer, ct); // throws while the database is still away: the file stays for the next round
            try { File.Delete(path); }
            catch (FileNotFoundException) { }
            taken++;
        }
        return taken;
    }
}
