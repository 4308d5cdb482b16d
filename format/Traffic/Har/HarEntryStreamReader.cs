using Capture.Format;
using System.Text.Json;

namespace Capture.Traffic.Har;

/// <summary>
/// Reads the entries of a HAR file one at a time, so a HAR of any size is read with memory for one
/// entry (plus a read buffer). Entries are mapped exactly as <see cref="HarReader"/> maps them; the
/// rest of the log (creator, pages) is skipped. Errors are one-sentence <see cref="CaptureFormatException"/>s.
/// </summary>
internal static class HarEntryStreamReader
{
    private enum Phase { Root, RootProperty, RootValue, LogProperty, LogValue, Entries, Done }

    private sealed class ScanState
    {
        public JsonReaderState Reader = new(new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 256 });
        public Phase Phase = Phase.Root;
        public bool ValueIsWanted;
        public bool SawEntries;
        public bool UnreadableDatesAreMissing;
    }

    public static IEnumerable<HarEntry> ReadEntries(string path)
    {
        using var stream = File.OpenRead(path);
        foreach (var entry in ReadEntries(stream, Path.GetFileName(path)))
            yield return entry;
    }

    /// <param name="unreadableDatesAreMissing">Read a startedDateTime that is not a date as missing instead of refusing the file (a replay can still place the entry).</param>
    public static IEnumerable<HarEntry> ReadEntries(Stream stream, string displayName = "the input", bool unreadableDatesAreMissing = false)
    {
        byte[] buffer = new byte[64 * 1024];
        int length = 0;
        bool final = false;
        var state = new ScanState { UnreadableDatesAreMissing = unreadableDatesAreMissing };
        var found = new List<HarEntry>();
        while (true)
        {
            if (!final)
            {
                if (length == buffer.Length)
                    Array.Resize(ref buffer, buffer.Length * 2); // one entry is bigger than the buffer
                int read = stream.Read(buffer, length, buffer.Length - length);
                final = read == 0;
                length += read;
            }
            int consumed;
            try
            {
                consumed = Scan(buffer.AsSpan(0, length), final, state, found);
            }
            catch (JsonException e)
            {
                throw new CaptureFormatException($"{displayName} is not a HAR file: invalid JSON at line {e.LineNumber + 1}.");
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException)
            {
                throw new CaptureFormatException($"{displayName} is not a valid HAR file: {e.Message.TrimEnd('.')}.");
            }
            foreach (var entry in found)
                yield return entry;
            found.Clear();
            Buffer.BlockCopy(buffer, consumed, buffer, 0, length - consumed);
            length -= consumed;
            if (state.Phase == Phase.Done)
            {
                if (!state.SawEntries)
                    throw new CaptureFormatException($"{displayName} is not a HAR file: it has no log.entries array.");
                yield break;
            }
            if (final)
                throw new CaptureFormatException($"{displayName} is not a HAR file: it ends before its JSON does.");
        }
    }

    /// <summary>Walks as far as the data allows; returns the bytes consumed. A value that is not complete yet is left for the next call.</summary>
    private static int Scan(ReadOnlySpan<byte> data, bool final, ScanState s, List<HarEntry> found)
    {
        var reader = new Utf8JsonReader(data, final, s.Reader);
        int consumed = 0;
        while (s.Phase != Phase.Done)
        {
            var before = reader.CurrentState;
            if (!reader.Read())
                break;
            switch (s.Phase)
            {
                case Phase.Root:
                    if (reader.TokenType != JsonTokenType.StartObject)
                        throw new FormatException("the top level is not an object");
                    s.Phase = Phase.RootProperty;
                    break;
                case Phase.RootProperty:
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        s.Phase = Phase.Done;
                        break;
                    }
                    s.ValueIsWanted = reader.ValueTextEquals("log"u8);
                    s.Phase = Phase.RootValue;
                    break;
                case Phase.RootValue:
                    if (s.ValueIsWanted && reader.TokenType == JsonTokenType.StartObject)
                        s.Phase = Phase.LogProperty;
                    else if (!reader.TrySkip())
                        return Rewind(s, before, consumed);
                    else
                        s.Phase = Phase.RootProperty;
                    break;
                case Phase.LogProperty:
                    if (reader.TokenType == JsonTokenType.EndObject)
                    {
                        s.Phase = Phase.RootProperty;
                        break;
                    }
                    s.ValueIsWanted = reader.ValueTextEquals("entries"u8);
                    s.Phase = Phase.LogValue;
                    break;
                case Phase.LogValue:
                    if (s.ValueIsWanted && reader.TokenType == JsonTokenType.StartArray)
                    {
                        s.SawEntries = true;
                        s.Phase = Phase.Entries;
                    }
                    else if (!reader.TrySkip())
                        return Rewind(s, before, consumed);
                    else
                        s.Phase = Phase.LogProperty;
                    break;
                case Phase.Entries:
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        s.Phase = Phase.LogProperty;
                        break;
                    }
                    int start = (int)reader.TokenStartIndex;
                    bool isObject = reader.TokenType == JsonTokenType.StartObject;
                    if (!reader.TrySkip())
                        return Rewind(s, before, consumed);
                    if (isObject)
                    {
                        var entryReader = new Utf8JsonReader(data[start..(int)reader.BytesConsumed]);
                        using var entry = JsonDocument.ParseValue(ref entryReader);
                        found.Add(HarReader.ReadEntry(entry.RootElement, s.UnreadableDatesAreMissing));
                    }
                    break;
            }
            consumed = (int)reader.BytesConsumed;
            s.Reader = reader.CurrentState;
        }
        return consumed;
    }

    private static int Rewind(ScanState s, JsonReaderState before, int consumed)
    {
        s.Reader = before;
        return consumed;
    }
}
