// PacketView: what decode learns of one frame (L2..L4), as a plain struct.
// Capture fills the time, frame number, vantage and wire length; decode fills the rest.
// It lives in the mbuf's private area, so the rx stage decodes once and the
// worker reads the same view; nothing after decode touches rte_mbuf.
#pragma once
#include <cstdint>

#include "pipeline/ip_addr.h"

namespace cs {

enum TcpFlag : uint8_t {
    kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10, kUrg = 0x20, kEce = 0x40, kCwr = 0x80,
};

struct TcpOptions {
    enum : uint8_t { kHasMss = 1, kHasWs = 2, kHasSackPerm = 4, kHasTs = 8, kHasSack = 16 };
    uint8_t present = 0;     // kHas* bits
    uint8_t wscale = 0;
    uint16_t mss = 0;
    uint32_t tsval = 0, tsecr = 0;
    uint8_t count = 0;       // options seen (including NOP/EOL); 0 = no options
};

struct PacketView {
    // Fields are ordered so the view packs into two cache lines, one byte to
    // spare (the static_assert below): it is the mbuf's private area. Every default
    // is zero (decode clears the view with memset).
    // Filled by capture.
    uint64_t ts_ns = 0;      // packet time (file timestamp offline, receive time live)
    uint32_t frame = 0;      // 1-based frame number within its input port
    uint16_t vantage = 0;    // index into the configured vantage labels
    // L2
    uint8_t vlan_count = 0;  // 0, 1 (802.1Q) or 2 (QinQ)
    uint8_t ip_version = 0;  // (L3) 4 or 6
    uint16_t vlan[2] = {};   // outer first
    // L3
    uint8_t ttl = 0;         // IPv4 TTL or IPv6 hop limit
    bool df = false;         // IPv4 don't-fragment
    bool fragment = false;   // an IP fragment (L4 fields valid only on the first); the
                             // frag_* fields describe it, on first and later fragments alike
    bool more_fragments = false;  // IPv4 MF / IPv6 M flag
    uint16_t ip_id = 0;           // IPv4 identification (0 for IPv6)
    uint16_t frag_offset = 0;     // in bytes, from the start of the fragmentable part
    uint32_t frag_id = 0;         // IPv4 identification or the IPv6 fragment header's
    IpAddr src, dst;
    // L4
    uint8_t l4_proto = 0;    // 6 TCP, 17 UDP, other values: no L4 fields
    uint8_t tcp_flags = 0;
    uint16_t sport = 0, dport = 0;
    uint16_t window = 0;
    uint32_t seq = 0, ack = 0;
    TcpOptions tcp_opts;
    const uint8_t* payload = nullptr;
    uint32_t payload_len = 0;       // bytes readable at `payload`
    uint32_t payload_wire_len = 0;  // the L4 payload's full length; more than payload_len
                                    // when the frame continues in further mbuf segments
    uint32_t wire_len = 0;   // captured frame length, set by capture (decode reads at most
                             // the contiguous bytes it is given, checks lengths against this)
    // The fragment's data after the IP header(s) (IPv6: after the fragment
    // header), `frag_len` bytes as the IP header counts them; on a first
    // fragment of UDP it starts with the UDP header. nullptr when not all of
    // it is readable here (a chained mbuf, a snaplen cut).
    uint16_t frag_len = 0;
    uint8_t frag_proto = 0;  // IPv4 protocol / the IPv6 fragment header's next header
    const uint8_t* frag_data = nullptr;

    bool is_tcp() const { return l4_proto == 6; }
    bool is_udp() const { return l4_proto == 17; }
};
static_assert(sizeof(PacketView) <= 128, "PacketView is the mbuf private area: keep it within two cache lines");

}  // namespace cs
