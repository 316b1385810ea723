// worker: the loop of one worker lcore. It takes its packets (from its ring in
// ring mode, from its own queue of every port in RSS mode), runs them through
// its FlowEngine, frees them in bulk, moves its packet clock, and pushes
// verdicts into its bounded fact ring for the publisher. It never waits for the
// publisher: a full fact ring counts the fact as dropped.
#pragma once
#include "pipeline/config.h"
#include "pipeline/eal_setup.h"
#include "pipeline/run_state.h"
#include "workers/tls_tracker.h"

namespace cs {

struct WorkerArgs {
    const Config* cfg;
    const Runtime* rt;
    RunState* rs;
    WorkerSlot* slot;
    const TlsShared* tls;  // trust stores and identity rules, shared read-only
};

// rte_eal_remote_launch entry point; arg is a WorkerArgs*.
int worker_main(void* arg);

}  // namespace cs
