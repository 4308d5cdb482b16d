using Capture.Format.Records;

namespace Capture.Format.Tests.CaptureFile;

/// <summary>Records compare payloads by reference by default; tests need them compared by content.</summary>
internal static class RecordEquality
{
    public static void AssertSame(CaptureRecord expected, CaptureRecord actual)
    {
        if (expected is DataRecord e && actual is DataRecord a)
        {
            Assert.Equal(e with { Payload = default }, a with { Payload = default });
            Assert.Equal(e.Payload.ToArray(), a.Payload.ToArray());
            return;
        }
        Assert.Equal(expected, actual);
    }

    public static void AssertSequence(IReadOnlyList<CaptureRecord> expected, IReadOnlyList<CaptureRecord> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            AssertSame(expected[i], actual[i]);
    }
}
