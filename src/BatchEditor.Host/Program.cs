using System.CommandLine;
using BatchEditor.Host.Cli;

// Output into a file or a pipe gets plain text: no colour codes, no wrapping at 80 columns.
if (Console.IsOutputRedirected) Spectre.Console.AnsiConsole.Console = RedirectedConsole.Create();

// Each command builds only the services it needs (see Cli/CommandHost.cs). System.CommandLine's own SIGTERM handling is
// off: it would end the process 2 s after SIGTERM, in the middle of a worker's graceful stop (HostRunner owns SIGTERM).
var parsed = BatchEditorCli.Build().Parse(args);
var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
// System.CommandLine reports its own parse errors with 1; the documented code for a usage error is 2.
return parsed.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
