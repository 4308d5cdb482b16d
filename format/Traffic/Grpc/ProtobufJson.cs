using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Capture.Traffic.Grpc;

/// <summary>
/// Shows protobuf messages as JSON (the proto3 JSON mapping) using a descriptor set
/// (<c>protoc --include_imports --descriptor_set_out=FILE</c>), so that gRPC messages can be read and
/// compared field by field. Decodes the wire format itself: no generated code is needed. Unknown fields
/// are left out; Timestamp, Duration and the wrapper types get their JSON forms, other well-known types
/// are shown as plain messages. A repeated singular field keeps its last value.
/// </summary>
public sealed class ProtobufJson
{
    private const int MaxDepth = 64;

    private readonly IReadOnlyList<FileDescriptor> _files;

    private ProtobufJson(IReadOnlyList<FileDescriptor> files) => _files = files;

    /// <summary>Loads a serialized FileDescriptorSet; files must come after their imports, as protoc writes them.</summary>
    /// <exception cref="FormatException">The bytes are not a usable descriptor set (one sentence says why).</exception>
    public static ProtobufJson Load(byte[] descriptorSet)
    {
        try
        {
            var set = FileDescriptorSet.Parser.ParseFrom(descriptorSet);
            return new ProtobufJson(FileDescriptor.BuildFromByteStrings(set.File.Select(f => f.ToByteString())));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or DescriptorValidationException)
        {
            throw new FormatException($"not a usable protobuf descriptor set: {e.Message}", e);
        }
    }

    /// <summary>The method "/package.Service/Method" names, or null.</summary>
    public MethodDescriptor? FindMethod(string service, string method) =>
        _files.SelectMany(f => f.Services).FirstOrDefault(s => s.FullName == service)?.FindMethodByName(method);

    /// <summary>A message type by its full name ("package.Outer.Inner"), or null.</summary>
    public MessageDescriptor? FindMessage(string fullName) =>
        _files.SelectMany(f => AllMessages(f.MessageTypes)).FirstOrDefault(m => m.FullName == fullName);

    private static IEnumerable<MessageDescriptor> AllMessages(IEnumerable<MessageDescriptor> types) =>
        types.SelectMany(t => AllMessages(t.NestedTypes).Prepend(t));

    /// <summary>The messages of a call as JSON, request side and response side; null for a message that is compressed or does not decode.</summary>
    internal (List<string?> Requests, List<string?> Responses)? Decode(GrpcCall call)
    {
        if (FindMethod(call.Service, call.Method) is not { } method)
            return null;
        return (call.RequestMessages.Select(m => m.Compressed ? null : ToJson(method.InputType, m.Data.Span, out _)).ToList(),
                call.ResponseMessages.Select(m => m.Compressed ? null : ToJson(method.OutputType, m.Data.Span, out _)).ToList());
    }

    /// <summary>The message as JSON, or null with <paramref name="error"/> when the bytes do not decode as that type.</summary>
    public string? ToJson(MessageDescriptor type, ReadOnlySpan<byte> message, out string? error)
    {
        var output = new ArrayBufferWriter<byte>();
        try
        {
            using (var writer = new Utf8JsonWriter(output))
                WriteMessage(writer, type, message, 0);
            error = null;
            return Encoding.UTF8.GetString(output.WrittenSpan);
        }
        catch (WireException e)
        {
            error = e.Message;
            return null;
        }
    }

    private sealed class WireException(string message) : Exception(message);

    /// <summary>One field occurrence: its wire type and either a varint/fixed value or a range of the message bytes.</summary>
    private readonly record struct Occurrence(int WireType, ulong Value, int Start, int Length);

    private static void WriteMessage(Utf8JsonWriter writer, MessageDescriptor type, ReadOnlySpan<byte> data, int depth)
    {
        if (depth > MaxDepth)
            throw new WireException($"messages nested more than {MaxDepth} deep");
        var fields = Scan(type, data);
        if (WellKnown(writer, type, fields, data))
            return;
        writer.WriteStartObject();
        foreach (var (field, occurrences) in fields.OrderBy(f => f.Key.FieldNumber).Select(f => (f.Key, f.Value)))
        {
            writer.WritePropertyName(field.JsonName);
            if (field.IsMap)
                WriteMap(writer, field, occurrences, data, depth);
            else if (field.IsRepeated)
            {
                writer.WriteStartArray();
                foreach (var occurrence in occurrences)
                    WriteRepeated(writer, field, occurrence, data, depth);
                writer.WriteEndArray();
            }
            else
                WriteValue(writer, field, occurrences[^1], data, depth);
        }
        writer.WriteEndObject();
    }

    private static Dictionary<FieldDescriptor, List<Occurrence>> Scan(MessageDescriptor type, ReadOnlySpan<byte> data)
    {
        var fields = new Dictionary<FieldDescriptor, List<Occurrence>>();
        int pos = 0;
        while (pos < data.Length)
        {
            ulong tag = ReadVarint(data, ref pos);
            int number = (int)(tag >> 3);
            int wireType = (int)(tag & 7);
            if (number <= 0 || tag >> 3 > int.MaxValue)
                throw new WireException($"field number {tag >> 3} is invalid");
            Occurrence occurrence;
            switch (wireType)
            {
                case 0:
                    occurrence = new(0, ReadVarint(data, ref pos), 0, 0);
                    break;
                case 1:
                    occurrence = new(1, ReadFixed(data, ref pos, 8), 0, 0);
                    break;
                case 5:
                    occurrence = new(5, ReadFixed(data, ref pos, 4), 0, 0);
                    break;
                case 2:
                    ulong length = ReadVarint(data, ref pos);
                    if (length > (ulong)(data.Length - pos))
                        throw new WireException($"field {number} claims {length} octets, {data.Length - pos} are left");
                    occurrence = new(2, 0, pos, (int)length);
                    pos += (int)length;
                    break;
                case 3:
                    SkipGroup(data, ref pos, number, 0);
                    continue;
                default:
                    throw new WireException($"wire type {wireType} of field {number} is invalid here");
            }
            if (type.FindFieldByNumber(number) is not { } field)
                continue; // unknown field: not in this descriptor
            if (!fields.TryGetValue(field, out var list))
                fields.Add(field, list = []);
            list.Add(occurrence);
        }
        return fields;
    }

    private static void WriteRepeated(Utf8JsonWriter writer, FieldDescriptor field, Occurrence occurrence, ReadOnlySpan<byte> data, int depth)
    {
        int fixedSize = FixedSize(field.FieldType);
        bool packed = occurrence.WireType == 2 && field.FieldType is not (FieldType.String or FieldType.Bytes or FieldType.Message or FieldType.Group);
        if (!packed)
        {
            WriteValue(writer, field, occurrence, data, depth);
            return;
        }
        var packedBytes = data.Slice(occurrence.Start, occurrence.Length);
        int pos = 0;
        while (pos < packedBytes.Length)
        {
            var element = fixedSize == 0
                ? new Occurrence(0, ReadVarint(packedBytes, ref pos), 0, 0)
                : new Occurrence(fixedSize == 8 ? 1 : 5, ReadFixed(packedBytes, ref pos, fixedSize), 0, 0);
            WriteValue(writer, field, element, packedBytes, depth);
        }
    }

    private static void WriteMap(Utf8JsonWriter writer, FieldDescriptor field, List<Occurrence> entries, ReadOnlySpan<byte> data, int depth)
    {
        var keyField = field.MessageType.FindFieldByNumber(1);
        var valueField = field.MessageType.FindFieldByNumber(2);
        writer.WriteStartObject();
        foreach (var entry in entries)
        {
            if (entry.WireType != 2)
                throw new WireException($"map field {field.Name} entry is not length-delimited");
            var entryBytes = data.Slice(entry.Start, entry.Length);
            var parts = Scan(field.MessageType, entryBytes);
            writer.WritePropertyName(parts.TryGetValue(keyField, out var key) ? MapKey(keyField, key[^1], entryBytes) : DefaultMapKey(keyField));
            if (parts.TryGetValue(valueField, out var value))
                WriteValue(writer, valueField, value[^1], entryBytes, depth);
            else
                WriteDefault(writer, valueField);
        }
        writer.WriteEndObject();
    }

    private static string MapKey(FieldDescriptor key, Occurrence occurrence, ReadOnlySpan<byte> data) => key.FieldType switch
    {
        FieldType.String => Encoding.UTF8.GetString(data.Slice(occurrence.Start, occurrence.Length)),
        FieldType.Bool => occurrence.Value != 0 ? "true" : "false",
        _ => IntegerText(key.FieldType, occurrence.Value),
    };

    private static string DefaultMapKey(FieldDescriptor key) => key.FieldType switch
    {
        FieldType.String => "",
        FieldType.Bool => "false",
        _ => "0",
    };

    private static void WriteValue(Utf8JsonWriter writer, FieldDescriptor field, Occurrence occurrence, ReadOnlySpan<byte> data, int depth)
    {
        int expectedWireType = WireTypeOf(field.FieldType);
        if (occurrence.WireType != expectedWireType)
            throw new WireException($"field {field.Name} has wire type {occurrence.WireType}, its type {field.FieldType} needs {expectedWireType}");
        ulong v = occurrence.Value;
        switch (field.FieldType)
        {
            case FieldType.Double:
                WriteFloating(writer, BitConverter.Int64BitsToDouble((long)v));
                break;
            case FieldType.Float:
                WriteFloating(writer, BitConverter.Int32BitsToSingle((int)v));
                break;
            case FieldType.Int64 or FieldType.UInt64 or FieldType.SInt64 or FieldType.Fixed64 or FieldType.SFixed64:
                writer.WriteStringValue(IntegerText(field.FieldType, v)); // 64-bit integers are strings in proto3 JSON
                break;
            case FieldType.Int32 or FieldType.UInt32 or FieldType.SInt32 or FieldType.Fixed32 or FieldType.SFixed32:
                writer.WriteRawValue(IntegerText(field.FieldType, v));
                break;
            case FieldType.Bool:
                writer.WriteBooleanValue(v != 0);
                break;
            case FieldType.Enum:
                int number = (int)v;
                if (field.EnumType.FindValueByNumber(number) is { } named)
                    writer.WriteStringValue(named.Name);
                else
                    writer.WriteNumberValue(number);
                break;
            case FieldType.String:
                writer.WriteStringValue(Encoding.UTF8.GetString(data.Slice(occurrence.Start, occurrence.Length)));
                break;
            case FieldType.Bytes:
                writer.WriteBase64StringValue(data.Slice(occurrence.Start, occurrence.Length));
                break;
            case FieldType.Message:
                WriteMessage(writer, field.MessageType, data.Slice(occurrence.Start, occurrence.Length), depth + 1);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static void WriteDefault(Utf8JsonWriter writer, FieldDescriptor field)
    {
        switch (field.FieldType)
        {
            case FieldType.String or FieldType.Bytes:
                writer.WriteStringValue("");
                break;
            case FieldType.Bool:
                writer.WriteBooleanValue(false);
                break;
            case FieldType.Message:
                writer.WriteStartObject();
                writer.WriteEndObject();
                break;
            case FieldType.Enum:
                writer.WriteStringValue(field.EnumType.FindValueByNumber(0)?.Name ?? "0");
                break;
            case FieldType.Int64 or FieldType.UInt64 or FieldType.SInt64 or FieldType.Fixed64 or FieldType.SFixed64:
                writer.WriteStringValue("0");
                break;
            default:
                writer.WriteNumberValue(0);
                break;
        }
    }

    /// <summary>Timestamp, Duration and wrappers in their JSON forms; false for any other type.</summary>
    private static bool WellKnown(Utf8JsonWriter writer, MessageDescriptor type, Dictionary<FieldDescriptor, List<Occurrence>> fields, ReadOnlySpan<byte> data)
    {
        if (type.File.Package != "google.protobuf")
            return false;
        long Int(int number) => fields.FirstOrDefault(f => f.Key.FieldNumber == number) is { Key: not null } f ? (long)f.Value[^1].Value : 0;
        switch (type.Name)
        {
            case "Timestamp":
            {
                long seconds = Int(1);
                int nanos = (int)Int(2);
                if (seconds < -62135596800 || seconds > 253402300799 || nanos is < 0 or > 999_999_999)
                    throw new WireException("Timestamp out of range");
                var time = DateTime.UnixEpoch.AddSeconds(seconds);
                writer.WriteStringValue(time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + Fraction(nanos) + "Z");
                return true;
            }
            case "Duration":
            {
                long seconds = Int(1);
                int nanos = (int)Int(2);
                string sign = seconds < 0 || nanos < 0 ? "-" : "";
                writer.WriteStringValue(sign + Math.Abs(seconds).ToString(CultureInfo.InvariantCulture) + Fraction(Math.Abs(nanos)) + "s");
                return true;
            }
            case "DoubleValue" or "FloatValue" or "Int64Value" or "UInt64Value" or "Int32Value" or "UInt32Value" or "BoolValue" or "StringValue" or "BytesValue":
            {
                var valueField = type.FindFieldByNumber(1);
                if (fields.TryGetValue(valueField, out var occurrences))
                    WriteValue(writer, valueField, occurrences[^1], data, 0);
                else
                    WriteDefault(writer, valueField);
                return true;
            }
            default:
                return false;
        }
    }

    /// <summary>0, 3, 6 or 9 fractional digits, as the proto3 JSON mapping writes them.</summary>
    private static string Fraction(int nanos) =>
        nanos == 0 ? "" :
        nanos % 1_000_000 == 0 ? "." + (nanos / 1_000_000).ToString("D3", CultureInfo.InvariantCulture) :
        nanos % 1_000 == 0 ? "." + (nanos / 1_000).ToString("D6", CultureInfo.InvariantCulture) :
        "." + nanos.ToString("D9", CultureInfo.InvariantCulture);

    private static string IntegerText(FieldType type, ulong v) => type switch
    {
        FieldType.Int64 or FieldType.SFixed64 => ((long)v).ToString(CultureInfo.InvariantCulture),
        FieldType.UInt64 or FieldType.Fixed64 => v.ToString(CultureInfo.InvariantCulture),
        FieldType.SInt64 => ((long)(v >> 1) ^ -(long)(v & 1)).ToString(CultureInfo.InvariantCulture),
        FieldType.Int32 or FieldType.SFixed32 => ((int)v).ToString(CultureInfo.InvariantCulture),
        FieldType.UInt32 or FieldType.Fixed32 => ((uint)v).ToString(CultureInfo.InvariantCulture),
        FieldType.SInt32 => ((int)((uint)v >> 1) ^ -(int)(v & 1)).ToString(CultureInfo.InvariantCulture),
        _ => v.ToString(CultureInfo.InvariantCulture),
    };

    private static void WriteFloating(Utf8JsonWriter writer, double value)
    {
        if (double.IsNaN(value))
            writer.WriteStringValue("NaN");
        else if (double.IsInfinity(value))
            writer.WriteStringValue(value > 0 ? "Infinity" : "-Infinity");
        else
            writer.WriteNumberValue(value);
    }

    private static void WriteFloating(Utf8JsonWriter writer, float value)
    {
        if (float.IsNaN(value) || float.IsInfinity(value))
            WriteFloating(writer, (double)value);
        else
            writer.WriteNumberValue(value);
    }

    private static int WireTypeOf(FieldType type) => type switch
    {
        FieldType.Double or FieldType.Fixed64 or FieldType.SFixed64 => 1,
        FieldType.Float or FieldType.Fixed32 or FieldType.SFixed32 => 5,
        FieldType.String or FieldType.Bytes or FieldType.Message => 2,
        FieldType.Group => 3,
        _ => 0,
    };

    private static int FixedSize(FieldType type) => WireTypeOf(type) switch
    {
        1 => 8,
        5 => 4,
        _ => 0,
    };

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length)
                throw new WireException("the message ends inside a varint");
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return result;
        }
        throw new WireException("a varint longer than 10 octets");
    }

    private static ulong ReadFixed(ReadOnlySpan<byte> data, ref int pos, int size)
    {
        if (data.Length - pos < size)
            throw new WireException("the message ends inside a fixed-size field");
        ulong value = size == 8 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data[pos..]) : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
        pos += size;
        return value;
    }

    private static void SkipGroup(ReadOnlySpan<byte> data, ref int pos, int number, int depth)
    {
        if (depth > MaxDepth)
            throw new WireException($"groups nested more than {MaxDepth} deep");
        while (true)
        {
            ulong tag = ReadVarint(data, ref pos);
            int wireType = (int)(tag & 7);
            switch (wireType)
            {
                case 0: ReadVarint(data, ref pos); break;
                case 1: ReadFixed(data, ref pos, 8); break;
                case 5: ReadFixed(data, ref pos, 4); break;
                case 2:
                    ulong length = ReadVarint(data, ref pos);
                    if (length > (ulong)(data.Length - pos))
                        throw new WireException("a group field runs past the end of the message");
                    pos += (int)length;
                    break;
                case 3: SkipGroup(data, ref pos, (int)(tag >> 3), depth + 1); break;
                case 4:
                    if ((int)(tag >> 3) != number)
                        throw new WireException("a group ends with the wrong field number");
                    return;
                default: throw new WireException($"wire type {wireType} is invalid");
            }
        }
    }
}
