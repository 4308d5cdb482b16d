namespace Capture.Tests.Shared;

/// <summary>
/// The one rule for tests that drive an outside program (tshark, go, …): it is looked up on PATH;
/// when missing the test skips with the reason, except under CAPTURE_REQUIRE_TOOLS=1 (CI), where
/// the same reason fails it, so a machine without the tool cannot turn green by skipping.
/// </summary>
internal static class ToolRequirement
{
    public const string RequireVariable = "CAPTURE_REQUIRE_TOOLS";

    /// <summary>The full path of <paramref name="tool"/>, or the test skips (fails in CI) saying how to install it.</summary>
    public static string Find(string tool, string installHint, params string[] extraDirectories)
    {
        string? path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(extraDirectories).Select(d => Path.Combine(d, tool)).FirstOrDefault(File.Exists);
        Ensure(path is not null, tool, installHint);
        return path!;
    }

    /// <summary>The test goes on when <paramref name="available"/>; else it skips (fails in CI) saying how to install <paramref name="tool"/>.</summary>
    public static void Ensure(bool available, string tool, string installHint)
    {
        if (available)
            return;
        string reason = $"{tool} is not installed ({installHint}).";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
            Assert.Fail($"{reason} {RequireVariable}=1 makes this a failure.");
        Assert.Skip(reason);
    }
}
