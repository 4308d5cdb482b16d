namespace Capture.Traffic;

/// <summary>Which way bytes went on a connection, by protocol role (not by which end was traced).</summary>
internal enum TrafficDirection : byte
{
    ClientToServer = 0,
    ServerToClient = 1,
}
