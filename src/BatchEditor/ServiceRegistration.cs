using BatchEditor.Engine;
using BatchEditor.Items;
using BatchEditor.Manifests;
using BatchEditor.Operations;
using BatchEditor.Persistence;
using BatchEditor.Providers;
using BatchEditor.ReadModel;
using BatchEditor.Scheduling;
using BatchEditor.Storage;
using BatchEditor.Storage.AzureBlob;
using BatchEditor.Totals;
using BatchEditor.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using BatchEditor.Jobs;
using Hangfire.Server;
using Npgsql;

namespace BatchEditor;

/// <summary>Wiring, one method per area.</summary>
public static class ServiceRegistration
{
    public const string ConnectionStringName = "BatchEditor";

    /// <summary>Database, providers, storage, import and queries: what every command needs.</summary>
    public static IServiceCollection AddBatchEditorCore(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = ConnectionString(configuration);
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "batch-editor" }.Build());
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<Telemetry.BatchEditorMetrics>();
        services.AddProviders(configuration);
        services.AddStorage(configuration);
        services.AddSingleton<Migrator>();
        services.AddSingleton<ManifestReader>();
        services.AddSingleton<ManifestImporter>();
        services.AddSingleton<ManifestSubmission>();
        services.AddSingleton<ManifestQueries>();
        services.AddSingleton<LedgerQueries>();
        services.AddSingleton<UsageReport>();
        services.AddSingleton<ResultsExport>();
        services.AddSingleton<TransitionApplier>();
        services.AddSingleton<ItemTransitions>();
        services.AddSingleton<Leases>();
        services.AddSingleton<EngineLog>();
        services.AddSingleton<ProviderBreaker>();
        services.AddOperations();
        services.TryAddSingleton<RunningTotals>();
        services.AddBudgets();
        services.AddBatchEditorJobs(configuration);
        services.AddSingleton<ManifestFinisher>();
        services.AddSingleton<ManifestUploads>();
        services.AddWebhooks(configuration);
        services.AddScheduling();
        return services;
    }

    /// <summary>Completion webhooks: options, the store, the delivery job, its retry policy and the HTTP client it posts with.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<Webhooks.WebhookOptions>().Bind(configuration.GetSection("Webhooks")).ValidateDataAnnotations();
        services.AddSingleton<Webhooks.WebhookStore>();
        services.AddTransient<Webhooks.WebhookJobs>();
        services.AddSingleton<JobFilters, Webhooks.WebhookRetry>();
        services.AddHttpClient(Webhooks.WebhookJobs.HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Downloads.OutboundGuard>().CreateHandler([]));
        return services;
    }

    /// <summary>Manifest and provider budgets: the guard inside the submission claim, and the operator's budget settings.</summary>
    public static IServiceCollection AddBudgets(this IServiceCollection services)
    {
        services.AddSingleton<Budgets.BudgetGuard>();
        services.AddSingleton<Budgets.ManifestBudgets>();
        return services;
    }

    /// <summary>Operator actions (review, retry, cancel, hold, release): shared by the CLI and the dashboard.</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        services.AddSingleton<OperatorTransitions>();
        services.AddSingleton<ReviewQueries>();
        services.AddSingleton<OperatorActions>();
        services.AddSingleton<ManifestActions>();
        services.AddSingleton<ProviderPauses>();
        return services;
    }

    /// <summary>The EF Core read model and the queries of the dashboard and the HTTP API (one DbContext per request, pooled).</summary>
    public static IServiceCollection AddReadModel(this IServiceCollection services)
    {
        services.AddDbContextPool<BatchEditorDb>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));
        services.AddOptions<SearchOptions>().BindConfiguration("Dashboard:Search").ValidateDataAnnotations();
        services.AddScoped<ItemSearch>();
        services.AddScoped<ItemDetails>();
        services.AddScoped<ManifestSummaries>();
        services.AddScoped<OverviewQueries>();
        services.AddScoped<ProviderHealthQueries>();
        services.AddScoped<WorkerQueries>();
        return services;
    }

    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection("Storage")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<FileSystemBlobStore>();
        // The account of Storage__ConnectionString or Storage__AccountUrl, for the output store and blob schedule sources alike.
        services.AddSingleton(sp => AzureBlobAccount.From(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<AzureBlobStore>();
        services.AddSingleton<IBlobStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Kind == StorageOptions.AzureBlob
            ? sp.GetRequiredService<AzureBlobStore>()
            : sp.GetRequiredService<FileSystemBlobStore>());
        services.AddSingleton<OutputCopier>();
        services.AddHttpClient(OutputCopier.HttpClientName, http => http.Timeout = TimeSpan.FromMinutes(4))
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<Downloads.OutboundGuard>().CreateHandler([]));
        return services;
    }

    /// <summary>The worker: the item dispatcher and its steps, and a Hangfire server for everything else.</summary>
    public static IServiceCollection AddBatchEditorWorker(this IServiceCollection services, IConfiguration configuration, Action<WorkerOptions>? overrides = null)
    {
        var options = services.AddOptions<WorkerOptions>().Bind(configuration.GetSection("Worker")).ValidateDataAnnotations().ValidateOnStart();
        if (overrides is not null) options.Configure(overrides);
        services.AddSingleton<ItemClaimer>();
        services.AddSingleton<LeaseKeeper>();
        services.AddSingleton<WorkSignal>();
        services.AddSingleton<WorkerExit>();
        services.AddSingleton<ManifestsWorked>();
        services.AddSingleton<SubmitStep>();
        services.AddSingleton<PollStep>();
        services.AddSingleton<Engine.Polling.JobLatencies>();
        services.AddSingleton<CopyStep>();
        services.AddSingleton<LeaseRescuer>();
        services.AddSingleton<WorkerShutdown>();
        services.AddSingleton<AnswerSpill>();
        // The host gives its services as long to stop as the worker's grace allows, and not much more (WorkerShutdown).
        services.AddOptions<HostOptions>().Configure<WorkerShutdown>((host, shutdown) => host.ShutdownTimeout = shutdown.HostTimeout);
        services.AddHostedService<Dispatcher>();
        services.AddHostedService<SpillReplayer>();
        services.AddHostedService<NewWorkListener>();
        services.AddHostedService<WorkerHeartbeat>();
        services.AddHostedService<ProgressReporter>();
        services.AddHostedService<ScheduleSync>();
        // Beside the dispatcher, a Hangfire server runs schedules, imports, finishing, webhooks and this maintenance.
        services.AddSingleton<IBackgroundProcess, LeaseRescueProcess>();
        services.AddSingleton<IBackgroundProcess, TotalsFoldProcess>();
        services.AddSingleton<IBackgroundProcess, ManifestFinishProcess>();
        services.AddSingleton<IBackgroundProcess, UploadRetentionProcess>();
        services.AddBatchEditorJobServer();
        return services;
    }

    /// <summary>Nightly schedules (Hangfire recurring jobs over the <c>schedules</c> table) and what their fires do.</summary>
    public static IServiceCollection AddScheduling(this IServiceCollection services)
    {
        services.TryAddSingleton<ScheduleStore>();
        services.TryAddSingleton<ScheduleRunner>();
        services.TryAddSingleton<ScheduleControl>();
        services.TryAddTransient<ScheduleJobs>();
        return services;
    }

    /// <summary>
    /// The configured connection string, with automatic preparation and no reset on close unless it sets them, and with
    /// <c>idle_in_transaction_session_timeout</c> set on every session
    /// (<c>Database__IdleInTransactionTimeout</c>, default 60 s): a worker paused in the middle of a transaction (SIGSTOP,
    /// a VM stall) would otherwise hold its row locks (the claim's, Hangfire's) and stall every other worker until it resumed.
    /// BatchEditor's own transactions last milliseconds.
    /// </summary>
    public static string ConnectionString(IConfiguration configuration)
    {
        var configured = configuration.GetConnectionString(ConnectionStringName)
            ?? throw new InvalidOperationException($"No connection string: set ConnectionStrings__{ConnectionStringName}.");
        var timeout = configuration.GetValue("Database:IdleInTransactionTimeout", TimeSpan.FromSeconds(60));
        var builder = new NpgsqlConnectionStringBuilder(configured);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = configured };
        bool Given(params string[] keys) => keys.Any(given.ContainsKey);
        // Speed (docs/performance.md), unless the connection string says otherwise: the engine's statements are prepared
        // once per connection, and a connection going back to the pool is not reset (BatchEditor leaves no session state
        // behind; a reset costs a round trip per use and drops the prepared statements).
        if (!Given("Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!Given("No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        if (timeout > TimeSpan.Zero && builder.Options?.Contains("idle_in_transaction_session_timeout", StringComparison.Ordinal) != true)
            builder.Options = $"{builder.Options} -c idle_in_transaction_session_timeout={(long)timeout.TotalMilliseconds}".Trim();
        return builder.ConnectionString;
    }
}
