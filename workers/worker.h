// worker: the loop of one worker lcore. It takes its packets (from its ring in
// ring mode, from its own queue of every port in RSS mode), runs them through
// its FlowEngine, frees them in bulk, moves its packet clock, and pushes
// verdicts into its bounded fact rings for the publisher. It never waits for the
// publisher: a full fact ring counts the fact as dropped. Between bursts it
// notices reloaded signatures and takes them.
#pragma once
#include "pipeline/config.h"
#include "pipeline/eal_setup.h"
#include "pipeline/run_state.h"
#include "workers/live_rules.h"

namespace cs {

struct WorkerArgs {
    const Config* cfg;
    const Runtime* rt;
    RunState* rs;
    WorkerSlot* slot;
    const LiveRules* rules;  // trust stores and signatures in force (replaced on reload)
};

// rte_eal_remote_launch entry point; arg is a WorkerArgs*.
int worker_main(void* arg);

}  // namespace cs
