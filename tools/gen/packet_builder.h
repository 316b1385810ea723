// packet_builder: builds wire-exact Ethernet frames (optional 802.1Q/QinQ tags,
// IPv4 with options or IPv6 with extension headers, TCP with options, UDP, and
// UDP datagrams fragmented at an MTU) with correct lengths and checksums, the
// way a Linux or Cisco stack would send them.
// Used by callsentry-gen for scenario pcaps and by the tests to feed decode.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "pipeline/ip_addr.h"

namespace cs::gen {

struct L2Spec {
    uint8_t src_mac[6] = {0x00, 0x50, 0x56, 0x00, 0x00, 0x01};
    uint8_t dst_mac[6] = {0x00, 0x50, 0x56, 0x00, 0x00, 0x02};
    std::vector<uint16_t> vlans;  // outer first; 2 tags: outer 0x88a8, inner 0x8100
};

struct Ipv6ExtHeader {
    uint8_t type = 0;              // 0 hop-by-hop, 43 routing, 60 destination options, 44 fragment, 51 AH
    // Bytes after next-header/len; the builder pads the header to 8-byte units (PadN
    // in option headers) and writes the length byte (AH: 4-byte units minus 2;
    // fragment: reserved 0, body = offset/flags(2) + identification(4)).
    std::vector<uint8_t> body;
};

struct IpSpec {
    IpAddr src, dst;
    uint8_t ttl = 64;              // IPv4 TTL / IPv6 hop limit
    uint16_t ip_id = 0;            // IPv4 only
    bool df = true;                // IPv4 only
    std::vector<uint8_t> ipv4_options;        // padded to 4 bytes by the builder
    std::vector<Ipv6ExtHeader> ipv6_ext;      // in order
};

struct TcpSpec {
    uint16_t sport = 0, dport = 0;
    uint32_t seq = 0, ack = 0;
    uint8_t flags = 0;             // cs::TcpFlag bits
    uint16_t window = 0;
    std::optional<uint16_t> mss;
    bool sack_perm = false;
    std::optional<uint32_t> tsval; // with tsecr: the timestamp option
    uint32_t tsecr = 0;
    std::optional<uint8_t> wscale;
    std::vector<std::pair<uint32_t, uint32_t>> sack_blocks;  // (left, right) edges, at most 4 (3 with TS)
    // Options are laid out as Linux's tcp_options_write does: MSS; SACK_PERM+TS
    // (NOP NOP TS without SACK_PERM); NOP NOP SACK_PERM when there is no TS;
    // NOP WS; NOP NOP SACK blocks. A SYN with all of them is MSS, SACK_PERM, TS,
    // NOP, WS: 20 bytes of options, a 74-byte frame.
};

struct UdpSpec {
    uint16_t sport = 0, dport = 0;
};

// Frames shorter than the Ethernet minimum (60 bytes without FCS) are padded
// with zeros, as a NIC sends them and a span port delivers them; the IP
// lengths do not count that padding. Throws std::invalid_argument when the
// options do not fit (IPv4 options > 40 bytes, TCP options > 40 bytes).
std::vector<uint8_t> build_tcp(const L2Spec& l2, const IpSpec& ip, const TcpSpec& tcp,
                               const std::vector<uint8_t>& payload = {});
std::vector<uint8_t> build_udp(const L2Spec& l2, const IpSpec& ip, const UdpSpec& udp,
                               const std::vector<uint8_t>& payload = {});

// A UDP datagram too large for a link of `mtu` bytes (IP packet size) as the
// sending host fragments it (RFC 791; RFC 8200 section 4.5), in offset order:
// each fragment's IP packet is at most `mtu` bytes, every fragment but the last
// carries a multiple of 8 bytes of the datagram and More Fragments, and the UDP
// checksum in the first covers the whole datagram. IPv4 fragments carry
// ip.ip_id (ip.df must be clear); IPv6 fragments repeat ip.ipv6_ext (the
// unfragmentable part) and add a Fragment header with `ipv6_ident`. Throws
// std::invalid_argument when the datagram fits the MTU or cannot be split.
std::vector<std::vector<uint8_t>> build_udp_fragments(const L2Spec& l2, const IpSpec& ip, const UdpSpec& udp,
                                                      const std::vector<uint8_t>& payload, size_t mtu,
                                                      uint32_t ipv6_ident = 0);

}  // namespace cs::gen
