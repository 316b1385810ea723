// admission: what the rx stage decides about a decoded packet, without DPDK:
// whether anything downstream wants it (a monitored port, or a UDP fragment
// whose ports only reassembly will show), and which worker owns it.
#pragma once
#include "pipeline/config.h"
#include "pipeline/decode.h"
#include "pipeline/flow_key.h"

namespace cs {

enum class Admission : uint8_t { kAdmit, kDecodeAnomaly, kNotMonitored };

inline Admission admission_of(const Config& cfg, DecodeStatus s, const PacketView& v) {
    // A later fragment has no ports to filter on: UDP ones go to the worker,
    // whose reassembler judges the whole datagram by its ports.
    if (s == DecodeStatus::kFragment)
        return v.frag_proto == 17 && cfg.monitor_ports.any_udp() ? Admission::kAdmit : Admission::kNotMonitored;
    if (s != DecodeStatus::kOk) return Admission::kDecodeAnomaly;
    if (v.fragment && v.is_udp() && cfg.monitor_ports.any_udp()) return Admission::kAdmit;
    return cfg.monitor_ports.monitored(v.l4_proto, v.sport, v.dport) ? Admission::kAdmit : Admission::kNotMonitored;
}

// Which worker owns a flow: both directions hash alike (flow_hash is symmetric).
inline unsigned worker_of(uint32_t hash, unsigned workers) { return unsigned((uint64_t(hash) * workers) >> 32); }

// The hash a packet is dispatched by: its flow's, except that UDP goes by the
// address pair alone, so the fragments of a datagram (only the first carries
// ports) meet the rest of their flow on one worker.
inline uint32_t dispatch_hash(const PacketView& v) {
    if (v.fragment || v.is_udp()) return flow_hash(address_pair_key_of(v));
    return flow_hash(flow_key_of(v, nullptr));
}

}  // namespace cs
