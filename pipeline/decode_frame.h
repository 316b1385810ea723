// decode_frame: the body of decode_packet, inline, for the rx stage. The rx
// lcore decodes every frame twice over: first for admission, writing only
// what the verdict needs (DecodeFill::kAdmission) into a view of its own,
// then, for an admitted frame (one in ten on perf-mix), the whole view the
// worker gets. Everyone else calls decode_packet (decode.h), which is this
// function with the whole view.
#pragma once
#include <cstring>

#include "pipeline/decode.h"

namespace cs {

// What decode writes into the view. kView: every field (decode_packet's
// contract, decode.h). kAdmission: only the verdict's inputs, for the rx
// stage's drop-or-keep decision on every frame: l4_proto, sport, dport,
// fragment and frag_proto (and vlan_count, wire_len); the rest of the view is
// left as it was. Every check is the same in both, so both give the same
// verdict (tests/test_decode.cpp, fuzz_decode). Skipping the rest makes
// admission of perf-mix about a quarter cheaper (perf/RESULTS.md,
// BM_Admission).
enum class DecodeFill : uint8_t { kView, kAdmission };

namespace decode_detail {

// Every read goes through these with an offset already checked against the
// bound of the layer being parsed; the frame may sit at any alignment.
inline uint16_t rd16(const uint8_t* p) { return uint16_t(uint16_t(p[0]) << 8 | p[1]); }
inline uint32_t rd32(const uint8_t* p) {
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

constexpr uint16_t kEthIpv4 = 0x0800;
constexpr uint16_t kEthIpv6 = 0x86dd;
constexpr uint16_t kEthPppoeSession = 0x8864;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
// Ten IPv6 extension headers would already be pathological; past eight we stop
// walking so a crafted chain cannot make decode loop over the whole frame.
constexpr int kMaxIpv6ExtHeaders = 8;

inline bool is_vlan_tpid(uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

// The option space of a TCP header (`hlen` bytes at p, options from byte 20).
[[gnu::always_inline]] inline DecodeStatus walk_tcp_options(const uint8_t* p, uint32_t hlen, TcpOptions& o) {
    uint32_t i = 20;
    while (i < hlen) {
        uint8_t kind = p[i];
        ++o.count;
        if (kind == 0) break;  // EOL: the rest of the option space is padding
        if (kind == 1) {
            ++i;
            continue;
        }
        if (i + 1 >= hlen) return DecodeStatus::kBadTcpOption;
        uint8_t olen = p[i + 1];
        if (olen < 2 || i + olen > hlen) return DecodeStatus::kBadTcpOption;
        const uint8_t* v = p + i + 2;
        // A known kind with an unexpected length is skipped, not trusted: the
        // length byte still lets us step over it, so it is not an anomaly.
        switch (kind) {
            case 2:
                if (olen == 4) { o.mss = rd16(v); o.present |= TcpOptions::kHasMss; }
                break;
            case 3:
                if (olen == 3) { o.wscale = v[0]; o.present |= TcpOptions::kHasWs; }
                break;
            case 4:
                if (olen == 2) o.present |= TcpOptions::kHasSackPerm;
                break;
            case 5:
                if ((olen - 2) % 8 == 0 && olen > 2) o.present |= TcpOptions::kHasSack;
                break;
            case 8:
                if (olen == 10) {
                    o.tsval = rd32(v);
                    o.tsecr = rd32(v + 4);
                    o.present |= TcpOptions::kHasTs;
                }
                break;
            default:
                break;
        }
        i += olen;
    }
    return DecodeStatus::kOk;
}

// `n`: bytes readable at p; `more`: bytes of the segment beyond them (a chained buffer).
template <DecodeFill F>
[[gnu::always_inline]] inline DecodeStatus decode_tcp(const uint8_t* p, uint32_t n, uint32_t more, PacketView& out) {
    if (n < 20) return DecodeStatus::kTruncatedTcp;
    out.sport = rd16(p);
    out.dport = rd16(p + 2);
    if constexpr (F == DecodeFill::kView) {
        out.seq = rd32(p + 4);
        out.ack = rd32(p + 8);
        out.tcp_flags = p[13];
        out.window = rd16(p + 14);
    }
    uint32_t hlen = uint32_t(p[12] >> 4) * 4;
    if (hlen < 20 || hlen > n) return DecodeStatus::kBadTcpOffset;

    // After the handshake Linux, Windows and macOS send either no options or
    // exactly NOP, NOP, timestamps, about equally often and in an order no
    // branch predictor learns. Both layouts are told from the rest without a
    // branch, so only handshakes and unusual layouts take the one into the
    // options walk (perf/RESULTS.md, BM_Admission). With fewer than 24 bytes
    // here the header can only be 20 bytes long: the word is then read from
    // byte 0, in bounds, and cannot count.
    TcpOptions& o = out.tcp_opts;
    const uint32_t word = rd32(n >= 24 ? p + 20 : p);
    const bool nop_nop_ts = (hlen == 32) & (word == 0x0101080a);
    if (__builtin_expect(!((hlen == 20) | nop_nop_ts), 0)) {
        const DecodeStatus s = walk_tcp_options(p, hlen, o);
        if (s != DecodeStatus::kOk) return s;
    } else if (nop_nop_ts) {
        o.count = 3;
        o.tsval = rd32(p + 24);
        o.tsecr = rd32(p + 28);
        o.present = TcpOptions::kHasTs;
    }
    out.payload = p + hlen;
    out.payload_len = n - hlen;
    out.payload_wire_len = n + more - hlen;
    return DecodeStatus::kOk;
}

// `fragment`: the first fragment of a larger datagram; its UDP length covers
// bytes that arrive in later fragments, so it may exceed what is here.
template <DecodeFill F>
[[gnu::always_inline]] inline DecodeStatus decode_udp(const uint8_t* p, uint32_t n, uint32_t more, bool fragment, PacketView& out) {
    if (n < 8) return DecodeStatus::kTruncatedUdp;
    out.sport = rd16(p);
    out.dport = rd16(p + 2);
    uint32_t ulen = rd16(p + 4);
    if (ulen < 8) return DecodeStatus::kBadUdpLength;
    if (ulen > n + more) {
        if (!fragment) return DecodeStatus::kBadUdpLength;
        ulen = n + more;
    }
    out.payload = p + 8;
    out.payload_len = (ulen < n ? ulen : n) - 8;
    out.payload_wire_len = ulen - 8;
    return DecodeStatus::kOk;
}

template <DecodeFill F>
[[gnu::always_inline]] inline DecodeStatus decode_l4(uint8_t proto, const uint8_t* p, uint32_t n, uint32_t more, PacketView& out) {
    out.l4_proto = proto;
    if (proto == kProtoTcp) return decode_tcp<F>(p, n, more, out);
    if (proto == kProtoUdp) return decode_udp<F>(p, n, more, out.fragment, out);
    return DecodeStatus::kNotTcpUdp;
}

template <DecodeFill F>
[[gnu::always_inline]] inline DecodeStatus decode_ipv4(const uint8_t* p, uint32_t n, uint32_t more, PacketView& out) {
    if (n < 20) return DecodeStatus::kTruncatedIpv4;
    uint32_t ihl = uint32_t(p[0] & 0x0f) * 4;
    if ((p[0] >> 4) != 4 || ihl < 20) return DecodeStatus::kBadIpv4Header;
    if (ihl > n) return DecodeStatus::kTruncatedIpv4;
    uint32_t total = rd16(p + 2);
    if (total < ihl || total > n + more) return DecodeStatus::kBadIpv4Length;

    uint16_t frag = rd16(p + 6);
    bool more_fragments = (frag & 0x2000) != 0;
    uint16_t offset = frag & 0x1fff;
    out.fragment = more_fragments || offset != 0;
    uint8_t proto = p[9];
    if constexpr (F == DecodeFill::kView) {
        out.ip_version = 4;
        out.ip_id = rd16(p + 4);
        out.df = (frag & 0x4000) != 0;
        out.ttl = p[8];
        out.src = IpAddr::v4_bytes(p + 12);
        out.dst = IpAddr::v4_bytes(p + 16);
    }
    if (out.fragment) {
        out.frag_proto = proto;
        if constexpr (F == DecodeFill::kView) {
            out.more_fragments = more_fragments;
            out.frag_id = out.ip_id;
            out.frag_offset = uint16_t(offset * 8);
            out.frag_len = uint16_t(total - ihl);
            if (total <= n) out.frag_data = p + ihl;
        }
    }
    if (offset != 0) {
        out.l4_proto = proto;
        return DecodeStatus::kFragment;
    }
    // Bytes past the total length are Ethernet padding (or trailer junk), never payload.
    const uint32_t here = total < n ? total : n;
    return decode_l4<F>(proto, p + ihl, here - ihl, total - here, out);
}

template <DecodeFill F>
[[gnu::always_inline]] inline DecodeStatus decode_ipv6(const uint8_t* p, uint32_t n, uint32_t more, PacketView& out) {
    if (n < 40) return DecodeStatus::kTruncatedIpv6;
    // The enum has no separate IPv6 header-error reason; a wrong version nibble
    // means the fixed header cannot be trusted, so its length is not either.
    if ((p[0] >> 4) != 6) return DecodeStatus::kBadIpv6Length;
    uint32_t plen = rd16(p + 4);
    // Payload length 0 means a jumbogram (RFC 2675); nothing on a span port
    // legitimately carries one, so it is counted with the length anomalies.
    if (plen == 0 || plen > n + more - 40) return DecodeStatus::kBadIpv6Length;

    if constexpr (F == DecodeFill::kView) {
        out.ip_version = 6;
        out.ttl = p[7];
        out.src = IpAddr::v6_bytes(p + 8);
        out.dst = IpAddr::v6_bytes(p + 24);
    }

    uint8_t next = p[6];
    const uint8_t* q = p + 40;
    // Extension headers must be readable here; only the L4 payload may run on
    // into further buffers.
    uint32_t left = plen < n - 40 ? plen : n - 40;
    const uint32_t beyond = plen - left;
    for (int seen = 0;; ++seen) {
        uint32_t hlen;
        switch (next) {
            case 0:   // hop-by-hop options
            case 43:  // routing
            case 60:  // destination options
                if (left < 2) return DecodeStatus::kBadIpv6ExtHeader;
                hlen = (uint32_t(q[1]) + 1) * 8;
                break;
            case 51:  // AH: length in 4-byte units, minus 2
                if (left < 2) return DecodeStatus::kBadIpv6ExtHeader;
                hlen = (uint32_t(q[1]) + 2) * 4;
                break;
            case 44:  // fragment: fixed 8 bytes
                if (left < 8) return DecodeStatus::kBadIpv6ExtHeader;
                hlen = 8;
                break;
            default:
                return decode_l4<F>(next, q, left, beyond, out);
        }
        if (seen == kMaxIpv6ExtHeaders || hlen > left) return DecodeStatus::kBadIpv6ExtHeader;
        uint8_t after = q[0];
        if (next == 44) {
            // A second fragment header would nest one datagram's pieces in
            // another's (an evasion trick); RFC 8200 allows one.
            if (out.fragment) return DecodeStatus::kBadIpv6ExtHeader;
            uint16_t off_flags = rd16(q + 2);
            out.fragment = true;
            out.more_fragments = (off_flags & 1) != 0;
            out.frag_id = rd32(q + 4);
            out.frag_offset = off_flags & 0xfff8;  // 13-bit offset in 8-byte units, already shifted
            out.frag_proto = after;
            out.frag_len = uint16_t(left - 8 + beyond);
            if (beyond == 0) out.frag_data = q + 8;
            if ((off_flags >> 3) != 0) {
                out.l4_proto = after;
                return DecodeStatus::kFragment;
            }
        }
        next = after;
        q += hlen;
        left -= hlen;
    }
}

}  // namespace decode_detail

template <DecodeFill F = DecodeFill::kView>
[[gnu::always_inline]] inline DecodeStatus decode_frame(const uint8_t* data, uint32_t len, PacketView& out) {
    using namespace decode_detail;
    // Reset what decode owns; a view reused across packets must not keep stale
    // L4 fields from the previous frame. The wire length is the capture's to
    // give (an mbuf chain or a snaplen-cut pcap record is longer than `len`);
    // only when nobody gave one is the captured length the best we know.
    const uint64_t ts_ns = out.ts_ns;
    const uint32_t frame = out.frame;
    const uint16_t vantage = out.vantage;
    const uint32_t wire_len = out.wire_len;
    // Every default of the view is zero. Cleared as two cache lines of plain
    // stores: `out = PacketView{}` compiles to `rep stos`, whose start-up cost
    // on 128 bytes made decode of a TCP data frame 22.5 ns instead of 11.3
    // (gcc 12 -O3, measured on the development machine).
    static_assert(sizeof(PacketView) == 128);
    if constexpr (F == DecodeFill::kView) {
        std::memset(static_cast<void*>(&out), 0, 64);
        std::memset(reinterpret_cast<uint8_t*>(&out) + 64, 0, 64);
    } else {
        out.vlan_count = 0;
        out.fragment = false;
        out.frag_proto = 0;
        out.l4_proto = 0;
        out.sport = out.dport = 0;
    }
    out.ts_ns = ts_ns;
    out.frame = frame;
    out.vantage = vantage;
    out.wire_len = wire_len != 0 ? wire_len : len;

    if (data == nullptr || len < 14) return DecodeStatus::kTruncatedEthernet;
    uint32_t off = 12;
    uint16_t type = rd16(data + off);
    off += 2;
    while (is_vlan_tpid(type)) {
        if (out.vlan_count == 2) return DecodeStatus::kTooManyVlans;
        if (len - off < 4) return DecodeStatus::kTruncatedVlan;
        if constexpr (F == DecodeFill::kView) out.vlan[out.vlan_count] = rd16(data + off) & 0x0fff;
        ++out.vlan_count;
        type = rd16(data + off + 2);
        off += 4;
    }
    // PPPoE session (DSL uplinks of smaller sites): a 6-byte PPPoE header and the
    // 2-byte PPP protocol, then IPv4 (0x0021) or IPv6 (0x0057).
    if (type == kEthPppoeSession) {
        if (len - off < 8) return DecodeStatus::kTruncatedEthernet;
        uint16_t ppp = rd16(data + off + 6);
        off += 8;
        type = ppp == 0x0021 ? kEthIpv4 : ppp == 0x0057 ? kEthIpv6 : 0;
    }
    // A frame longer than `len` continues in buffers decode cannot read (an
    // mbuf chain): its headers must be here, its payload may run on.
    const uint32_t more = out.wire_len > len ? out.wire_len - len : 0;
    if (type == kEthIpv4) return decode_ipv4<F>(data + off, len - off, more, out);
    if (type == kEthIpv6) return decode_ipv6<F>(data + off, len - off, more, out);
    return DecodeStatus::kNotIp;
}

}  // namespace cs
