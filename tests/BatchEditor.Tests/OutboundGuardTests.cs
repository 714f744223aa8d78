using System.Net;
using BatchEditor.Downloads;

namespace BatchEditor.Tests;

public class OutboundGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", "a loopback address")]
    [InlineData("127.8.9.10", "a loopback address")]
    [InlineData("::1", "a loopback address")]
    [InlineData("10.1.2.3", "a private address")]
    [InlineData("172.16.0.1", "a private address")]
    [InlineData("172.31.255.255", "a private address")]
    [InlineData("192.168.1.1", "a private address")]
    [InlineData("169.254.169.254", "the cloud metadata address")]
    [InlineData("169.254.1.1", "a link-local address")]
    [InlineData("fd00:ec2::254", "the cloud metadata address")]
    [InlineData("100.64.0.1", "a carrier-grade NAT address")]
    [InlineData("0.0.0.0", "an unspecified address")]
    [InlineData("::", "an unspecified address")]
    [InlineData("224.0.0.1", "a multicast address")]
    [InlineData("ff02::1", "a multicast address")]
    [InlineData("255.255.255.255", "the broadcast address")]
    [InlineData("fe80::1", "a link-local address")]
    [InlineData("fc00::1", "a private address")]
    [InlineData("::ffff:10.0.0.1", "a private address")]
    [InlineData("::ffff:127.0.0.1", "a loopback address")]
    [InlineData("::ffff:169.254.169.254", "the cloud metadata address")]
    public void Addresses_the_worker_must_not_reach_are_refused_with_the_reason(string address, string reason) =>
        Assert.Equal(reason, OutboundGuard.Refuses(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Public_addresses_are_allowed(string address) => Assert.Null(OutboundGuard.Refuses(IPAddress.Parse(address)));
}
