using Capture.Traffic.Reassembly;
using Capture.Format.Records;

namespace Capture.Traffic.Tests.Reassembly;

public class ExchangeFilterTests
{
    private static readonly List<HttpExchange> Sample = Build();

    private static List<HttpExchange> Build()
    {
        var s = new RecordScript()
            .Open(1, ConnectionRole.Server, "10.0.0.1:80", "10.0.0.9:1000", pid: 10)
            .Open(2, ConnectionRole.Server, "10.0.0.1:80", "10.0.0.9:1001", pid: 20);
        s.Send(1, Direction.Ingress, "GET /api/users?id=1 HTTP/1.1\r\nHost: shop.example:8080\r\n\r\n")
         .Send(1, Direction.Egress, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        s.Send(1, Direction.Ingress, "POST /api/orders HTTP/1.1\r\nHost: shop.example\r\nContent-Length: 0\r\n\r\n")
         .Send(1, Direction.Egress, "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n");
        s.Send(2, Direction.Ingress, "GET http://other.example/health HTTP/1.1\r\n\r\n")
         .Send(2, Direction.Egress, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        return new ExchangeExtractor(RecordScript.Header, s.Records).Exchanges().ToList();
    }

    private static string[] Kept(ExchangeFilter filter) =>
        Sample.Where(filter.Matches).Select(e => ExchangeFilter.RequestPath(e)).ToArray();

    [Theory]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("[::1]:8443", true)]
    [InlineData("[::1]:9999", false)]
    [InlineData("::2", false)]
    public void A_host_given_as_an_IPv6_address_matches_with_or_without_brackets_and_port(string wanted, bool kept)
    {
        // A request read from a HAR file has a Host header (or URL authority) and no server address.
        var fromHar = new FilterSubject(null, null, "GET", "/x", 200, "[::1]:8443", null);
        Assert.Equal(kept, new ExchangeFilter { Host = wanted }.Matches(fromHar));
    }

    [Fact]
    public void Empty_filter_keeps_everything() =>
        Assert.Equal(["/api/users", "/api/orders", "/health"], Kept(new ExchangeFilter()));

    [Fact]
    public void Each_criterion_narrows_and_they_combine_with_and()
    {
        Assert.Equal(["/health"], Kept(new ExchangeFilter { Pid = 20 }));
        Assert.Equal(["/api/users", "/api/orders"], Kept(new ExchangeFilter { Host = "shop.example" }));
        Assert.Equal(["/api/users"], Kept(new ExchangeFilter { Host = "shop.example:8080" }));
        Assert.Equal(["/api/users", "/api/orders", "/health"], Kept(new ExchangeFilter { Host = "10.0.0.1" }));
        Assert.Equal(["/api/orders"], Kept(new ExchangeFilter { Method = "post" }));
        Assert.Equal(["/api/users", "/api/orders"], Kept(new ExchangeFilter { PathPrefix = "/api/" }));
        Assert.Equal(["/api/orders"], Kept(new ExchangeFilter { Status = ExchangeFilter.ParseStatus("5xx") }));
        Assert.Equal(["/api/users", "/health"], Kept(new ExchangeFilter { Status = ExchangeFilter.ParseStatus("2xx, 404") }));
        Assert.Equal(["/api/users"], Kept(new ExchangeFilter { PathPrefix = "/api", Method = "GET", Pid = 10 }));
        Assert.Empty(Kept(new ExchangeFilter { PathPrefix = "/api", Pid = 20 }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("6xx")]
    [InlineData("20")]
    [InlineData("abc")]
    [InlineData("2xx,99")]
    public void Bad_status_patterns_are_rejected_with_a_sentence(string pattern)
    {
        var error = Assert.Throws<FormatException>(() => ExchangeFilter.ParseStatus(pattern));
        Assert.Contains("status", error.Message);
        Assert.EndsWith(".", error.Message);
    }
}
