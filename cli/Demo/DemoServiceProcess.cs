using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Capture.Cli.Demo;

/// <summary>
/// The demo service running as a child process of this tool (the recorder never traces its own
/// process, so the service must be another one). Killed on dispose.
/// </summary>
public sealed class DemoServiceProcess : IDisposable
{
    private readonly Process _process;

    public Uri Address { get; }

    private DemoServiceProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public static async Task<DemoServiceProcess> StartAsync(bool changed, CancellationToken cancellation)
    {
        int port = FreePort();
        var start = SelfInvocation();
        start.ArgumentList.Add("demo-service");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (changed)
            start.ArgumentList.Add("--changed");
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        var process = Process.Start(start) ?? throw new UserError("Could not start the demo service.", ExitCodes.Environment);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new DemoServiceProcess(process, new Uri($"http://127.0.0.1:{port}"));
        try
        {
            await service.WaitUntilUpAsync(cancellation);
            return service;
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    private async Task WaitUntilUpAsync(CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new UserError($"The demo service exited at start (code {_process.ExitCode}).", ExitCodes.Environment);
            try
            {
                // A plain TCP connect: an HTTP probe would open a keep-alive connection the recording would then see.
                using var socket = new TcpClient();
                await socket.ConnectAsync(IPAddress.Loopback, Address.Port, cancellation);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellation);
            }
        }
        throw new UserError("The demo service did not start listening within 30 seconds.", ExitCodes.Environment);
    }

    /// <summary>This tool again, whether it runs as `dotnet capture.dll` or as an apphost.</summary>
    private static ProcessStartInfo SelfInvocation()
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(typeof(DemoServiceProcess).Assembly.Location);
        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _process.Dispose();
    }
}
