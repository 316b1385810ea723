// filter: decode one frame into the PacketView of its mbuf and decide, at once,
// whether anything downstream wants it: decode anomalies and unmonitored ports
// are counted here and the packet goes no further.
#pragma once
#include <rte_mbuf.h>

#include "pipeline/config.h"
#include "pipeline/decode.h"
#include "pipeline/run_state.h"

namespace cs {

inline PacketView* packet_view_of(rte_mbuf* m) { return static_cast<PacketView*>(rte_mbuf_to_priv(m)); }

// Fills the view (time, frame and vantage are the caller's) and says whether
// the packet belongs to a monitored TCP/UDP flow.
inline bool admit_packet(const Config& cfg, rte_mbuf* m, PacketView& v, RxCounters& n) {
    ++n.packets;
    n.bytes += m->pkt_len;
    v.wire_len = m->pkt_len;
    DecodeStatus s = decode_packet(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, v);
    ++n.decode[size_t(s)];
    if (s != DecodeStatus::kOk) return false;
    if (!cfg.monitor_ports.monitored(v.l4_proto, v.sport, v.dport)) {
        ++n.not_monitored;
        return false;
    }
    return true;
}

// Which worker owns a flow: both directions hash alike (flow_hash is symmetric).
inline unsigned worker_of(uint32_t hash, unsigned workers) { return unsigned((uint64_t(hash) * workers) >> 32); }

}  // namespace cs
