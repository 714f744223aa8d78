namespace BatchEditor.Host.Cli;

/// <summary>Process exit codes, documented in the README so scripts can branch on them.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;
    public const int InvalidManifest = 3;
    public const int DuplicateManifest = 4;
    public const int DatabaseUnavailable = 5;

    /// <summary>`worker --until-idle` finished, but not every item of the manifests it worked on Succeeded.</summary>
    public const int Unfinished = 6;
}
