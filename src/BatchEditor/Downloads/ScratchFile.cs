namespace BatchEditor.Downloads;

/// <summary>
/// A temporary file for a download or an image pass to spill into instead of memory. Its name is removed as soon as it
/// is open (the open handle keeps the data), so a process killed mid-step leaves nothing behind in the temp folder;
/// where a platform cannot remove an open file, it goes when the stream closes.
/// </summary>
public static class ScratchFile
{
    public static FileStream Create(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 81920,
            FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not removable while open here: DeleteOnClose removes it.
        }
        return stream;
    }
}
