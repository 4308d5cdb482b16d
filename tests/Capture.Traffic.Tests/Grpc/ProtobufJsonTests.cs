using System.Text.Json;
using Capture.Traffic.Grpc;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;
using TimestampReflection = Google.Protobuf.WellKnownTypes.TimestampReflection;
using Label = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;
using Type = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Capture.Traffic.Tests.Grpc;

public sealed class ProtobufJsonTests
{
    /// <summary>A descriptor set as protoc writes it (imports first): descriptor.proto, timestamp.proto, and a test file using both.</summary>
    internal static byte[] DescriptorSet()
    {
        static FieldDescriptorProto Field(string name, int number, Type type, Label label = Label.Optional, string? typeName = null)
        {
            var field = new FieldDescriptorProto { Name = name, Number = number, Type = type, Label = label, JsonName = ToCamel(name) };
            if (typeName is not null)
                field.TypeName = typeName;
            return field;
        }

        var test = new FileDescriptorProto
        {
            Name = "test/shop.proto",
            Package = "shop.v1",
            Syntax = "proto3",
            Dependency = { "google/protobuf/timestamp.proto", "google/protobuf/descriptor.proto" },
            EnumType = { new EnumDescriptorProto { Name = "Kind", Value = { new EnumValueDescriptorProto { Name = "KIND_UNKNOWN", Number = 0 }, new EnumValueDescriptorProto { Name = "KIND_BOOK", Number = 1 } } } },
            MessageType =
            {
                new DescriptorProto
                {
                    Name = "Item",
                    Field =
                    {
                        Field("id", 1, Type.Int64), Field("title", 2, Type.String), Field("price", 3, Type.Double),
                        Field("count", 4, Type.Int32), Field("delta", 5, Type.Sint32), Field("big", 6, Type.Uint64),
                        Field("in_stock", 7, Type.Bool), Field("kind", 8, Type.Enum, typeName: ".shop.v1.Kind"),
                        Field("raw", 9, Type.Bytes), Field("scores", 10, Type.Int32, Label.Repeated),
                        Field("tags", 11, Type.String, Label.Repeated), Field("added", 12, Type.Message, typeName: ".google.protobuf.Timestamp"),
                        Field("parts", 13, Type.Message, Label.Repeated, ".shop.v1.Item"),
                        Field("labels", 14, Type.Message, Label.Repeated, ".shop.v1.Item.LabelsEntry"),
                        Field("weight", 15, Type.Float), Field("offset", 16, Type.Sfixed64),
                    },
                    NestedType =
                    {
                        new DescriptorProto
                        {
                            Name = "LabelsEntry",
                            Options = new MessageOptions { MapEntry = true },
                            Field = { Field("key", 1, Type.String), Field("value", 2, Type.Int32) },
                        },
                    },
                },
            },
            Service =
            {
                new ServiceDescriptorProto
                {
                    Name = "Catalog",
                    Method =
                    {
                        new MethodDescriptorProto { Name = "Get", InputType = ".shop.v1.Item", OutputType = ".shop.v1.Item" },
                        new MethodDescriptorProto { Name = "Same", InputType = ".google.protobuf.FileDescriptorProto", OutputType = ".google.protobuf.FileDescriptorProto" },
                    },
                },
            },
        };
        var set = new FileDescriptorSet
        {
            File =
            {
                FileDescriptorProto.Parser.ParseFrom(TimestampReflection.Descriptor.SerializedData),
                FileDescriptorProto.Parser.ParseFrom(DescriptorReflection.Descriptor.SerializedData),
                test,
            },
        };
        return set.ToByteArray();
    }

    private static string ToCamel(string name)
    {
        var parts = name.Split('_');
        return parts[0] + string.Concat(parts.Skip(1).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
    }

    private static byte[] Encode(Action<CodedOutputStream> write)
    {
        using var memory = new MemoryStream();
        var output = new CodedOutputStream(memory);
        write(output);
        output.Flush();
        return memory.ToArray();
    }

    private static byte[] Item(bool withParts = true) => Encode(o =>
    {
        o.WriteTag(1, WireFormat.WireType.Varint); o.WriteInt64(-9_007_199_254_740_993);
        o.WriteTag(2, WireFormat.WireType.LengthDelimited); o.WriteString("Dune «first edition»");
        o.WriteTag(3, WireFormat.WireType.Fixed64); o.WriteDouble(12.5);
        o.WriteTag(4, WireFormat.WireType.Varint); o.WriteInt32(-3);
        o.WriteTag(5, WireFormat.WireType.Varint); o.WriteSInt32(-2);
        o.WriteTag(6, WireFormat.WireType.Varint); o.WriteUInt64(ulong.MaxValue);
        o.WriteTag(7, WireFormat.WireType.Varint); o.WriteBool(true);
        o.WriteTag(8, WireFormat.WireType.Varint); o.WriteEnum(1);
        o.WriteTag(9, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(1, 2, 255));
        o.WriteTag(10, WireFormat.WireType.LengthDelimited); o.WriteLength(3); o.WriteInt32(1); o.WriteInt32(2); o.WriteInt32(3); // packed
        o.WriteTag(10, WireFormat.WireType.Varint); o.WriteInt32(4);                                                                // and not packed
        o.WriteTag(11, WireFormat.WireType.LengthDelimited); o.WriteString("sf");
        o.WriteTag(99, WireFormat.WireType.Varint); o.WriteInt32(7);                                                                // unknown: left out
        o.WriteTag(11, WireFormat.WireType.LengthDelimited); o.WriteString("classic");
        o.WriteTag(12, WireFormat.WireType.LengthDelimited); o.WriteMessage(new Timestamp { Seconds = 1_700_000_000, Nanos = 500_000_000 });
        if (withParts)
        {
            byte[] part = Item(withParts: false);
            o.WriteTag(13, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(part));
        }
        byte[] entry = Encode(e => { e.WriteTag(1, WireFormat.WireType.LengthDelimited); e.WriteString("a"); e.WriteTag(2, WireFormat.WireType.Varint); e.WriteInt32(1); });
        o.WriteTag(14, WireFormat.WireType.LengthDelimited); o.WriteBytes(ByteString.CopyFrom(entry));
        o.WriteTag(15, WireFormat.WireType.Fixed32); o.WriteFloat(float.NaN);
        o.WriteTag(16, WireFormat.WireType.Fixed64); o.WriteSFixed64(-5);
    });

    [Fact]
    public void Every_scalar_kind_repeated_fields_maps_enums_nested_messages_and_timestamps_map_to_proto3_json()
    {
        var json = ProtobufJson.Load(DescriptorSet());
        var type = json.FindMessage("shop.v1.Item")!;
        string? text = json.ToJson(type, Item(), out string? error);
        Assert.Null(error);
        const string Scalars =
            "\"id\":\"-9007199254740993\",\"title\":\"Dune «first edition»\",\"price\":12.5,\"count\":-3,\"delta\":-2," +
            "\"big\":\"18446744073709551615\",\"inStock\":true,\"kind\":\"KIND_BOOK\",\"raw\":\"AQL/\",\"scores\":[1,2,3,4]," +
            "\"tags\":[\"sf\",\"classic\"],\"added\":\"2023-11-14T22:13:20.500Z\"";
        const string Tail = "\"labels\":{\"a\":1},\"weight\":\"NaN\",\"offset\":\"-5\"";
        string expected = "{" + Scalars + ",\"parts\":[{" + Scalars + "," + Tail + "}]," + Tail + "}";
        Assert.Equal(expected, Normalize(text!));
    }

    private static string Normalize(string json) =>
        JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    [Fact]
    public void A_real_descriptor_message_round_trips_through_the_official_json_parser()
    {
        var json = ProtobufJson.Load(DescriptorSet());
        var original = FileDescriptorProto.Parser.ParseFrom(DescriptorReflection.Descriptor.SerializedData); // a big, nested proto2 message
        string? text = json.ToJson(json.FindMessage("google.protobuf.FileDescriptorProto")!, original.ToByteArray(), out string? error);
        Assert.Null(error);
        Assert.Equal(original, JsonParser.Default.Parse<FileDescriptorProto>(text));
    }

    [Theory]
    [InlineData("0a")]              // field 1 (int64) with its varint missing
    [InlineData("12ff01")]          // a string claiming 255 octets
    [InlineData("0d000000")]        // fixed32 cut short
    [InlineData("ffffffffffffffffffffff01")] // a varint longer than 10 octets
    [InlineData("0f")]              // wire type 7
    [InlineData("1a020a00")]        // price (double) sent as length-delimited
    public void Bad_bytes_give_an_error_not_an_exception(string hex)
    {
        var json = ProtobufJson.Load(DescriptorSet());
        Assert.Null(json.ToJson(json.FindMessage("shop.v1.Item")!, Convert.FromHexString(hex), out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_without_overflowing_the_stack()
    {
        byte[] message = [];
        for (int depth = 0; depth < 200; depth++)
            message = [0x6A, .. Varint(message.Length), .. message]; // field 13 (parts), length-delimited
        var json = ProtobufJson.Load(DescriptorSet());
        Assert.Null(json.ToJson(json.FindMessage("shop.v1.Item")!, message, out string? error));
        Assert.Contains("nested", error);
    }

    private static byte[] Varint(int value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return [.. bytes];
    }

    [Fact]
    public void A_file_that_is_not_a_descriptor_set_is_refused_with_one_sentence()
    {
        var e = Assert.Throws<FormatException>(() => ProtobufJson.Load([0xFF, 0xFF, 0xFF]));
        Assert.StartsWith("not a usable protobuf descriptor set", e.Message);
    }
}
