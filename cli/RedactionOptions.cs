using System.CommandLine;
using Capture.Traffic.Json;
using Capture.Traffic.Redaction;

namespace Capture.Cli;

/// <summary>The redaction options that `har` and `replay --har-out` share: --redact, --redact-name, --redact-json, --redact-key.</summary>
internal sealed class RedactionOptions
{
    private const int MaxKeyBytes = 4096;

    private readonly Option<bool> _redact = new("--redact")
    {
        Description = "Replace Authorization, Proxy-Authorization, Cookie and Set-Cookie values (and cookie values) with tokens (redacted:<keyed hash>).",
    };
    private readonly Option<string[]> _names = new("--redact-name")
    {
        Description = "Also redact this header, query parameter, form field or JSON key at any depth, in requests and responses (repeatable; implies --redact).",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private readonly Option<string[]> _jsonPaths = new("--redact-json")
    {
        Description = "Also redact the values at this JSON path in request and response bodies, same syntax as replay's --ignore-json ($.a.b, $.items[*].id, $..token; repeatable; implies --redact).",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private readonly Option<string?> _keyFile = new("--redact-key")
    {
        Description = "Key file for the tokens (at least 16 bytes, e.g. head -c 32 /dev/urandom): the same secret then gives the same token in every run that uses it (default: a random key per run; implies --redact).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_redact);
        command.Options.Add(_names);
        command.Options.Add(_jsonPaths);
        command.Options.Add(_keyFile);
    }

    /// <summary>The rules the user asked for, or null when no redaction option was given.</summary>
    public RedactionRules? Build(ParseResult parsed, TextWriter warnings)
    {
        string[] names = parsed.GetValue(_names) ?? [];
        string[] paths = parsed.GetValue(_jsonPaths) ?? [];
        string? keyFile = parsed.GetValue(_keyFile);
        if (!parsed.GetValue(_redact) && names.Length == 0 && paths.Length == 0 && keyFile is null)
            return null;
        return new RedactionRules
        {
            Names = names,
            JsonPaths = paths.Select(JsonPath).ToList(),
            Key = keyFile is null ? null : ReadKey(keyFile, warnings),
        };
    }

    private static JsonPathPattern JsonPath(string text)
    {
        try { return JsonPathPattern.Parse(text); }
        catch (FormatException e) { throw new UserError($"--redact-json: {e.Message}", ExitCodes.Usage); }
    }

    private static byte[] ReadKey(string path, TextWriter warnings)
    {
        byte[] key;
        try
        {
            using var file = File.OpenRead(path);
            if (file.CanSeek && file.Length > MaxKeyBytes)
                throw new UserError($"The redaction key {path} is over {MaxKeyBytes} bytes: give a small file of random bytes (head -c 32 /dev/urandom > FILE).", ExitCodes.BadInput);
            key = new byte[MaxKeyBytes + 1];
            int length = file.ReadAtLeast(key, key.Length, throwOnEndOfStream: false);
            key = key[..length];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            string why = e is FileNotFoundException or DirectoryNotFoundException ? "it does not exist" : e.Message.TrimEnd('.');
            throw new UserError($"Cannot read the redaction key {path}: {why}.", ExitCodes.BadInput);
        }
        if (key.Length < RedactionTokens.MinimumKeyBytes || key.Length > MaxKeyBytes)
            throw new UserError($"The redaction key {path} holds {key.Length} bytes; it needs {RedactionTokens.MinimumKeyBytes} to {MaxKeyBytes} (head -c 32 /dev/urandom > FILE).", ExitCodes.BadInput);
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) != 0)
            warnings.WriteLine($"capture: the redaction key {path} is readable by other users; whoever holds it can test guesses against the tokens (chmod 600 it).");
        return key;
    }
}
