using BatchEditor.Host.Cli;

// Output into a file or a pipe gets plain text: no colour codes, no wrapping at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Console = RedirectedConsole.Create();

// Each command builds only the services it needs (see Cli/CommandHost.cs).
var parsed = BatchEditorCli.Build().Parse(args);
var exitCode = await parsed.InvokeAsync();
// System.CommandLine reports its own parse errors with 1; the documented code for a usage error is 2.
return parsed.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
