using System.Net;
using System.Security.Cryptography.X509Certificates;

// Kestrel over HTTPS (SslStream over OpenSSL) answering GET /api with the same small JSON as the
// benchmark's nginx: usage KestrelHttpsServer PORT CERT.pem KEY.pem; prints "listening" when ready.
if (args.Length != 3 || !int.TryParse(args[0], out int port))
{
    Console.Error.WriteLine("usage: KestrelHttpsServer PORT CERT.pem KEY.pem");
    return 2;
}
var certificate = X509Certificate2.CreateFromPemFile(args[1], args[2]);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseKestrelHttpsConfiguration();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
var app = builder.Build();
const string Json = """{"id":12345,"name":"widget","price":9.99,"tags":["a","b","c"],"inStock":true}""";
app.MapGet("/api", () => Results.Text(Json, "application/json"));
await app.StartAsync();
Console.WriteLine("listening");
await app.WaitForShutdownAsync();
return 0;
