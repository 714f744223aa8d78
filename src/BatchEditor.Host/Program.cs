using BatchEditor.Host.Cli;

// Each command builds only the services it needs (see Cli/CommandHost.cs).
return await BatchEditorCli.Build().Parse(args).InvokeAsync();
