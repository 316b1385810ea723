// filter: decide, per frame, whether anything downstream wants it, and give
// the frames that are wanted their PacketView (on x86, with streaming stores).
// Decode anomalies and unmonitored ports are counted here and the packet goes
// no further.
#pragma once
#include <rte_mbuf.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pipeline/admission.h"
#include "pipeline/decode_frame.h"
#include "pipeline/run_state.h"

namespace cs {

inline PacketView* packet_view_of(rte_mbuf* m) { return static_cast<PacketView*>(rte_mbuf_to_priv(m)); }

// Counts the frame and says whether it belongs to a monitored TCP/UDP flow.
// Decode runs here in admission mode (decode_frame.h): every check, but only
// the verdict's fields written, into a view that never leaves this function.
inline bool admit_packet(const Config& cfg, const rte_mbuf* m, RxCounters& n) {
    ++n.packets;
    n.bytes += m->pkt_len;
    PacketView probe;
    probe.wire_len = m->pkt_len;
    const DecodeStatus s = decode_frame<DecodeFill::kAdmission>(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, probe);
    ++n.decode[size_t(s)];
    switch (admission_of(cfg, s, probe)) {
        case Admission::kAdmit: return true;
        case Admission::kNotMonitored: ++n.not_monitored; return false;
        default: return false;
    }
}

// The view of an admitted frame: the capture's fields given, decode's filled
// (the same verdict admission saw).
inline PacketView view_of(const rte_mbuf* m, uint64_t ts_ns, uint32_t frame, uint16_t vantage) {
    PacketView v;
    v.ts_ns = ts_ns;
    v.frame = frame;
    v.vantage = vantage;
    v.wire_len = m->pkt_len;
    decode_frame(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len, v);
    return v;
}

// Puts a view into its mbuf's private area for a worker on another core, with
// non-temporal stores. The area's two lines sit in that worker's cache from
// the mbuf's last trip there, so ordinary stores would each wait for a line
// to be taken back from it: the largest stall of the rx loop in its profile,
// even with the lines prefetched for writing. These stores go to memory
// without asking, and the worker reads the view from there. They are weakly
// ordered: the caller fences (rte_wmb) before the mbuf is enqueued.
inline void hand_view(rte_mbuf* m, const PacketView& v) {
#if defined(__SSE2__)
    static_assert(sizeof(PacketView) == 128 && RTE_CACHE_LINE_SIZE == 64);
    auto* to = static_cast<__m128i*>(rte_mbuf_to_priv(m));  // cache-line aligned, after the mbuf header
    const auto* from = reinterpret_cast<const __m128i*>(&v);
    for (int i = 0; i < 8; ++i) _mm_stream_si128(to + i, _mm_loadu_si128(from + i));
#else
    *packet_view_of(m) = v;  // elsewhere ordinary stores, until someone measures there
#endif
}

}  // namespace cs
