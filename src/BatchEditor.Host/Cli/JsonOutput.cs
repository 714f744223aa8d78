using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BatchEditor.Host.Cli;

/// <summary><c>--json</c> on read commands: the same facts as the table, as indented JSON on standard output, for scripts.</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <param name="insteadOf">What the command prints without it.</param>
    public static Option<bool> Option(string insteadOf = "a table") => new("--json") { Description = $"Print JSON instead of {insteadOf} (for scripts)." };

    public static void Write(object value) => Console.WriteLine(JsonSerializer.Serialize(value, Options));
}
