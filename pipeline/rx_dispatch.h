// rx_dispatch: ring mode's receive stage, on the main lcore. It polls every
// port, stamps packet time, frame number and vantage, decodes and filters,
// hashes each monitored packet to its worker's ring, and frees the rest.
// Offline it merges several files by packet time, waits rather than drops when
// a worker ring is full, and knows when every file is consumed.
#pragma once
#include "pipeline/config.h"
#include "pipeline/eal_setup.h"
#include "pipeline/run_state.h"

namespace cs {

void run_rx_dispatch(const Config& cfg, const Runtime& rt, RunState& rs, RxCounters& counters);

}  // namespace cs
