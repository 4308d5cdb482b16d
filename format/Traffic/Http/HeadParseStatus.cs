namespace Capture.Traffic.Http;

internal enum HeadParseStatus
{
    /// <summary>The blank line that ends the head has not arrived yet; nothing was consumed.</summary>
    Incomplete,
    Complete,
    Malformed,
}
