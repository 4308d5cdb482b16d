namespace Capture.Format;

/// <summary>Major changes break readers; minor changes only add what old readers can skip.</summary>
public readonly record struct FormatVersion(ushort Major, ushort Minor)
{
    public static FormatVersion Current => new(1, 3);

    public override string ToString() => $"{Major}.{Minor}";
}
