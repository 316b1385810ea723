// publisher: the thread between the workers and the outside world. It drains
// every worker's fact rings, runs the attempt correlator and the SIP call
// tracker up to the slowest worker's packet clock, renders events and hands
// them to the sinks (ZeroMQ, JSON-lines file), counting what a sink refuses;
// live, it also sends the periodic callsentry.stats event. On SIGHUP it
// reloads the signature files. Ends when every worker has flushed.
#pragma once
#include <memory>
#include <vector>

#include "pipeline/config.h"
#include "pipeline/eal_setup.h"
#include "pipeline/event_sink.h"
#include "pipeline/run_state.h"
#include "pipeline/stats.h"
#include "workers/event_context.h"
#include "workers/live_rules.h"

namespace cs {

struct PublisherResult {
    RunStats final_stats;
};

// Runs on its own (non-EAL) thread. `wall_start_ns` dates the run for the stats.
PublisherResult run_publisher(const Config& cfg, const Runtime& rt, RunState& rs, const EventContext& ctx,
                              LiveRules& rules, std::vector<std::unique_ptr<EventSink>>& sinks, uint64_t wall_start_ns);

uint64_t monotonic_ns();

}  // namespace cs
