// eal_setup: from a Config to a running DPDK: EAL arguments (pcap or af_packet
// vdevs, --no-huge --no-shconf), the mbuf pool (with a PacketView in each
// mbuf's private area), port configuration and start, and the packet-time
// source of each port. Setup only; the hot loops live in rx_dispatch and worker.
#pragma once
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/config.h"

namespace cs {

struct PortInfo {
    uint16_t port_id = 0;
    std::string name;              // DPDK device name, e.g. net_pcap0
    uint16_t vantage = 0;          // index into Runtime::vantages
    bool is_pcap = false;
    uint64_t expected_packets = 0; // pcap: packets in the file (end-of-file detection)
    uint16_t rx_queues = 1;
};

struct Runtime {
    std::vector<PortInfo> ports;
    std::vector<std::string> vantages;  // distinct labels, in order of first use
    rte_mempool* pool = nullptr;
    std::vector<unsigned> worker_lcores;
    bool rss_mode = false;              // each worker polls its own queue of every port
    int ts_offset = -1;                 // Rx timestamp dynfield offset (pcap PMD), -1: none
    uint64_t ts_flag = 0;
    uint64_t tsc_hz = 0, tsc0 = 0, wall0_ns = 0;  // live time: wall0 + (tsc - tsc0) / hz
};

// EAL init and everything up to started ports. false + one-line error otherwise.
bool setup_runtime(const Config& cfg, Runtime* rt, std::string* error);
void teardown_runtime(Runtime* rt);

// Packet time of an mbuf: the file's timestamp when the PMD gives one, else now.
uint64_t live_now_ns(const Runtime& rt);
// Inline: rx asks it of every packet.
inline uint64_t mbuf_time_ns(const Runtime& rt, const rte_mbuf* m, uint64_t now_ns) {
    // The pcap PMD of DPDK 22.11 stores tv_sec * 1e6 + tv_usec in the Rx timestamp field.
    constexpr uint64_t kPmdTimestampToNs = 1000;
    if (rt.ts_offset >= 0 && (m->ol_flags & rt.ts_flag))
        return *RTE_MBUF_DYNFIELD(m, rt.ts_offset, const rte_mbuf_timestamp_t*) * kPmdTimestampToNs;
    return now_ns;
}

}  // namespace cs
