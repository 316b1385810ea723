// tcp_event_log: renders TCP connection failures (an attempt, or the summary
// of folded repeats) as callsentry/1 JSON events, with the evidence an
// engineer would read off Wireshark: frames, SYN offsets, the reset's shape.
#pragma once
#include "workers/attempt_correlator.h"
#include "workers/event_context.h"

namespace cs {

RenderedEvent render_attempt(const FailedAttempt& a, const EventContext& ctx);
RenderedEvent render_fold(const FoldSummary& s, const EventContext& ctx);

}  // namespace cs
