using System.Net.Sockets;
using BatchEditor.Engine;
using BatchEditor.IntegrationTests.Infrastructure;
using BatchEditor.Items;
using BatchEditor.Providers;
using Microsoft.Extensions.Options;

namespace BatchEditor.IntegrationTests;

/// <summary>
/// The last moments before a submit leaves, and its answer, against a real socket: the lease is proven again on the
/// monotonic clock just before the first byte (a pause after the send mark withdraws the request, unsent), and an answer
/// is read only up to a bound.
/// </summary>
public sealed class SubmitFenceTests : IDisposable
{
    private readonly RawHttpServer _server = new() { Answer = _ => "HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}" };

    private string Url => $"http://127.0.0.1:{_server.Port}/submit";

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task A_lease_that_lapsed_between_the_send_mark_and_the_first_byte_withdraws_the_request_unsent()
    {
        // A lease of one second, and a connection that takes longer (DNS, TCP, TLS, or a pause of the process).
        var keeper = new LeaseKeeper(null!, Options.Create(new WorkerOptions { LeaseDuration = TimeSpan.FromSeconds(1) }), null!, TimeProvider.System);
        using var lease = keeper.Track(Item(), TimeProvider.System.GetTimestamp());
        var fence = new SubmitFence(_ => Task.FromResult(true), CancellationToken.None, () => lease.StillHeld);

        var outcome = await ProviderHttp.SubmitAsync(SlowClient(TimeSpan.FromSeconds(1.5)), Post(), "test", Accept, fence, CancellationToken.None);

        var notSent = Assert.IsType<SubmitOutcome.NotSent>(outcome);
        Assert.True(notSent.Withdrawn);
        await Task.Delay(300);
        Assert.Equal(0, _server.BytesReceived); // not one byte of the request reached the server
    }

    [Fact]
    public async Task A_lease_still_held_at_the_first_byte_sends()
    {
        var keeper = new LeaseKeeper(null!, Options.Create(new WorkerOptions { LeaseDuration = TimeSpan.FromSeconds(30) }), null!, TimeProvider.System);
        using var lease = keeper.Track(Item(), TimeProvider.System.GetTimestamp());
        var fence = new SubmitFence(_ => Task.FromResult(true), CancellationToken.None, () => lease.StillHeld);

        var outcome = await ProviderHttp.SubmitAsync(SlowClient(TimeSpan.FromSeconds(1.5)), Post(), "test", Accept, fence, CancellationToken.None);

        Assert.IsType<SubmitOutcome.Accepted>(outcome);
        Assert.True(_server.BytesReceived > 0);
    }

    [Fact]
    public async Task An_answer_longer_than_the_bound_is_not_read_and_leaves_the_submit_ambiguous()
    {
        var huge = new string('x', ProviderHttp.MaxAnswerBytes + 1);
        _server.Answer = _ => $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{{\"data\":\"{huge}\"}}";

        var outcome = await ProviderHttp.SubmitAsync(new HttpClient(), Post(), "test", Accept, SubmitFence.Open, CancellationToken.None);

        var ambiguous = Assert.IsType<SubmitOutcome.Ambiguous>(outcome);
        Assert.Contains($"more than {ProviderHttp.MaxAnswerBytes} bytes", ambiguous.Reason);
        var poll = await ProviderHttp.PollAsync(new HttpClient(), new HttpRequestMessage(HttpMethod.Post, Url) { Content = new StringContent("{}") }, "test",
            (_, _) => Task.FromResult<PollOutcome>(new PollOutcome.InProgress("read", null)), CancellationToken.None);
        Assert.IsType<PollOutcome.Transient>(poll);
    }

    private static SubmitOutcome Accept(HttpResponseMessage response, string text) =>
        new SubmitOutcome.Accepted(new ProviderJob("job", "http://127.0.0.1/status", "m", null), TimeSpan.Zero, null, null, (int)response.StatusCode);

    private HttpRequestMessage Post() => new(HttpMethod.Post, Url) { Content = System.Net.Http.Json.JsonContent.Create(new { prompt = "grey backdrop" }) };

    /// <summary>A client whose connections take <paramref name="connect"/> to open: the gap between the send mark and the first byte.</summary>
    private static HttpClient SlowClient(TimeSpan connect) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, ct) =>
        {
            await Task.Delay(connect, ct);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(context.DnsEndPoint, ct);
            return new NetworkStream(socket, ownsSocket: true);
        },
    });

    private static ClaimedItem Item() => new(1, Guid.NewGuid(), "m", "A", ItemState.Submitting, "test",
        new EditRequest("A", "m", "p", ["https://img.example.com/a.jpg"], null, null, null, 1, null), null, null, 1, 0, 0, null, 1, null, Guid.NewGuid(),
        1, null, null);
}
