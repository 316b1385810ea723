#include "tools/gen/packet_builder.h"

#include "tools/gen/byte_writer.h"

#include <algorithm>
#include <stdexcept>

namespace cs::gen {

namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr size_t kEthMinFrame = 60;  // 64 on the wire minus the FCS the capture does not keep

void set16(std::vector<uint8_t>& v, size_t at, uint16_t x) {
    v[at] = uint8_t(x >> 8);
    v[at + 1] = uint8_t(x);
}

// RFC 1071 one's-complement sum; `acc` carries across calls (pseudo-header, then segment).
uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i]) << 8 | p[i + 1];
    if (n & 1) acc += uint32_t(p[n - 1]) << 8;
    return acc;
}
uint16_t fold(uint32_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return uint16_t(~acc);
}

void check_families(const IpSpec& ip) {
    if (ip.src.is_v4() != ip.dst.is_v4()) throw std::invalid_argument("packet_builder: src and dst of different IP families");
}

std::vector<uint8_t> ipv6_ext_chain(const IpSpec& ip, uint8_t upper) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i < ip.ipv6_ext.size(); ++i) {
        const Ipv6ExtHeader& h = ip.ipv6_ext[i];
        uint8_t next = i + 1 < ip.ipv6_ext.size() ? ip.ipv6_ext[i + 1].type : upper;
        size_t start = out.size();
        size_t total = (2 + h.body.size() + 7) / 8 * 8;
        if (h.type == 44 && total != 8) throw std::invalid_argument("packet_builder: fragment header body must be 6 bytes");
        uint8_t len_byte;
        if (h.type == 44) len_byte = 0;
        else if (h.type == 51) len_byte = uint8_t(total / 4 - 2);
        else if (total / 8 - 1 <= 255) len_byte = uint8_t(total / 8 - 1);
        else throw std::invalid_argument("packet_builder: IPv6 extension header too long");
        put8(out, next);
        put8(out, len_byte);
        out.insert(out.end(), h.body.begin(), h.body.end());
        size_t pad = total - (out.size() - start);
        // Option headers must stay parseable as options: Pad1 for one byte, PadN otherwise.
        bool options = h.type == 0 || h.type == 60;
        if (options && pad == 1) {
            put8(out, 0);
        } else if (options && pad >= 2) {
            put8(out, 1);
            put8(out, uint8_t(pad - 2));
            out.insert(out.end(), pad - 2, 0);
        } else {
            out.insert(out.end(), pad, 0);
        }
    }
    return out;
}

// Fills the L4 checksum (field at `csum_at`, zero on entry) over the pseudo-header and `l4`.
void set_l4_checksum(const IpSpec& ip, uint8_t proto, std::vector<uint8_t>& l4, size_t csum_at) {
    uint32_t acc = 0;
    if (ip.src.is_v4()) {
        acc = sum16(ip.src.b + 12, 4, acc);
        acc = sum16(ip.dst.b + 12, 4, acc);
        acc += proto;
        acc += uint32_t(l4.size());
    } else {
        acc = sum16(ip.src.b, 16, acc);
        acc = sum16(ip.dst.b, 16, acc);
        acc += uint32_t(l4.size()) >> 16;
        acc += uint32_t(l4.size()) & 0xffff;
        acc += proto;
    }
    uint16_t csum = fold(sum16(l4.data(), l4.size(), acc));
    // UDP sends 0 for "no checksum", so a computed 0 goes out as its complement twin.
    if (proto == kProtoUdp && csum == 0) csum = 0xffff;
    set16(l4, csum_at, csum);
}

// Ethernet and IP headers around `n` bytes of `data` (an L4 segment or a
// fragment of one). `frag` is the IPv4 flags/fragment-offset word; an IPv6
// fragment comes with its Fragment header in ip.ipv6_ext.
std::vector<uint8_t> ip_frame(const L2Spec& l2, const IpSpec& ip, uint8_t proto, const uint8_t* data, size_t n,
                              uint16_t frag) {
    const bool v4 = ip.src.is_v4();
    std::vector<uint8_t> f;
    f.reserve(14 + 4 * l2.vlans.size() + 60 + n);
    f.insert(f.end(), l2.dst_mac, l2.dst_mac + 6);
    f.insert(f.end(), l2.src_mac, l2.src_mac + 6);
    for (size_t i = 0; i < l2.vlans.size(); ++i) {
        bool outer_of_qinq = i == 0 && l2.vlans.size() >= 2;
        put16(f, outer_of_qinq ? 0x88a8 : 0x8100);
        put16(f, l2.vlans[i]);
    }
    put16(f, v4 ? 0x0800 : 0x86dd);

    if (v4) {
        if (ip.ipv4_options.size() > 40) throw std::invalid_argument("packet_builder: IPv4 options over 40 bytes");
        size_t opt_len = (ip.ipv4_options.size() + 3) / 4 * 4;
        size_t ihl = 20 + opt_len;
        size_t total = ihl + n;
        if (total > 0xffff) throw std::invalid_argument("packet_builder: IPv4 datagram over 65535 bytes");
        size_t start = f.size();
        put8(f, uint8_t(0x40 | ihl / 4));
        put8(f, 0);  // DSCP/ECN
        put16(f, uint16_t(total));
        put16(f, ip.ip_id);
        put16(f, frag);
        put8(f, ip.ttl);
        put8(f, proto);
        put16(f, 0);
        f.insert(f.end(), ip.src.b + 12, ip.src.b + 16);
        f.insert(f.end(), ip.dst.b + 12, ip.dst.b + 16);
        f.insert(f.end(), ip.ipv4_options.begin(), ip.ipv4_options.end());
        f.insert(f.end(), opt_len - ip.ipv4_options.size(), 0);  // EOL padding
        set16(f, start + 10, fold(sum16(f.data() + start, ihl, 0)));
    } else {
        std::vector<uint8_t> ext = ipv6_ext_chain(ip, proto);
        size_t plen = ext.size() + n;
        if (plen > 0xffff) throw std::invalid_argument("packet_builder: IPv6 payload over 65535 bytes");
        put32(f, 0x60000000);  // version 6, traffic class 0, flow label 0
        put16(f, uint16_t(plen));
        put8(f, ip.ipv6_ext.empty() ? proto : ip.ipv6_ext.front().type);
        put8(f, ip.ttl);
        f.insert(f.end(), ip.src.b, ip.src.b + 16);
        f.insert(f.end(), ip.dst.b, ip.dst.b + 16);
        f.insert(f.end(), ext.begin(), ext.end());
    }
    f.insert(f.end(), data, data + n);
    if (f.size() < kEthMinFrame) f.resize(kEthMinFrame, 0);
    return f;
}

// An L4 segment (checksum field zeroed at `csum_at`) in one unfragmented IP packet.
std::vector<uint8_t> wrap(const L2Spec& l2, const IpSpec& ip, uint8_t proto, std::vector<uint8_t> l4, size_t csum_at) {
    check_families(ip);
    set_l4_checksum(ip, proto, l4, csum_at);
    return ip_frame(l2, ip, proto, l4.data(), l4.size(), ip.df ? 0x4000 : 0);
}

// The UDP header and payload; the checksum is left to the caller.
std::vector<uint8_t> udp_segment(const UdpSpec& udp, const std::vector<uint8_t>& payload) {
    size_t len = 8 + payload.size();
    if (len > 0xffff) throw std::invalid_argument("packet_builder: UDP datagram over 65535 bytes");
    std::vector<uint8_t> s;
    s.reserve(len);
    put16(s, udp.sport);
    put16(s, udp.dport);
    put16(s, uint16_t(len));
    put16(s, 0);  // checksum
    s.insert(s.end(), payload.begin(), payload.end());
    return s;
}

std::vector<uint8_t> tcp_options(const TcpSpec& t) {
    std::vector<uint8_t> o;
    if (t.mss) {
        put8(o, 2); put8(o, 4); put16(o, *t.mss);
    }
    if (t.tsval) {
        if (t.sack_perm) { put8(o, 4); put8(o, 2); }
        else { put8(o, 1); put8(o, 1); }
        put8(o, 8); put8(o, 10); put32(o, *t.tsval); put32(o, t.tsecr);
    } else if (t.sack_perm) {
        put8(o, 1); put8(o, 1); put8(o, 4); put8(o, 2);
    }
    if (t.wscale) {
        put8(o, 1); put8(o, 3); put8(o, 3); put8(o, *t.wscale);
    }
    if (!t.sack_blocks.empty()) {
        put8(o, 1); put8(o, 1); put8(o, 5); put8(o, uint8_t(2 + 8 * t.sack_blocks.size()));
        for (auto [left, right] : t.sack_blocks) { put32(o, left); put32(o, right); }
    }
    if (o.size() > 40) throw std::invalid_argument("packet_builder: TCP options over 40 bytes");
    o.resize((o.size() + 3) / 4 * 4, 0);  // EOL padding (Linux's layout never needs it)
    return o;
}

}  // namespace

std::vector<uint8_t> build_tcp(const L2Spec& l2, const IpSpec& ip, const TcpSpec& tcp,
                               const std::vector<uint8_t>& payload) {
    std::vector<uint8_t> opts = tcp_options(tcp);
    std::vector<uint8_t> s;
    s.reserve(20 + opts.size() + payload.size());
    put16(s, tcp.sport);
    put16(s, tcp.dport);
    put32(s, tcp.seq);
    put32(s, tcp.ack);
    put8(s, uint8_t((20 + opts.size()) / 4 << 4));
    put8(s, tcp.flags);
    put16(s, tcp.window);
    put16(s, 0);  // checksum, filled by wrap()
    put16(s, 0);  // urgent pointer
    s.insert(s.end(), opts.begin(), opts.end());
    s.insert(s.end(), payload.begin(), payload.end());
    return wrap(l2, ip, kProtoTcp, std::move(s), 16);
}

std::vector<uint8_t> build_udp(const L2Spec& l2, const IpSpec& ip, const UdpSpec& udp,
                               const std::vector<uint8_t>& payload) {
    return wrap(l2, ip, kProtoUdp, udp_segment(udp, payload), 6);
}

std::vector<std::vector<uint8_t>> build_udp_fragments(const L2Spec& l2, const IpSpec& ip, const UdpSpec& udp,
                                                      const std::vector<uint8_t>& payload, size_t mtu,
                                                      uint32_t ipv6_ident) {
    check_families(ip);
    const bool v4 = ip.src.is_v4();
    if (v4 && ip.df) throw std::invalid_argument("packet_builder: DF set on a datagram to fragment");
    if (v4 && !ip.ipv4_options.empty())
        throw std::invalid_argument("packet_builder: IPv4 options in fragments are not supported");
    std::vector<uint8_t> l4 = udp_segment(udp, payload);
    set_l4_checksum(ip, kProtoUdp, l4, 6);

    // The unfragmentable part every fragment repeats: the IP header and, for
    // IPv6, the extension headers given; IPv6 fragments add a Fragment header.
    size_t unfragmentable = v4 ? 20 : 40;
    for (const Ipv6ExtHeader& h : ip.ipv6_ext) unfragmentable += (2 + h.body.size() + 7) / 8 * 8;
    if (unfragmentable + l4.size() <= mtu)
        throw std::invalid_argument("packet_builder: the datagram fits the MTU, nothing to fragment");
    const size_t overhead = unfragmentable + (v4 ? 0 : 8);
    if (mtu < overhead + 8) throw std::invalid_argument("packet_builder: MTU too small to fragment");
    const size_t per_fragment = (mtu - overhead) / 8 * 8;

    std::vector<std::vector<uint8_t>> out;
    for (size_t off = 0; off < l4.size(); off += per_fragment) {
        const size_t n = std::min(per_fragment, l4.size() - off);
        const bool more = off + n < l4.size();
        if (v4) {
            out.push_back(ip_frame(l2, ip, kProtoUdp, l4.data() + off, n, uint16_t((more ? 0x2000 : 0) | off / 8)));
        } else {
            IpSpec fip = ip;
            Ipv6ExtHeader fh;
            fh.type = 44;
            put16(fh.body, uint16_t(off / 8 << 3 | (more ? 1 : 0)));
            put32(fh.body, ipv6_ident);
            fip.ipv6_ext.push_back(std::move(fh));
            out.push_back(ip_frame(l2, fip, kProtoUdp, l4.data() + off, n, 0));
        }
    }
    return out;
}

}  // namespace cs::gen
