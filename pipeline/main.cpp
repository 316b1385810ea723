// callsentry: the appliance's main. Setup (config, EAL, ports, rings, sinks),
// then the packet path: workers on their lcores, the publisher on its thread,
// rx/dispatch on the main lcore (ring mode) until the input ends or a signal
// arrives; then flush, the summary on stderr, exit 0.
#include <rte_eal.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include "pipeline/config.h"
#include "pipeline/eal_setup.h"
#include "pipeline/file_sink.h"
#include "pipeline/publisher.h"
#include "pipeline/run_state.h"
#include "pipeline/rx_dispatch.h"
#include "pipeline/zmq_sink.h"
#include "workers/live_rules.h"
#include "workers/worker.h"

namespace {

cs::RunState* g_run = nullptr;

void on_signal(int) {
    if (g_run) g_run->stop.store(true);
}

// SIGHUP: the publisher thread reloads the signature files (capture goes on).
void on_hangup(int) {
    if (g_run) g_run->reload.store(true);
}

int fail(const std::string& msg, int code) {
    fprintf(stderr, "callsentry: %s\n", msg.c_str());
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace cs;
    std::string error;
    bool exit_now = false;
    std::optional<Config> parsed = parse_config(argc, argv, &error, &exit_now);
    if (exit_now) return 0;
    if (!parsed) return fail(error, 2);
    const Config& cfg = *parsed;

    // Sinks first: a bad endpoint or path is a configuration error, before DPDK starts.
    std::vector<std::unique_ptr<EventSink>> sinks;
    ZmqSink* zmq = nullptr;
    if (!cfg.events_out.empty()) {
        auto f = FileSink::open(cfg.events_out, &error);
        if (!f) return fail("--events-out " + error, 2);
        sinks.push_back(std::move(f));
    }
    if (!cfg.zmq_pub.empty()) {
        auto z = ZmqSink::bind(cfg.zmq_pub, 100000, &error);
        if (!z) return fail(error, 2);
        zmq = z.get();
        sinks.push_back(std::move(z));
    }

    // TLS trust, identity and SIP signatures: loaded before capture, shared by
    // every worker, replaced whole on SIGHUP.
    LiveRules rules;
    if (!rules.load(cfg, &error)) return fail(error, 2);

    Runtime rt;
    if (!setup_runtime(cfg, &rt, &error)) return fail(error, 1);

    RunState rs;
    std::vector<WorkerSlot> slots(rt.worker_lcores.size());
    rs.workers = &slots;
    for (unsigned i = 0; i < slots.size(); ++i) {
        slots[i].id = i;
        std::string in = "cs_in" + std::to_string(i), facts = "cs_facts" + std::to_string(i);
        if (!rt.rss_mode) {
            slots[i].in = rte_ring_create(in.c_str(), cfg.limits.worker_ring, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
            const std::string done = "cs_done" + std::to_string(i);
            slots[i].done = rte_ring_create(done.c_str(), cfg.limits.worker_ring, rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
        }
        slots[i].facts = rte_ring_create_elem(facts.c_str(), sizeof(ConnFact), cfg.limits.event_ring, rte_socket_id(),
                                              RING_F_SP_ENQ | RING_F_SC_DEQ);
        std::string incidents = "cs_tls" + std::to_string(i);
        slots[i].incidents = rte_ring_create(incidents.c_str(), cfg.limits.event_ring, rte_socket_id(),
                                             RING_F_SP_ENQ | RING_F_SC_DEQ);
        std::string sip = "cs_sip" + std::to_string(i);
        slots[i].sip = rte_ring_create_elem(sip.c_str(), sizeof(SipFact), cfg.limits.sip_ring, rte_socket_id(),
                                            RING_F_SP_ENQ | RING_F_SC_DEQ);
        std::string dns = "cs_dns" + std::to_string(i);
        slots[i].dns = rte_ring_create_elem(dns.c_str(), sizeof(DnsFact), cfg.limits.dns_ring, rte_socket_id(),
                                            RING_F_SP_ENQ | RING_F_SC_DEQ);
        if ((!rt.rss_mode && (!slots[i].in || !slots[i].done)) || !slots[i].facts || !slots[i].incidents || !slots[i].sip || !slots[i].dns)
            return fail("cannot create worker rings", 1);
    }

    EventContext ctx;
    for (const PortInfo& p : rt.ports) {
        if (ctx.vantages.size() <= p.vantage) ctx.vantages.resize(p.vantage + 1), ctx.interfaces.resize(p.vantage + 1);
        ctx.vantages[p.vantage] = rt.vantages[p.vantage];
        if (!ctx.interfaces[p.vantage].empty()) ctx.interfaces[p.vantage] += ",";
        ctx.interfaces[p.vantage] += p.name;
    }

    if (zmq && cfg.zmq_wait_subscribers > 0) {
        unsigned got = zmq->wait_for_subscribers(cfg.zmq_wait_subscribers, cfg.zmq_wait_timeout_s);
        if (got < cfg.zmq_wait_subscribers)
            fprintf(stderr, "callsentry: warning: %u of %u subscribers after %.1f s; going on\n", got,
                    cfg.zmq_wait_subscribers, cfg.zmq_wait_timeout_s);
    }

    g_run = &rs;
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::signal(SIGHUP, on_hangup);

    std::vector<WorkerArgs> args(slots.size());
    for (unsigned i = 0; i < slots.size(); ++i) {
        args[i] = WorkerArgs{&cfg, &rt, &rs, &slots[i], &rules};
        rte_eal_remote_launch(worker_main, &args[i], rt.worker_lcores[i]);
    }
    // Capture starts once every worker has built its state: its flow table
    // alone is over 100 MB of first-touched pages, a quarter of a second in
    // which a live port would overflow the worker rings (offline, rx would
    // wait), and which is set-up, not packet work.
    for (const WorkerSlot& s : slots)
        while (!s.ready.load(std::memory_order_acquire)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const uint64_t wall_start = monotonic_ns();
    fprintf(stderr, "callsentry: running: %zu input%s, %zu worker%s, %s mode\n", rt.ports.size(),
            rt.ports.size() == 1 ? "" : "s", slots.size(), slots.size() == 1 ? "" : "s", rt.rss_mode ? "rss" : "ring");
    PublisherResult result;
    std::thread publisher([&] { result = run_publisher(cfg, rt, rs, ctx, rules, sinks, wall_start); });
    // EAL pinned the main thread to the rx lcore's CPU and the publisher
    // inherited it. In ring mode that CPU receives every packet, and each
    // wake-up of the publisher there would evict the rx loop's cache, so the
    // publisher runs on the other CPUs (the workers', which idle between
    // bursts); with no other CPU, or in RSS mode, anywhere.
    {
        const rte_cpuset_t rx_cpus = rte_lcore_cpuset(rte_get_main_lcore());
        cpu_set_t allowed;
        CPU_ZERO(&allowed);
        for (unsigned c = 0; c < std::thread::hardware_concurrency(); ++c)
            if (rt.rss_mode || !CPU_ISSET(c, &rx_cpus)) CPU_SET(c, &allowed);
        if (CPU_COUNT(&allowed) == 0)
            for (unsigned c = 0; c < std::thread::hardware_concurrency(); ++c) CPU_SET(c, &allowed);
        pthread_setaffinity_np(publisher.native_handle(), sizeof allowed, &allowed);
    }

    RxCounters rx;
    if (!rt.rss_mode) {
        run_rx_dispatch(cfg, rt, rs, rx);
    } else {
        while (!rs.stop.load()) {
            timespec ts{0, 50000000};
            nanosleep(&ts, nullptr);
        }
        rs.input_done.store(true);
    }
    rte_eal_mp_wait_lcore();
    publisher.join();
    sinks.clear();  // ZeroMQ lingers here until queued events have left

    print_summary(stderr, result.final_stats);
    teardown_runtime(&rt);
    return 0;
}
