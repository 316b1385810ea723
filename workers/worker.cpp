#include "workers/worker.h"

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "pipeline/filter.h"
#include "workers/flow_engine.h"

namespace cs {

namespace {

constexpr unsigned kBurst = 32;
constexpr unsigned kSnapshotEvery = 1024;  // loop turns between stats snapshots

// The worker's verdicts and facts into its rings for the publisher. Live, a
// full ring drops the fact (counted by the caller): the NIC must not wait.
// Offline nothing is lost by waiting (the file waits for the worker in turn),
// so a full ring is waited on, and the events do not depend on how the
// machine's load delays the publisher.
class RingFactSink : public FactSink {
public:
    RingFactSink(const WorkerSlot& slot, bool wait_when_full, const std::atomic<bool>& stop)
        : slot_(slot), wait_(wait_when_full), stop_(stop) {}
    bool push(const ConnFact& f) override { return put_elem(slot_.facts, f); }
    bool push_incident(TlsIncident* i) override {
        return until_done([&] { return rte_ring_sp_enqueue(slot_.incidents, i) == 0; });
    }
    bool push_sip(const SipFact& f) override { return put_elem(slot_.sip, f); }
    bool push_dns(const DnsFact& f) override { return put_elem(slot_.dns, f); }

private:
    template <class Fact>
    bool put_elem(rte_ring* r, const Fact& f) {
        return until_done([&] { return rte_ring_sp_enqueue_elem(r, const_cast<Fact*>(&f), sizeof f) == 0; });
    }
    template <class Try>
    bool until_done(Try&& attempt) {
        while (!attempt()) {
            if (!wait_ || stop_.load(std::memory_order_relaxed)) return false;
            rte_pause();
        }
        return true;
    }

    const WorkerSlot& slot_;
    const bool wait_;
    const std::atomic<bool>& stop_;
};

class WorkerLoop {
public:
    explicit WorkerLoop(const WorkerArgs& a)
        : cfg_(*a.cfg),
          rt_(*a.rt),
          rs_(*a.rs),
          slot_(*a.slot),
          rules_(*a.rules),
          generation_(rules_.generation()),
          tls_(rules_.tls()),
          sip_(rules_.sip()),
          dns_(rules_.dns()),
          sink_(slot_, cfg_.offline(), rs_.stop),
          engine_(cfg_, sink_, tls_.get(), sip_.get(), dns_.get()),
          frames_(rt_.ports.size(), 0) {}

    void run() {
        unsigned turn = 0;
        for (;;) {
            // Read how far rx has delivered before looking at the ring: if the
            // ring is then empty, everything up to that time has been seen.
            const bool input_done = rs_.input_done.load(std::memory_order_acquire);
            const uint64_t rx_clock = rs_.rx_clock.load(std::memory_order_acquire);
            rte_mbuf* pkts[kBurst];
            unsigned n = rt_.rss_mode ? poll_queues(pkts) : rte_ring_sc_dequeue_burst(slot_.in, (void**)pkts, kBurst, nullptr);
            uint64_t clock = clock_;
            for (unsigned i = 0; i < n; ++i) {
                const PacketView& v = *packet_view_of(pkts[i]);
                engine_.process(v);
                if (v.ts_ns > clock) clock = v.ts_ns;
            }
            if (n) give_back(pkts, n);
            else if (rt_.rss_mode) clock = live_now_ns(rt_);  // live: time goes on without packets
            else if (rx_clock > clock) clock = rx_clock;
            clock_ = clock;
            engine_.advance(clock_);
            if (rules_.generation() != generation_) take_rules();
            slot_.clock.store(engine_.watermark(), std::memory_order_release);
            if (++turn % kSnapshotEvery == 0) snapshot();
            if (n == 0 && (input_done || (rt_.rss_mode && rs_.stop.load(std::memory_order_relaxed)))) break;
            // Idle: ease off the shared cache lines (rx clock, ring indexes) the rx core writes.
            if (n == 0) for (int i = 0; i < 32; ++i) rte_pause();
        }
        engine_.flush();
        free_given_back();
        snapshot();
        slot_.clock.store(kClockEnd, std::memory_order_release);
        slot_.finished.store(true, std::memory_order_release);
    }

private:
    // Ring mode: the mbufs go back to the rx lcore, which frees them into its
    // own mempool cache and gets them again, still warm, on its next receive.
    // Freed here they would reach rx through the pool's shared ring, first in
    // first out over the whole pool, so cold: about 200 ns per packet handed
    // over, measured as the rate lost between monitoring nothing and
    // monitoring 10% of perf-mix (perf/RESULTS.md).
    void give_back(rte_mbuf** pkts, unsigned n) {
        const unsigned sent = slot_.done ? rte_ring_sp_enqueue_burst(slot_.done, (void**)pkts, n, nullptr) : 0;
        if (sent < n) rte_pktmbuf_free_bulk(pkts + sent, n - sent);
    }
    // At the end, after rx has stopped taking them back (it has set
    // input_done, which this worker saw): what is left is freed here.
    void free_given_back() {
        if (!slot_.done) return;
        void* left[kBurst];
        unsigned n;
        while ((n = rte_ring_sc_dequeue_burst(slot_.done, left, kBurst, nullptr)) > 0)
            rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(left), n);
    }

    // Signatures were reloaded: hold the new sets (the old ones are freed when
    // the last holder lets go) and hand them to the engine.
    void take_rules() {
        generation_ = rules_.generation();
        tls_ = rules_.tls();
        sip_ = rules_.sip();
        dns_ = rules_.dns();
        engine_.take_rules(tls_.get(), sip_.get(), dns_.get());
    }

    // RSS mode: this worker's queue of every port; it decodes and filters itself.
    unsigned poll_queues(rte_mbuf** out) {
        unsigned got = 0, seen = 0;
        const uint64_t now = live_now_ns(rt_);
        for (size_t p = 0; p < rt_.ports.size() && got < kBurst; ++p) {
            rte_mbuf* raw[kBurst];
            uint16_t n = rte_eth_rx_burst(rt_.ports[p].port_id, uint16_t(slot_.id), raw, uint16_t(kBurst - got));
            seen += n;
            for (uint16_t i = 0; i < n; ++i) {
                const uint32_t frame = ++frames_[p];
                if (admit_packet(cfg_, raw[i], rx_)) {
                    *packet_view_of(raw[i]) = view_of(raw[i], mbuf_time_ns(rt_, raw[i], now), frame, rt_.ports[p].vantage);
                    out[got++] = raw[i];
                } else {
                    rte_pktmbuf_free(raw[i]);
                }
            }
        }
        if (cfg_.max_packets && seen) {
            if (rs_.total_packets.fetch_add(seen, std::memory_order_relaxed) + seen >= cfg_.max_packets)
                rs_.stop.store(true, std::memory_order_relaxed);
        }
        return got;
    }

    // Publishes counters for the stats (seqlock: odd version while writing).
    void snapshot() {
        seqlock_write(slot_.snap_version, slot_.snap,
                      WorkerSlot::Snapshot{engine_.counters(), rx_, engine_.live_flows(), engine_.tls_counters(),
                                           engine_.reassembly_counters(), engine_.sip_counters(),
                                           engine_.fragment_counters(), engine_.dns_counters(), generation_});
    }

    const Config& cfg_;
    const Runtime& rt_;
    RunState& rs_;
    WorkerSlot& slot_;
    const LiveRules& rules_;
    uint64_t generation_;
    std::shared_ptr<const TlsShared> tls_;
    std::shared_ptr<const SipShared> sip_;
    std::shared_ptr<const DnsShared> dns_;
    RingFactSink sink_;
    FlowEngine engine_;
    RxCounters rx_;
    std::vector<uint32_t> frames_;
    uint64_t clock_ = 0;
};

}  // namespace

int worker_main(void* arg) {
    const WorkerArgs& a = *static_cast<WorkerArgs*>(arg);
    WorkerLoop loop(a);
    a.slot->ready.store(true, std::memory_order_release);
    loop.run();
    return 0;
}

}  // namespace cs
