using System.Diagnostics;
using System.Text;

namespace BatchEditor.IntegrationTests.Infrastructure;

/// <summary>
/// A real <c>batch-editor worker</c> process running in the background, for tests that kill, pause, resume or stop it
/// with signals as an orchestrator or an operating system would.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private WorkerProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static WorkerProcess Start(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartCommand(environment, ["worker", .. args]);

    /// <summary>A worker run under another program (<see cref="Cli.StartUnder"/>).</summary>
    public static WorkerProcess StartUnder(string[] wrapper, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        new(Cli.StartUnder(wrapper, environment, ["worker", .. args]));

    /// <summary>Any long-running command (<c>web</c>, <c>worker --dashboard</c>).</summary>
    public static WorkerProcess StartCommand(IReadOnlyDictionary<string, string> environment, params string[] args) => new(Cli.Start(environment, args));

    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public void Kill() => _process.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up

    public Task PauseAsync() => SignalAsync("STOP");
    public Task ResumeAsync() => SignalAsync("CONT");
    public Task TerminateAsync() => SignalAsync("TERM");

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"worker {Pid} did not exit within {timeout}:\n{Output}"); }
        return _process.ExitCode;
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", Pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await ResumeAsync(); // a paused process cannot be waited for
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
