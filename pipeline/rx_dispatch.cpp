#include "pipeline/rx_dispatch.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include <cstdio>

#include "pipeline/filter.h"

namespace cs {

namespace {

constexpr uint16_t kBurst = 32;
// Partial bursts go to the workers (and their mbufs come back) every this
// many receive turns, or at once when a turn brings nothing: each handover
// touches ring indexes the worker core reads, so fewer, fuller ones cost less
// (1.7% more packets/s, 5 of 6 interleaved runs). The rx clock is published
// only when nothing is left staged (flush_staging), so a worker that finds its
// ring empty never moves its clock past a packet still held here.
constexpr unsigned kHandOverEvery = 8;
constexpr unsigned kPrefetchAhead = 4;

// One port's pending burst (offline merge) and its progress.
struct PortRx {
    const PortInfo* info = nullptr;
    rte_mbuf* buf[kBurst] = {};
    uint16_t head = 0, count = 0;
    uint32_t frames = 0;
    bool done = false;
    uint64_t idle_since = 0;
};

// Holds packets per worker until a burst can be enqueued.
struct Staging {
    rte_mbuf* pkts[kBurst];
    unsigned n = 0;
};

class Dispatcher {
public:
    Dispatcher(const Config& cfg, const Runtime& rt, RunState& rs, RxCounters& n)
        : cfg_(cfg), rt_(rt), rs_(rs), n_(n), workers_(*rs.workers), staging_(workers_.size()) {
        for (const PortInfo& p : rt.ports) {
            ports_.emplace_back();
            ports_.back().info = &p;
        }
    }

    void run() {
        const bool offline = cfg_.offline();
        while (!rs_.stop.load(std::memory_order_relaxed)) {
            uint64_t now = offline ? 0 : live_now_ns(rt_);
            bool any = !offline ? step_live(now) : ports_.size() == 1 ? step_one_file(ports_[0]) : step_offline();
            ++turn_;
            if (!any || (turn_ & (kHandOverEvery - 1)) == 0) {
                flush_staging(offline);
                take_back();
            }
            if (!offline && !any) rs_.rx_clock.store(now, std::memory_order_release);
            if (offline && all_done()) break;
            if (cfg_.max_packets && n_.packets >= cfg_.max_packets) break;
            if ((turn_ & 1023) == 0) seqlock_write(rs_.rx_snap_version, rs_.rx_snap, n_);
        }
        seqlock_write(rs_.rx_snap_version, rs_.rx_snap, n_);
        free_dropped();
        for (unsigned w = 0; w < workers_.size(); ++w) flush_staging_worker(w, offline);
        take_back();
        rs_.input_done.store(true, std::memory_order_release);
    }

private:
    bool all_done() const {
        for (const PortRx& p : ports_)
            if (!p.done || p.head < p.count) return false;
        return true;
    }

    // Refills a port's burst; notices the end of its file.
    void refill(PortRx& p) {
        if (p.head < p.count || p.done) return;
        p.head = 0;
        p.count = rte_eth_rx_burst(p.info->port_id, 0, p.buf, kBurst);
        for (unsigned i = 0; i < kPrefetchAhead && i < p.count; ++i) rte_prefetch0(rte_pktmbuf_mtod(p.buf[i], void*));
        if (p.count > 0 || !p.info->is_pcap || cfg_.pcap_loop) {
            p.idle_since = 0;
            return;
        }
        rte_eth_stats st;
        if (rte_eth_stats_get(p.info->port_id, &st) == 0 && st.ipackets + st.ierrors >= p.info->expected_packets) {
            p.done = true;
            return;
        }
        // The PMD counts every packet it reads; if it stalls short of the file's
        // count (e.g. a record libpcap rejects), give up after a while, loudly.
        uint64_t t = rte_get_tsc_cycles();
        if (!p.idle_since) p.idle_since = t;
        else if (t - p.idle_since > 5 * rt_.tsc_hz) {
            fprintf(stderr, "callsentry: warning: %s delivered %lu of %lu packets; treating it as finished\n",
                    p.info->name.c_str(), (unsigned long)st.ipackets, (unsigned long)p.info->expected_packets);
            p.done = true;
        }
    }

    // Offline: hand on packets in packet-time order across all files.
    bool step_offline() {
        bool any = false;
        for (unsigned k = 0; k < kBurst; ++k) {
            PortRx* best = nullptr;
            uint64_t best_ts = 0;
            for (PortRx& p : ports_) {
                refill(p);
                if (p.head >= p.count) {
                    // A file that is not finished but has nothing now must not be overtaken.
                    if (!p.done && ports_.size() > 1) return any;
                    continue;
                }
                uint64_t ts = mbuf_time_ns(rt_, p.buf[p.head], 0);
                if (!best || ts < best_ts) best = &p, best_ts = ts;
            }
            if (!best) return any;
            if (best->head + kPrefetchAhead < best->count)
                rte_prefetch0(rte_pktmbuf_mtod(best->buf[best->head + kPrefetchAhead], void*));
            handle(*best, best->buf[best->head++], best_ts);
            any = true;
        }
        return any;
    }

    // Offline with one file: nothing to merge, the burst is handed on as it came.
    bool step_one_file(PortRx& p) {
        refill(p);
        const bool any = p.head < p.count;
        for (; p.head < p.count; ++p.head) {
            if (p.head + kPrefetchAhead < p.count) rte_prefetch0(rte_pktmbuf_mtod(p.buf[p.head + kPrefetchAhead], void*));
            rte_mbuf* m = p.buf[p.head];
            handle(p, m, mbuf_time_ns(rt_, m, 0));
        }
        return any;
    }

    bool step_live(uint64_t now) {
        bool any = false;
        for (PortRx& p : ports_) {
            uint16_t n = rte_eth_rx_burst(p.info->port_id, 0, p.buf, kBurst);
            for (uint16_t i = 0; i < n; ++i) handle(p, p.buf[i], mbuf_time_ns(rt_, p.buf[i], now));
            any |= n > 0;
        }
        return any;
    }

    void handle(PortRx& p, rte_mbuf* m, uint64_t ts) {
        const uint32_t frame = ++p.frames;
        if (ts > clock_) clock_ = ts;
        if (!admit_packet(cfg_, m, n_)) {
            // Most traffic ends here: free in bulk, as testpmd does.
            drop_[ndrop_++] = m;
            if (ndrop_ == kBurst) free_dropped();
            return;
        }
        const PacketView v = view_of(m, ts, frame, p.info->vantage);
        hand_view(m, v);
        // One worker owns every flow: no hash to compute.
        const unsigned w = workers_.size() == 1 ? 0 : worker_of(dispatch_hash(v), unsigned(workers_.size()));
        Staging& s = staging_[w];
        s.pkts[s.n++] = m;
        if (s.n == kBurst) flush_staging_worker(w, cfg_.offline());
    }

    // The mbufs workers are done with, freed here so the mempool cache of this
    // lcore recycles them warm (see WorkerLoop::give_back).
    void take_back() {
        for (WorkerSlot& w : workers_) {
            void* done[2 * kBurst];
            const unsigned n = rte_ring_sc_dequeue_burst(w.done, done, 2 * kBurst, nullptr);
            if (n) rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(done), n);
        }
    }

    void free_dropped() {
        if (ndrop_) rte_pktmbuf_free_bulk(drop_, ndrop_);
        ndrop_ = 0;
    }

    void flush_staging(bool offline) {
        free_dropped();
        for (unsigned w = 0; w < workers_.size(); ++w) flush_staging_worker(w, offline);
        // Workers that find their ring empty may move their clock up to here.
        rs_.rx_clock.store(clock_, std::memory_order_release);
    }

    void flush_staging_worker(unsigned w, bool offline) {
        Staging& s = staging_[w];
        if (s.n) rte_wmb();  // the views' streaming stores land before the worker can see the mbufs (hand_view)
        unsigned sent = 0;
        while (sent < s.n) {
            sent += rte_ring_sp_enqueue_burst(workers_[w].in, (void**)s.pkts + sent, s.n - sent, nullptr);
            if (sent == s.n) break;
            if (!offline || rs_.stop.load(std::memory_order_relaxed)) {
                // Live: never stall the NIC behind a slow worker; count and drop.
                n_.ring_full_drops += s.n - sent;
                rte_pktmbuf_free_bulk(s.pkts + sent, s.n - sent);
                break;
            }
            rte_pause();  // offline: the file waits for the worker
        }
        s.n = 0;
    }

    const Config& cfg_;
    const Runtime& rt_;
    RunState& rs_;
    RxCounters& n_;
    std::vector<WorkerSlot>& workers_;
    std::vector<Staging> staging_;
    std::vector<PortRx> ports_;
    uint64_t clock_ = 0;
    unsigned turn_ = 0;
    rte_mbuf* drop_[kBurst];
    unsigned ndrop_ = 0;
};

}  // namespace

void run_rx_dispatch(const Config& cfg, const Runtime& rt, RunState& rs, RxCounters& counters) {
    Dispatcher(cfg, rt, rs, counters).run();
}

}  // namespace cs
