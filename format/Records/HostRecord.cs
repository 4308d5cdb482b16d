namespace Capture.Format.Records;

/// <summary>
/// Declares the host of a range of connection ids (format 1.2, written by capture merge): every connection id
/// whose top 16 bits equal <see cref="IdSpace"/> was recorded on <see cref="HostName"/> during the boot
/// <see cref="BootId"/> ("" when the recording did not say). Ids in a space no host record names belong to
/// the header's host.
/// </summary>
public sealed record HostRecord(ulong TimestampNs, ushort IdSpace, string HostName, string BootId) : CaptureRecord(TimestampNs)
{
    /// <summary>Bits of a connection id below its host space.</summary>
    public const int SpaceShift = 48;

    public const ulong LocalIdMask = (1UL << SpaceShift) - 1;

    public override RecordKind Kind => RecordKind.Host;

    /// <summary>The one rule that ties a connection id to its host: its top 16 bits.</summary>
    public static ushort SpaceOf(ulong connectionId) => (ushort)(connectionId >> SpaceShift);

    /// <summary>The id <paramref name="connectionId"/> moved into <paramref name="space"/>, keeping its lower 48 bits.</summary>
    public static ulong InSpace(ulong connectionId, ushort space) => ((ulong)space << SpaceShift) | (connectionId & LocalIdMask);
}
