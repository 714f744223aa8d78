using BatchEditor.Downloads;
using BatchEditor.Providers.Fal;
using BatchEditor.Providers.GmiCloud;
using BatchEditor.Providers.GptImageApi;
using BatchEditor.Providers.OpenAI;
using BatchEditor.Providers.PixelDojo;
using BatchEditor.Providers.WaveSpeed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BatchEditor.Providers;

/// <summary>Where each provider is registered: its CLI name, its configuration section, its real endpoint.</summary>
public static class ProviderRegistration
{
    /// <param name="DefaultRequestTimeout">
    /// How long one call may take unless configured: a queue answers a submit at once, a synchronous provider holds it
    /// open for the whole edit (GPT Image 2 edits take 80–195 s, about 280 s at the 95th percentile at high quality).
    /// A worker's shutdown grace covers the longest of these, so a deploy never cuts a submit short.
    /// </param>
    public sealed record Entry(string Name, string Section, string DefaultBaseUrl, TimeSpan DefaultRequestTimeout,
        Func<HttpClient, ProviderSettings, DownloadOptions, IImageEditProvider> Create);

    private static readonly TimeSpan Queue = TimeSpan.FromSeconds(60), Synchronous = TimeSpan.FromSeconds(300);

    public static readonly IReadOnlyList<Entry> All =
    [
        new(PixelDojoProvider.ProviderName, "PixelDojo", "https://pixeldojo.ai/api/v1", Queue, (http, s, _) => new PixelDojoProvider(http, s)),
        new(GptImageApiProvider.ProviderName, "GptImageApi", "https://api.gptimageapi.dev/v1", Synchronous, (http, s, _) => new GptImageApiProvider(http, s)),
        new(GmiCloudProvider.ProviderName, "GmiCloud", "https://console.gmicloud.ai/api/v1/ie/requestqueue/apikey", Queue, (http, s, d) => new GmiCloudProvider(http, s, d)),
        new(WaveSpeedProvider.ProviderName, "WaveSpeed", "https://api.wavespeed.ai/api/v3", Queue, (http, s, _) => new WaveSpeedProvider(http, s)),
        new(FalProvider.ProviderName, "Fal", "https://queue.fal.run", Queue, (http, s, _) => new FalProvider(http, s)),
        new(OpenAiProvider.ProviderName, "OpenAI", "https://api.openai.com/v1", Synchronous, (http, s, d) => new OpenAiProvider(http, s, d)),
    ];

    public static IServiceCollection AddProviders(this IServiceCollection services, IConfiguration configuration)
    {
        foreach (var entry in All)
        {
            services.AddOptions<ProviderSettings>(entry.Name)
                .Configure(s => (s.BaseUrl, s.RequestTimeout, s.BatchDeadlineMargin) =
                    (entry.DefaultBaseUrl, entry.DefaultRequestTimeout, entry.Name == OpenAiProvider.ProviderName ? TimeSpan.FromHours(1) : null))
                .Bind(configuration.GetSection($"Providers:{entry.Section}"))
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.AddHttpClient(entry.Name, (sp, http) =>
                    http.Timeout = sp.GetRequiredService<IOptionsMonitor<ProviderSettings>>().Get(entry.Name).RequestTimeout)
                .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundGuard>()
                    .CreateHandler([ScopedCredentials.Authority(sp.GetRequiredService<IOptionsMonitor<ProviderSettings>>().Get(entry.Name).BaseUrl)]))
                .AddHttpMessageHandler(sp => new ScopedCredentials(sp.GetRequiredService<IOptionsMonitor<ProviderSettings>>().Get(entry.Name).BaseUrl));
        }
        services.AddOptions<DownloadOptions>().Bind(configuration.GetSection("Downloads")).ValidateOnStart();
        services.AddSingleton<OutboundGuard>();
        services.AddSingleton<ProviderRegistry>();
        services.AddSingleton<ProviderPauses>();
        services.AddSingleton<OpenAI.OpenAiBatches>();
        return services;
    }
}

/// <summary>The configured providers by name. A provider without an API key is known but not usable.</summary>
public sealed class ProviderRegistry
{
    private readonly Dictionary<string, (IImageEditProvider Provider, ProviderSettings Settings)> _providers;

    public ProviderRegistry(IHttpClientFactory httpClients, IOptionsMonitor<ProviderSettings> settings, IOptions<DownloadOptions> downloads)
    {
        _providers = ProviderRegistration.All.ToDictionary(
            e => e.Name,
            e => (e.Create(httpClients.CreateClient(e.Name), settings.Get(e.Name), downloads.Value), settings.Get(e.Name)),
            StringComparer.OrdinalIgnoreCase);
    }

    public IEnumerable<string> Names => _providers.Keys;

    public IEnumerable<(string Name, ProviderSettings Settings)> Configured =>
        _providers.Where(p => p.Value.Settings.IsConfigured).Select(p => (p.Key, p.Value.Settings));

    public bool IsKnown(string name) => _providers.ContainsKey(name);

    /// <summary>The environment variable that gives <paramref name="name"/> its key, e.g. Providers__WaveSpeed__ApiKey.</summary>
    public static string KeyVariable(string name) => SettingVariable(name, "ApiKey");

    /// <summary>The environment variable of one of a provider's settings, e.g. <c>Providers__PixelDojo__RequestsPerMinute</c>.</summary>
    public static string SettingVariable(string name, string setting) =>
        $"Providers__{ProviderRegistration.All.FirstOrDefault(e => e.Name.Equals(name, StringComparison.OrdinalIgnoreCase))?.Section ?? name}__{setting}";

    /// <summary>What a request is expected to cost at a known provider, whether or not this process has its key.</summary>
    public CostReport Estimate(string name, EditRequest request) =>
        _providers.TryGetValue(name, out var entry) ? entry.Provider.Estimate(request) : new CostReport(0, null, Estimated: true, null, $"unknown provider '{name}'");

    /// <summary>An adapter by name whether or not it has a key here (for operators: building a job reference).</summary>
    public IImageEditProvider? Find(string name) => _providers.TryGetValue(name, out var entry) ? entry.Provider : null;

    public bool TryGet(string name, out IImageEditProvider provider, out ProviderSettings settings)
    {
        var found = _providers.TryGetValue(name, out var entry) && entry.Settings.IsConfigured;
        (provider, settings) = found ? entry : (null!, null!);
        return found;
    }
}
