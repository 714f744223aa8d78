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
    [InlineData("64:ff9b::a9fe:a9fe", "the cloud metadata address")] // NAT64 of 169.254.169.254
    [InlineData("64:ff9b::7f00:1", "a loopback address")]
    [InlineData("64:ff9b::a00:1", "a private address")]
    [InlineData("64:ff9b:1::a00:1", "a local NAT64 address")]
    [InlineData("2002:a9fe:a9fe::1", "the cloud metadata address")] // 6to4
    [InlineData("2001:0:4136:e378::1", "a Teredo tunnel address")]
    [InlineData("::a00:1", "a private address")] // IPv4-compatible
    public void Addresses_the_worker_must_not_reach_are_refused_with_the_reason(string address, string reason) =>
        Assert.Equal(reason, OutboundGuard.Refuses(IPAddress.Parse(address)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")] // NAT64 of a public address
    [InlineData("2001:db8::1")]
    public void Public_addresses_are_allowed(string address) => Assert.Null(OutboundGuard.Refuses(IPAddress.Parse(address)));
}
