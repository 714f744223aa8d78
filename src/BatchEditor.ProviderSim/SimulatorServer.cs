using BatchEditor.ProviderSim.Protocols;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace BatchEditor.ProviderSim;

/// <summary>
/// The provider simulator: one ASP.NET Core server speaking every provider's protocol under a path prefix
/// (<c>/pixeldojo/api/v1</c>, …). Tests start it in-process on 127.0.0.1:0; the demo runs it standalone.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>e.g. http://127.0.0.1:41234 (no trailing slash).</summary>
    public string BaseUrl { get; }

    public SimState State => _app.Services.GetRequiredService<SimState>();

    public string PixelDojoBaseUrl => $"{BaseUrl}{Paths["PixelDojo"]}";

    /// <summary>Where each provider's protocol lives on the simulator, by BatchEditor's configuration section.</summary>
    public static readonly IReadOnlyDictionary<string, string> Paths = new Dictionary<string, string>
    {
        ["PixelDojo"] = "/pixeldojo/api/v1",
        ["GptImageApi"] = "/gptimageapi/v1",
        ["GmiCloud"] = "/gmicloud/api/v1/ie/requestqueue/apikey",
        ["WaveSpeed"] = "/wavespeed/api/v3",
        ["Fal"] = "/fal",
        ["OpenAI"] = "/openai/v1",
    };

    /// <summary>The BaseUrl each provider's adapter should use against this simulator, by configuration section.</summary>
    public IReadOnlyDictionary<string, string> BaseUrls => Paths.ToDictionary(p => p.Key, p => BaseUrl + p.Value);

    /// <summary>The root page: what a user needs to point BatchEditor at this simulator.</summary>
    private static string Welcome(HttpRequest request)
    {
        var root = $"{request.Scheme}://{request.Host}";
        var settings = string.Join("\n", Paths.Select(p => $"  export Providers__{p.Key}__BaseUrl={root}{p.Value} Providers__{p.Key}__ApiKey=any-key"));
        return $"""
            BatchEditor provider simulator: every provider's protocol, with placeholder images instead of edits.

            Point BatchEditor at it (any API key is accepted):
            {settings}
              export Downloads__AllowPrivateNetworks=true   # its outputs are served from this machine

            Stand-in input photos: {root}/inputs/<name>.png; counters: {root}/_sim/stats
            A provider down (every submit answers 503): POST {root}/_sim/outage/<provider>, DELETE to end it
            """;
    }

    public static WebApplication Create(string[] args, SimulatorOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var simOptions = options ?? builder.Configuration.GetSection("Sim").Get<SimulatorOptions>() ?? new SimulatorOptions();
        builder.Services.AddSingleton(simOptions);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SimState>();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        PixelDojoProtocol.Map(app);
        GptImageApiProtocol.Map(app);
        GmiCloudProtocol.Map(app);
        WaveSpeedProtocol.Map(app);
        FalProtocol.Map(app);
        OpenAiProtocol.Map(app);
        OpenAiBatchProtocol.Map(app);
        FileEndpoints.Map(app);
        app.MapGet("/_sim/stats", (SimState sim) => Results.Json(sim.Stats()));
        app.MapPost("/_sim/inputs/{name}/edit", (string name, SimState sim) => { sim.InputEdits.AddOrUpdate(name, 1, (_, n) => n + 1); return Results.NoContent(); });
        app.MapPost("/_sim/outage/{provider}", (string provider, SimState sim) => { sim.Outages[provider] = true; return Results.NoContent(); });
        app.MapDelete("/_sim/outage/{provider}", (string provider, SimState sim) => { sim.Outages.TryRemove(provider, out _); return Results.NoContent(); });
        app.MapGet("/", (HttpRequest request) => Welcome(request));
        return app;
    }

    public static async Task<SimulatorServer> StartAsync(SimulatorOptions? options = null, int port = 0)
    {
        var app = Create([], options);
        app.Urls.Add($"http://127.0.0.1:{port}");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SimulatorServer(app, address.TrimEnd('/'));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
