// filter: decide, per frame, whether anything downstream wants it, and give
// the frames that are wanted their PacketView. Decode anomalies and
// unmonitored ports are counted here and the packet goes no further.
#pragma once
#include <rte_mbuf.h>

#include "pipeline/admission.h"
#include "pipeline/decode_frame.h"
#include "pipeline/run_state.h"

namespace cs {

inline PacketView* packet_view_of(rte_mbuf* m) { return static_cast<PacketView*>(rte_mbuf_to_priv(m)); }

// Counts the frame and says whether it belongs to a monitored TCP/UDP flow.
// Decode runs here into a view that never leaves this function, so the
// compiler keeps only the fields admission reads: the frames dropped here
// (most of them) cost loads and compares, and no stores into a view.
inline bool admit_packet(const Config& cfg, const rte_mbuf* m, RxCounters& n) {
    ++n.packets;
    n.bytes += m->pkt_len;
    PacketView probe;
    probe.wire_len = m->pkt_len;
    const DecodeStatus s = decode_frame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, probe);
    ++n.decode[size_t(s)];
    switch (admission_of(cfg, s, probe)) {
        case Admission::kAdmit: return true;
        case Admission::kNotMonitored: ++n.not_monitored; return false;
        default: return false;
    }
}

// The view of an admitted frame, in its mbuf's private area: the capture's
// fields given, decode's filled (the same verdict admission saw).
inline const PacketView& fill_view(rte_mbuf* m, uint64_t ts_ns, uint32_t frame, uint16_t vantage) {
    PacketView& v = *packet_view_of(m);
    v.ts_ns = ts_ns;
    v.frame = frame;
    v.vantage = vantage;
    v.wire_len = m->pkt_len;
    decode_frame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, v);
    return v;
}

}  // namespace cs
