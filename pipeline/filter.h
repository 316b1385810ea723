// filter: decode one frame into the PacketView of its mbuf and decide, at once,
// whether anything downstream wants it: decode anomalies and unmonitored ports
// are counted here and the packet goes no further.
#pragma once
#include <rte_mbuf.h>

#include "pipeline/admission.h"
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
    switch (admission_of(cfg, s, v)) {
        case Admission::kAdmit: return true;
        case Admission::kNotMonitored: ++n.not_monitored; return false;
        default: return false;
    }
}

}  // namespace cs
