using Spectre.Console;

namespace BatchEditor.Host.Cli;

/// <summary>
/// The console for output that goes to a file or a pipe: no ANSI colour codes, and lines as long as they are (Spectre
/// would otherwise wrap them at 80 columns, splitting what a script greps for).
/// </summary>
public static class RedirectedConsole
{
    public static IAnsiConsole Create()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        console.Profile.Width = 4096;
        return console;
    }
}
