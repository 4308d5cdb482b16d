using Capture.Replay.Input;

namespace Capture.Replay.Scheduling;

/// <summary>A request of one loop iteration and when, from the start of the run, it is due.</summary>
internal readonly record struct ScheduledRequest(ReplayRequest Request, int Iteration, TimeSpan At);
