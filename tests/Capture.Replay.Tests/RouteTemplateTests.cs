using Capture.Replay.Latency;

namespace Capture.Replay.Tests;

public class RouteTemplateTests
{
    [Theory]
    [InlineData("GET", "/users/42?x=1", "GET /users/{id}")]
    [InlineData("PUT", "/users/42/orders/7", "PUT /users/{id}/orders/{id}")]
    [InlineData("GET", "/o/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "GET /o/{uuid}")]
    [InlineData("GET", "/blob/5d41402abc4b2a76b9719d911017c592", "GET /blob/{hex}")]
    [InlineData("GET", "/facade/cafe", "GET /facade/cafe")]
    [InlineData("GET", "/", "GET /")]
    public void Collapses_ids(string method, string path, string route) =>
        Assert.Equal(route, RouteTemplate.For(method, path));
}
