// decode: parse one Ethernet frame (802.1Q, QinQ, IPv4 with options, IPv6 with
// extension headers, TCP with options, UDP) into a PacketView. Pure: bytes in,
// view and verdict out, no allocation, never reads past `len`.
#pragma once
#include <cstdint>

#include "pipeline/packet_view.h"

namespace cs {

// Every verdict decode can give. kOk and the kNot* ones are normal traffic;
// the others are anomalies, counted by reason in the stats.
enum class DecodeStatus : uint8_t {
    kOk = 0,
    kNotIp,              // ARP, LLDP, ...: not analysed, not an anomaly
    kNotTcpUdp,          // ICMP, ESP, ...: not analysed, not an anomaly
    kFragment,           // non-first IP fragment: no L4 header to read, the frag_* fields filled
    kTruncatedEthernet,
    kTruncatedVlan,
    kTooManyVlans,       // more than two tags
    kTruncatedIpv4,
    kBadIpv4Header,      // version or IHL wrong
    kBadIpv4Length,      // total length < header, or > captured bytes
    kTruncatedIpv6,
    kBadIpv6Length,      // payload length > captured bytes
    kBadIpv6ExtHeader,   // extension header chain truncated or too long
    kTruncatedTcp,
    kBadTcpOffset,       // data offset < 5 or beyond the segment
    kBadTcpOption,       // option length 0/1 or running past the header
    kTruncatedUdp,
    kBadUdpLength,
    kCount
};

const char* decode_status_name(DecodeStatus s);
inline bool decode_status_is_anomaly(DecodeStatus s) {
    return s != DecodeStatus::kOk && s != DecodeStatus::kNotIp && s != DecodeStatus::kNotTcpUdp &&
           s != DecodeStatus::kFragment;
}

// Fills every L2..L4 field of `out` (capture fields are left as they are).
// `len` bytes are readable at `data`; when out.wire_len is larger, the frame
// goes on in buffers decode does not see (a chained mbuf): lengths are checked
// against wire_len, headers must lie within `len`, and payload_len counts only
// the readable payload (payload_wire_len the whole). An IP fragment also gets
// the frag_* fields, for ip_reassembly: first fragments still decode their L4
// header (kOk), later ones stop at L3 (kFragment).
DecodeStatus decode_packet(const uint8_t* data, uint32_t len, PacketView& out);

}  // namespace cs
