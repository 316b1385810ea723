// RunState: the little that the rx lcore, the workers, the publisher and the
// signal handler share, all atomics: stop requests, the end of the input, and
// the packet clock each stage has reached (the publisher releases events only
// up to the slowest worker's clock, which keeps the output deterministic).
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "pipeline/decode.h"
#include "workers/flow_engine.h"

struct rte_ring;

namespace cs {

constexpr uint64_t kClockEnd = UINT64_MAX;  // a stage that has flushed everything

// Counters of the rx stage (ring mode) or of a worker's own decode (RSS mode).
struct RxCounters {
    uint64_t packets = 0, bytes = 0;
    uint64_t not_monitored = 0;           // decoded fine, no monitored port: freed at once
    uint64_t ring_full_drops = 0;         // live: a worker ring was full
    uint64_t decode[size_t(DecodeStatus::kCount)] = {};
    void add(const RxCounters& o) {
        packets += o.packets; bytes += o.bytes; not_monitored += o.not_monitored;
        ring_full_drops += o.ring_full_drops;
        for (size_t i = 0; i < size_t(DecodeStatus::kCount); ++i) decode[i] += o.decode[i];
    }
};

struct alignas(64) WorkerSlot {
    unsigned id = 0;
    rte_ring* in = nullptr;      // ring mode: mbufs from the rx lcore
    rte_ring* done = nullptr;    // ring mode: the same mbufs back, for the rx lcore to free into its own cache
    rte_ring* facts = nullptr;   // TCP verdicts (ConnFact by value) to the publisher
    rte_ring* incidents = nullptr;  // TLS verdicts (TlsIncident*, the publisher deletes them)
    rte_ring* sip = nullptr;     // SIP messages (SipFact by value) for the call tracker
    rte_ring* dns = nullptr;     // DNS messages of watched names (DnsFact by value) for the lookup tracker
    std::atomic<uint64_t> clock{0};  // every verdict before this is in `facts`
    std::atomic<bool> ready{false};     // its flow table and analyzers are built: capture may start
    std::atomic<bool> finished{false};
    // The worker's counters for the stats, copied now and then (seqlock).
    struct Snapshot {
        EngineCounters engine;
        RxCounters rx;               // RSS mode: this worker's own decode counters
        uint32_t live_flows = 0;
        TlsCounters tls;
        ReassemblyCounters reassembly;
        SipCounters sip;
        IpReassemblyCounters fragments;
        DnsCounters dns;
        uint64_t rules_generation = 0;  // the signature sets this worker uses
    };
    std::atomic<uint64_t> snap_version{0};
    Snapshot snap;
};

struct RunState {
    std::atomic<bool> stop{false};        // SIGINT/SIGTERM or --max-packets reached
    std::atomic<bool> input_done{false};  // rx has delivered everything it will
    std::atomic<bool> reload{false};      // SIGHUP: reload the signature files
    // Written by rx every burst, read by idle workers: a cache line of its own.
    alignas(64) std::atomic<uint64_t> rx_clock{0};  // packet time of the last packet handed to a worker
    alignas(64) std::atomic<uint64_t> total_packets{0};
    std::vector<WorkerSlot>* workers = nullptr;
    // Ring mode: the rx stage's counters, published now and then (seqlock).
    std::atomic<uint64_t> rx_snap_version{0};
    RxCounters rx_snap;
};

// Copies `from` into `to` under the seqlock `version` (writer side).
template <class T>
void seqlock_write(std::atomic<uint64_t>& version, T& to, const T& from) {
    version.fetch_add(1, std::memory_order_acq_rel);
    to = from;
    version.fetch_add(1, std::memory_order_acq_rel);
}
// Reads a consistent copy (reader side).
template <class T>
T seqlock_read(const std::atomic<uint64_t>& version, const T& from) {
    for (;;) {
        uint64_t v0 = version.load(std::memory_order_acquire);
        T copy = from;
        std::atomic_thread_fence(std::memory_order_acquire);
        if (!(v0 & 1) && version.load(std::memory_order_acquire) == v0) return copy;
    }
}

}  // namespace cs
