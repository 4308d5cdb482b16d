using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Capture.Traffic.Har;

namespace Capture.Traffic.Tests.Har;

/// <summary>The HAR writer's own escaping and number formatting write exactly what Utf8JsonWriter writes, which they replace for speed.</summary>
public class HarWriterFastPathTests
{
    private static string Reference(Action<Utf8JsonWriter> write)
    {
        var output = new MemoryStream();
        using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
            write(json);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    private static string Ascii(byte[] text)
    {
        var into = new byte[AsciiJsonString.MaxLength(text.Length)];
        return Encoding.UTF8.GetString(into, 0, AsciiJsonString.Write(text, into));
    }

    [Fact]
    public void Every_ASCII_byte_is_escaped_as_the_relaxed_encoder_escapes_it()
    {
        for (int b = 0; b < 128; b++)
        {
            byte[] text = [(byte)'a', (byte)b, (byte)b, (byte)'z'];
            Assert.True(AsciiJsonString.Applies(text));
            Assert.Equal(Reference(j => j.WriteStringValue(text)), Ascii(text));
        }
    }

    [Fact]
    public void JSON_bodies_and_random_ASCII_are_escaped_the_same()
    {
        var random = new Random(12);
        var texts = new List<byte[]> { Array.Empty<byte>(), "{\"a\":\"b\\\\c\",\"d\":[1,2,\"\\n\"]}\r\n"u8.ToArray() };
        for (int i = 0; i < 2000; i++)
        {
            var text = new byte[random.Next(0, 300)];
            for (int k = 0; k < text.Length; k++)
                text[k] = (byte)(random.Next(4) == 0 ? random.Next(0, 128) : "\"\\{}:, abc"[random.Next(10)]);
            texts.Add(text);
        }
        foreach (var text in texts)
            Assert.Equal(Reference(j => j.WriteStringValue(text)), Ascii(text));
        Assert.False(AsciiJsonString.Applies("caf\u00e9"u8));
    }

    [Fact]
    public void Rounded_milliseconds_are_written_as_the_double_would_be()
    {
        var random = new Random(5);
        var values = new List<double> { 0, -1, 1, 0.001, -0.001, 0.1 + 0.2, 999.9995, 12.345, 1e11 + 0.5, 123456789.987, 0.0005, 1e-7 };
        for (int i = 0; i < 100_000; i++)
            values.Add((random.NextDouble() - 0.2) * Math.Pow(10, random.Next(-4, 12)));
        Span<byte> text = stackalloc byte[MillisecondText.MaxLength];
        foreach (double value in values)
        {
            double rounded = Math.Round(value, 3);
            if (!MillisecondText.TryFormat(rounded, text, out int length))
            {
                Assert.True(rounded == 0 && double.IsNegative(rounded), $"{value} took the general path");
                continue;
            }
            Assert.Equal(Reference(j => j.WriteNumberValue(rounded)), Encoding.ASCII.GetString(text[..length]));
        }
    }
}
