using System.CommandLine;
using BatchEditor.Host.Cli;

// Output into a file or a pipe gets plain text: no colour codes, no wrapping at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Console = RedirectedConsole.Create();

// Each command builds the base services and the areas it uses (see Cli/CommandHost.cs). System.CommandLine's own SIGTERM handling is
// off: it would end the process 2 s after SIGTERM, in the middle of a worker's graceful stop (HostRunner owns SIGTERM).
var parsed = BatchEditorCli.Build().Parse(args);
// A mistyped option gets its one-line error and where help is, not the whole help page above it.
var shortErrors = parsed.Action is System.CommandLine.Invocation.ParseErrorAction && args.Length > 0;
if (parsed.Action is System.CommandLine.Invocation.ParseErrorAction onError && shortErrors) onError.ShowHelp = false;
var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
if (shortErrors) Console.Error.WriteLine($"See `{CommandPath(parsed.CommandResult)} --help`.");
// System.CommandLine reports its own parse errors with 1; the documented code for a usage error is 2.
return parsed.Errors.Count > 0 ? ExitCodes.Usage : exitCode;

static string CommandPath(System.CommandLine.Parsing.CommandResult command) =>
    command.Parent is System.CommandLine.Parsing.CommandResult parent ? $"{CommandPath(parent)} {command.Command.Name}" : "batch-editor";
