// decode: frames from the packet builder for every L2/L3/L4 combination (with
// their checksums recomputed here, independently of the builder), one crafted
// frame per anomaly reason, every truncation and many single-byte corruptions
// of good frames.
#include "pipeline/decode.h"
#include "pipeline/decode_frame.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tools/gen/packet_builder.h"

namespace cs {
namespace {

using gen::Ipv6ExtHeader;
using gen::IpSpec;
using gen::L2Spec;
using gen::TcpSpec;
using gen::UdpSpec;
using Bytes = std::vector<uint8_t>;

IpAddr ip(const char* text) {
    auto a = IpAddr::parse(text);
    EXPECT_TRUE(a.has_value()) << text;
    return a.value_or(IpAddr{});
}

IpSpec v4(const char* s = "146.20.193.73", const char* d = "172.16.2.2") {
    IpSpec i;
    i.src = ip(s);
    i.dst = ip(d);
    return i;
}

IpSpec v6(const char* s = "2001:db8::1", const char* d = "2001:db8:0:1::2") {
    IpSpec i;
    i.src = ip(s);
    i.dst = ip(d);
    i.ttl = 57;
    return i;
}

TcpSpec syn() {
    TcpSpec t;
    t.sport = 25010;
    t.dport = 5061;
    t.seq = 0x11223344;
    t.flags = kSyn;
    t.window = 64240;
    t.mss = 1460;
    t.sack_perm = true;
    t.tsval = 3735928559u;
    t.tsecr = 0;
    t.wscale = 7;
    return t;
}

TcpSpec data_segment() {
    TcpSpec t;
    t.sport = 5061;
    t.dport = 25010;
    t.seq = 1000;
    t.ack = 2000;
    t.flags = kAck | kPsh;
    t.window = 502;
    t.tsval = 12345;
    t.tsecr = 67890;
    return t;
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes sequence(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = uint8_t(i * 7 + 3);
    return b;
}

uint16_t be16(const Bytes& f, size_t at) { return uint16_t(f[at] << 8 | f[at + 1]); }
void set_be16(Bytes& f, size_t at, uint16_t v) {
    f[at] = uint8_t(v >> 8);
    f[at + 1] = uint8_t(v);
}

// Independent of the builder's checksum code: 64-bit accumulation of the whole
// region including the transmitted checksum; a correct one folds to 0xffff.
uint16_t ones_sum(const uint8_t* p, size_t n, uint64_t acc = 0) {
    for (size_t i = 0; i < n; ++i) acc += (i % 2 == 0) ? uint64_t(p[i]) << 8 : p[i];
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return uint16_t(acc);
}

void fix_ipv4_checksum(Bytes& f, size_t l3) {
    size_t ihl = (f[l3] & 0x0f) * 4u;
    set_be16(f, l3 + 10, 0);
    set_be16(f, l3 + 10, uint16_t(~ones_sum(f.data() + l3, ihl)));
}

// Where the layers start in a frame, found by the test from what it asked the
// builder for, not by decode.
struct Layout {
    size_t l3 = 14;
    size_t l4 = 0;
    size_t l4_len = 0;
};

void expect_checksums_valid(const Bytes& f, const Layout& at, uint8_t proto) {
    bool is_v4 = (f[at.l3] >> 4) == 4;
    uint64_t acc = 0;
    if (is_v4) {
        size_t ihl = (f[at.l3] & 0x0f) * 4u;
        EXPECT_EQ(ones_sum(f.data() + at.l3, ihl), 0xffff) << "IPv4 header checksum";
        for (size_t i = 12; i < 20; i += 2) acc += be16(f, at.l3 + i);
        acc += proto;
        acc += at.l4_len;
    } else {
        for (size_t i = 8; i < 40; i += 2) acc += be16(f, at.l3 + i);
        acc += at.l4_len;
        acc += proto;
    }
    EXPECT_EQ(ones_sum(f.data() + at.l4, at.l4_len, acc), 0xffff) << "L4 checksum over the pseudo-header";
    size_t csum_at = at.l4 + (proto == 6 ? 16 : 6);
    EXPECT_NE(be16(f, csum_at), 0) << "a computed checksum is never sent as 0";
}

DecodeStatus decode(const Bytes& f, PacketView& v) { return decode_packet(f.data(), uint32_t(f.size()), v); }

void expect_payload(const PacketView& v, const Bytes& frame, const Bytes& want) {
    ASSERT_EQ(v.payload_len, want.size());
    ASSERT_NE(v.payload, nullptr);
    EXPECT_GE(v.payload, frame.data());
    EXPECT_LE(v.payload + v.payload_len, frame.data() + frame.size());
    EXPECT_EQ(0, std::memcmp(v.payload, want.data(), want.size()));
}

// ---------------------------------------------------------------- good frames

TEST(Decode, LinuxSynIs74BytesWithOptionsInLinuxOrder) {
    Bytes f = gen::build_tcp({}, v4(), syn());
    ASSERT_EQ(f.size(), 74u);
    const uint8_t want_opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0xde, 0xad, 0xbe, 0xef,
                                   0, 0, 0, 0, 1, 3, 3, 7};
    EXPECT_EQ(0, std::memcmp(f.data() + 54, want_opts, 20));
    expect_checksums_valid(f, {14, 34, 40}, 6);

    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.ip_version, 4);
    EXPECT_EQ(v.src, ip("146.20.193.73"));
    EXPECT_EQ(v.dst, ip("172.16.2.2"));
    EXPECT_EQ(v.ttl, 64);
    EXPECT_TRUE(v.df);
    EXPECT_FALSE(v.fragment);
    EXPECT_TRUE(v.is_tcp());
    EXPECT_EQ(v.sport, 25010);
    EXPECT_EQ(v.dport, 5061);
    EXPECT_EQ(v.seq, 0x11223344u);
    EXPECT_EQ(v.ack, 0u);
    EXPECT_EQ(v.tcp_flags, kSyn);
    EXPECT_EQ(v.window, 64240);
    EXPECT_EQ(v.tcp_opts.present, TcpOptions::kHasMss | TcpOptions::kHasSackPerm | TcpOptions::kHasTs |
                                      TcpOptions::kHasWs);
    EXPECT_EQ(v.tcp_opts.mss, 1460);
    EXPECT_EQ(v.tcp_opts.wscale, 7);
    EXPECT_EQ(v.tcp_opts.tsval, 3735928559u);
    EXPECT_EQ(v.tcp_opts.tsecr, 0u);
    EXPECT_EQ(v.tcp_opts.count, 5);  // MSS, SACK_PERM, TS, NOP, WS
    EXPECT_EQ(v.payload_len, 0u);
    EXPECT_EQ(v.wire_len, 74u);
    EXPECT_EQ(v.vlan_count, 0);
}

TEST(Decode, SynWithoutTimestampsUsesNopNopSackPerm) {
    TcpSpec t = syn();
    t.tsval.reset();
    Bytes f = gen::build_tcp({}, v4(), t);
    const uint8_t want_opts[12] = {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7};
    ASSERT_EQ(f.size(), 54u + 12);
    EXPECT_EQ(0, std::memcmp(f.data() + 54, want_opts, 12));
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_opts.present, TcpOptions::kHasMss | TcpOptions::kHasSackPerm | TcpOptions::kHasWs);
    EXPECT_EQ(v.tcp_opts.count, 6);  // MSS, NOP, NOP, SACK_PERM, NOP, WS
}

TEST(Decode, DataSegmentWithNopNopTimestamp) {
    Bytes payload = sequence(1388);
    Bytes f = gen::build_tcp({}, v4("172.16.2.2", "146.20.193.73"), data_segment(), payload);
    ASSERT_EQ(f.size(), 14u + 20 + 32 + 1388);
    const uint8_t want_opts[4] = {1, 1, 8, 10};
    EXPECT_EQ(0, std::memcmp(f.data() + 54, want_opts, 4));
    expect_checksums_valid(f, {14, 34, 32 + 1388}, 6);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_flags, kAck | kPsh);
    EXPECT_EQ(v.seq, 1000u);
    EXPECT_EQ(v.ack, 2000u);
    EXPECT_EQ(v.window, 502);
    EXPECT_EQ(v.tcp_opts.present, TcpOptions::kHasTs);
    EXPECT_EQ(v.tcp_opts.tsval, 12345u);
    EXPECT_EQ(v.tcp_opts.tsecr, 67890u);
    EXPECT_EQ(v.tcp_opts.count, 3);
    expect_payload(v, f, payload);
    EXPECT_EQ(v.payload, f.data() + 66);  // points into the input, not a copy
}

TEST(Decode, SackBlocks) {
    TcpSpec t = data_segment();
    t.sack_blocks = {{5000, 6000}, {7000, 8000}};
    Bytes f = gen::build_tcp({}, v4(), t);
    ASSERT_EQ(f.size(), 14u + 20 + 20 + 12 + 20);
    expect_checksums_valid(f, {14, 34, 52}, 6);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_opts.present, TcpOptions::kHasTs | TcpOptions::kHasSack);
    EXPECT_EQ(v.tcp_opts.count, 6);  // NOP NOP TS NOP NOP SACK
}

TEST(Decode, BareAckIsPaddedToEthernetMinimumAndPaddingIsNotPayload) {
    TcpSpec t;
    t.sport = 5062;
    t.dport = 40000;
    t.flags = kAck;
    t.seq = 1;
    t.ack = 1;
    Bytes f = gen::build_tcp({}, v4(), t);
    ASSERT_EQ(f.size(), 60u);  // 54 bytes of headers + 6 bytes of padding
    expect_checksums_valid(f, {14, 34, 20}, 6);
    // Non-zero padding, as some switches send it: still not payload.
    for (size_t i = 54; i < 60; ++i) f[i] = 0xa5;
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.payload_len, 0u);
    EXPECT_EQ(v.tcp_opts.count, 0);
    EXPECT_EQ(v.tcp_opts.present, 0);
}

TEST(Decode, TrailingFcsIsNotPayload) {
    Bytes payload = text("INVITE sip:bob@example.com SIP/2.0\r\n");
    Bytes f = gen::build_tcp({}, v4(), data_segment(), payload);
    for (uint8_t b : {0xde, 0xad, 0xbe, 0xef}) f.push_back(b);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    expect_payload(v, f, payload);
}

TEST(Decode, ShortUdpPaddingIsNotPayload) {
    Bytes payload = {0x0d, 0x0a};  // a SIP keep-alive CRLF
    Bytes f = gen::build_udp({}, v4(), {5060, 5060}, payload);
    ASSERT_EQ(f.size(), 60u);
    expect_checksums_valid(f, {14, 34, 10}, 17);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_TRUE(v.is_udp());
    expect_payload(v, f, payload);
}

TEST(Decode, Vlan8021Q) {
    L2Spec l2;
    l2.vlans = {100};
    Bytes f = gen::build_tcp(l2, v4(), syn());
    ASSERT_EQ(f.size(), 78u);
    EXPECT_EQ(be16(f, 12), 0x8100);
    EXPECT_EQ(be16(f, 14), 100);
    EXPECT_EQ(be16(f, 16), 0x0800);
    expect_checksums_valid(f, {18, 38, 40}, 6);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.vlan_count, 1);
    EXPECT_EQ(v.vlan[0], 100);
    EXPECT_EQ(v.sport, 25010);
    EXPECT_EQ(v.tcp_opts.mss, 1460);
}

TEST(Decode, VlanPriorityBitsAreNotPartOfTheId) {
    L2Spec l2;
    l2.vlans = {0xa000 | 42};  // PCP 5, VID 42
    Bytes f = gen::build_udp(l2, v4(), {53, 5353}, sequence(30));
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.vlan[0], 42);
}

TEST(Decode, QinQOuter88a8) {
    L2Spec l2;
    l2.vlans = {300, 20};
    Bytes payload = sequence(100);
    Bytes f = gen::build_udp(l2, v6(), {5060, 5060}, payload);
    EXPECT_EQ(be16(f, 12), 0x88a8);
    EXPECT_EQ(be16(f, 16), 0x8100);
    EXPECT_EQ(be16(f, 20), 0x86dd);
    expect_checksums_valid(f, {22, 62, 108}, 17);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.vlan_count, 2);
    EXPECT_EQ(v.vlan[0], 300);
    EXPECT_EQ(v.vlan[1], 20);
    EXPECT_EQ(v.ip_version, 6);
    expect_payload(v, f, payload);
}

TEST(Decode, QinQOuter9100And8100) {
    L2Spec l2;
    l2.vlans = {7, 8};
    for (uint16_t outer : {0x9100, 0x8100}) {
        Bytes f = gen::build_tcp(l2, v4(), syn());
        set_be16(f, 12, outer);
        PacketView v;
        ASSERT_EQ(decode(f, v), DecodeStatus::kOk) << std::hex << outer;
        EXPECT_EQ(v.vlan_count, 2);
        EXPECT_EQ(v.vlan[0], 7);
        EXPECT_EQ(v.vlan[1], 8);
        EXPECT_EQ(v.dport, 5061);
    }
}

TEST(Decode, Ipv4OptionsArePaddedAndSkipped) {
    IpSpec i = v4();
    i.ipv4_options = {0x07, 0x07, 0x04, 0, 0, 0, 0};  // record route, one empty slot: 7 bytes -> 8
    i.ip_id = 0xbeef;
    i.df = false;
    i.ttl = 251;
    Bytes payload = text("OPTIONS sip:x SIP/2.0\r\n\r\n");
    Bytes f = gen::build_udp({}, i, {5060, 5060}, payload);
    EXPECT_EQ(f[14], 0x47);  // IHL 7
    EXPECT_EQ(f[14 + 27], 0);  // EOL pad
    expect_checksums_valid(f, {14, 42, 8 + payload.size()}, 17);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.ip_id, 0xbeef);
    EXPECT_FALSE(v.df);
    EXPECT_EQ(v.ttl, 251);
    EXPECT_EQ(v.sport, 5060);
    expect_payload(v, f, payload);
}

TEST(Decode, Ipv4MaximumOptions) {
    IpSpec i = v4();
    i.ipv4_options.assign(40, 1);  // 40 NOPs: IHL 15
    Bytes f = gen::build_tcp({}, i, syn());
    EXPECT_EQ(f[14], 0x4f);
    expect_checksums_valid(f, {14, 74, 40}, 6);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_opts.mss, 1460);
}

TEST(Decode, Ipv6Tcp) {
    Bytes payload = sequence(1200);
    Bytes f = gen::build_tcp({}, v6(), data_segment(), payload);
    EXPECT_EQ(be16(f, 12), 0x86dd);
    EXPECT_EQ(be16(f, 18), 32 + 1200);
    expect_checksums_valid(f, {14, 54, 32 + 1200}, 6);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.ip_version, 6);
    EXPECT_EQ(v.ttl, 57);
    EXPECT_EQ(v.ip_id, 0);
    EXPECT_FALSE(v.df);
    EXPECT_EQ(v.src, ip("2001:db8::1"));
    EXPECT_EQ(v.dst, ip("2001:db8:0:1::2"));
    EXPECT_FALSE(v.src.is_v4());
    expect_payload(v, f, payload);
}

TEST(Decode, Ipv6ExtensionHeaderChain) {
    IpSpec i = v6();
    // Router alert in hop-by-hop (4 bytes of option + PadN), a type-0-free routing
    // header, destination options, a first fragment and an AH.
    i.ipv6_ext = {
        Ipv6ExtHeader{0, {5, 2, 0, 0}},
        Ipv6ExtHeader{43, {4, 0, 0, 0, 0, 0}},
        Ipv6ExtHeader{60, {}},
        Ipv6ExtHeader{44, {0x00, 0x01, 0x12, 0x34, 0x56, 0x78}},  // offset 0, M=1
        Ipv6ExtHeader{51, {0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
    };
    Bytes payload = sequence(77);
    Bytes f = gen::build_udp({}, i, {5060, 5061}, payload);
    // 8 + 8 + 8 + 8 + 24 bytes of extension headers.
    size_t ext = 56;
    EXPECT_EQ(f[20], 0);       // first next-header: hop-by-hop
    EXPECT_EQ(f[54], 43);      // hop-by-hop -> routing
    EXPECT_EQ(f[54 + 8 + 8 + 8 + 1], 0);  // fragment "length" byte is reserved
    EXPECT_EQ(f[54 + 32 + 1], 24 / 4 - 2);  // AH length in 4-byte units minus 2
    EXPECT_EQ(f[54 + 32], 17);  // AH -> UDP
    expect_checksums_valid(f, {14, 54 + ext, 85}, 17);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_TRUE(v.fragment);  // a first fragment: L4 header present
    EXPECT_TRUE(v.is_udp());
    EXPECT_EQ(v.sport, 5060);
    EXPECT_EQ(v.dport, 5061);
    expect_payload(v, f, payload);
    // The fragment's data starts after the fragment header: AH, then UDP.
    EXPECT_EQ(v.frag_data, f.data() + 54 + 32);
    EXPECT_EQ(v.frag_len, 24 + 8 + 77);
    EXPECT_EQ(v.frag_proto, 51);
    EXPECT_EQ(v.frag_id, 0x12345678u);
    EXPECT_EQ(v.frag_offset, 0);
    EXPECT_TRUE(v.more_fragments);
}

TEST(Decode, Ipv6PadNInOptionHeaders) {
    IpSpec i = v6();
    i.ipv6_ext = {Ipv6ExtHeader{60, {0x1e, 0x01, 0x00}}};  // 5 bytes used -> PadN of 3
    Bytes f = gen::build_tcp({}, i, syn());
    const uint8_t want[8] = {6, 0, 0x1e, 0x01, 0x00, 1, 1, 0};
    EXPECT_EQ(0, std::memcmp(f.data() + 54, want, 8));
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_opts.mss, 1460);
}

TEST(Decode, Ipv6NonFirstFragment) {
    IpSpec i = v6();
    i.ipv6_ext = {Ipv6ExtHeader{44, {0x05, 0x88, 0, 0, 0, 42}}};  // offset 177*8, M=0
    Bytes f = gen::build_udp({}, i, {5060, 5060}, sequence(200));
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kFragment);
    EXPECT_TRUE(v.fragment);
    EXPECT_EQ(v.ip_version, 6);
    EXPECT_EQ(v.src, ip("2001:db8::1"));
    EXPECT_EQ(v.l4_proto, 17);
    EXPECT_EQ(v.sport, 0);  // no L4 header in a later fragment
    EXPECT_EQ(v.payload_len, 0u);
    // What reassembly needs: the builder's "UDP header" is fragment data here.
    EXPECT_EQ(v.frag_id, 42u);
    EXPECT_EQ(v.frag_offset, 177 * 8);
    EXPECT_FALSE(v.more_fragments);
    EXPECT_EQ(v.frag_proto, 17);
    EXPECT_EQ(v.frag_data, f.data() + 14 + 40 + 8);
    EXPECT_EQ(v.frag_len, 8 + 200);
    EXPECT_EQ(v.ip_id, 0);
}

TEST(Decode, Ipv6FragmentHeaderAfterHopByHopAndItsIdentification) {
    IpSpec i = v6();
    i.ipv6_ext = {Ipv6ExtHeader{0, {5, 2, 0, 0}}, Ipv6ExtHeader{44, {0x00, 0xb9, 0xde, 0xad, 0xbe, 0xef}}};
    Bytes f = gen::build_udp({}, i, {5060, 5060}, sequence(64));  // offset 23*8, M=1
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kFragment);
    EXPECT_EQ(v.frag_id, 0xdeadbeefu);
    EXPECT_EQ(v.frag_offset, 184);
    EXPECT_TRUE(v.more_fragments);
    EXPECT_EQ(v.frag_data, f.data() + 14 + 40 + 8 + 8);
    EXPECT_EQ(v.frag_len, 8 + 64);
}

TEST(Decode, SecondFragmentHeaderIsAnAnomaly) {
    // One datagram's pieces nested inside another's: RFC 8200 allows one fragment header.
    for (uint8_t second_off : {0x00, 0x08}) {
        IpSpec i = v6();
        i.ipv6_ext = {Ipv6ExtHeader{44, {0x00, 0x01, 0, 0, 0, 1}}, Ipv6ExtHeader{44, {0x00, second_off, 0, 0, 0, 2}}};
        Bytes f = gen::build_udp({}, i, {5060, 5060}, sequence(40));
        PacketView v;
        EXPECT_EQ(decode(f, v), DecodeStatus::kBadIpv6ExtHeader) << int(second_off);
    }
}

TEST(Decode, FragmentDataNotAllReadableHasNoPointer) {
    // A fragment continuing in a chained buffer: its facts, but no data pointer.
    for (int six = 0; six < 2; ++six) {
        IpSpec i = six ? v6() : v4();
        if (six) i.ipv6_ext = {Ipv6ExtHeader{44, {0x00, 0x09, 0, 0, 0, 5}}};  // offset 8, M=1
        Bytes f = gen::build_udp({}, i, {5060, 5060}, sequence(2000));
        if (!six) {
            set_be16(f, 14 + 6, 0x2000 | 1);  // MF, offset 8
            fix_ipv4_checksum(f, 14);
        }
        PacketView v;
        v.wire_len = uint32_t(f.size());
        ASSERT_EQ(decode_packet(f.data(), 1000, v), DecodeStatus::kFragment) << six;
        EXPECT_EQ(v.frag_data, nullptr);
        EXPECT_EQ(v.frag_len, 2008);
        EXPECT_EQ(v.frag_offset, 8);
        PacketView whole;
        ASSERT_EQ(decode(f, whole), DecodeStatus::kFragment);
        EXPECT_EQ(whole.frag_data, f.data() + f.size() - 2008);
        EXPECT_EQ(whole.frag_len, 2008);
    }
}

TEST(Decode, WholeDatagramsHaveNoFragmentFacts) {
    for (const IpSpec& i : {v4(), v6()}) {
        Bytes f = gen::build_udp({}, i, {5060, 5060}, sequence(100));
        PacketView v;
        v.frag_id = 9;  // stale from a previous frame: decode resets it
        ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
        EXPECT_FALSE(v.fragment);
        EXPECT_FALSE(v.more_fragments);
        EXPECT_EQ(v.frag_id, 0u);
        EXPECT_EQ(v.frag_offset, 0);
        EXPECT_EQ(v.frag_len, 0);
        EXPECT_EQ(v.frag_proto, 0);
        EXPECT_EQ(v.frag_data, nullptr);
    }
}

TEST(Decode, Ipv6FragmentHeaderVerdictFollowsTheOffsetNotTheMoreFlag) {
    struct Case {
        uint8_t off_hi, off_lo;  // offset (13 bits) << 3 | M
        DecodeStatus want;
    } cases[] = {
        {0x00, 0x00, DecodeStatus::kOk},        // atomic fragment (RFC 6946): whole datagram
        {0x00, 0x01, DecodeStatus::kOk},        // first of several
        {0x00, 0x09, DecodeStatus::kFragment},  // middle: offset 1, M=1
        {0x00, 0x08, DecodeStatus::kFragment},  // last: offset 1, M=0
    };
    for (const Case& c : cases) {
        IpSpec i = v6();
        i.ipv6_ext = {Ipv6ExtHeader{44, {c.off_hi, c.off_lo, 0, 0, 0, 1}}};
        Bytes f = gen::build_tcp({}, i, syn());
        PacketView v;
        EXPECT_EQ(decode(f, v), c.want) << int(c.off_lo);
        EXPECT_TRUE(v.fragment);
        EXPECT_EQ(v.sport, c.want == DecodeStatus::kOk ? 25010 : 0);
        EXPECT_EQ(v.frag_offset, (c.off_lo >> 3) * 8);
        EXPECT_EQ(v.more_fragments, (c.off_lo & 1) != 0);
        EXPECT_EQ(v.frag_proto, 6);
        EXPECT_EQ(v.frag_id, 1u);
        EXPECT_EQ(v.frag_len, 40);
    }
}

TEST(Decode, Ipv4MiddleFragment) {
    Bytes f = gen::build_udp({}, v4(), {5060, 5060}, sequence(100));
    set_be16(f, 14 + 6, 0x2000 | 185);  // MF and offset 185*8
    fix_ipv4_checksum(f, 14);
    PacketView v;
    EXPECT_EQ(decode(f, v), DecodeStatus::kFragment);
    EXPECT_TRUE(v.fragment);
    EXPECT_EQ(v.sport, 0);
    EXPECT_EQ(v.frag_offset, 185 * 8);
    EXPECT_TRUE(v.more_fragments);
    EXPECT_EQ(v.frag_data, f.data() + 34);
    EXPECT_EQ(v.frag_len, 108);
}

TEST(Decode, Ipv4FirstFragmentKeepsL4AndClipsPayload) {
    // SIP over UDP that did not fit the MTU: the first fragment carries the UDP
    // header whose length counts bytes still to come.
    Bytes payload = sequence(300);
    Bytes f = gen::build_udp({}, v4(), {5060, 5060}, payload);
    set_be16(f, 14 + 6, 0x2000);  // MF, offset 0
    size_t cut = 14 + 20 + 8 + 100;
    f.resize(cut);
    set_be16(f, 14 + 2, uint16_t(cut - 14));
    fix_ipv4_checksum(f, 14);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_TRUE(v.fragment);
    EXPECT_FALSE(v.df);
    EXPECT_EQ(v.dport, 5060);
    expect_payload(v, f, Bytes(payload.begin(), payload.begin() + 100));
    // Its fragment data is the UDP header and the first 100 bytes.
    EXPECT_EQ(v.frag_offset, 0);
    EXPECT_TRUE(v.more_fragments);
    EXPECT_EQ(v.frag_proto, 17);
    EXPECT_EQ(v.frag_data, f.data() + 34);
    EXPECT_EQ(v.frag_len, 108);
    EXPECT_EQ(v.frag_data + 8, v.payload);
}

TEST(Decode, Ipv4NonFirstFragmentFillsL3Only) {
    IpSpec i = v4("10.0.0.1", "10.0.0.2");
    i.ip_id = 777;
    i.df = false;
    i.ttl = 33;
    Bytes f = gen::build_udp({}, i, {5060, 5060}, sequence(100));
    set_be16(f, 14 + 6, 185);  // offset 185*8, last fragment
    fix_ipv4_checksum(f, 14);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kFragment);
    EXPECT_TRUE(v.fragment);
    EXPECT_EQ(v.ip_version, 4);
    EXPECT_EQ(v.ip_id, 777);
    EXPECT_EQ(v.frag_id, 777u);
    EXPECT_EQ(v.frag_offset, 1480);
    EXPECT_FALSE(v.more_fragments);
    EXPECT_EQ(v.ttl, 33);
    EXPECT_EQ(v.src, ip("10.0.0.1"));
    EXPECT_EQ(v.dst, ip("10.0.0.2"));
    EXPECT_EQ(v.sport, 0);
    EXPECT_EQ(v.payload, nullptr);
    EXPECT_FALSE(decode_status_is_anomaly(DecodeStatus::kFragment));
}

TEST(Decode, UdpDnsV4AndV6) {
    Bytes query = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1};
    for (const IpSpec& i : {v4("10.1.1.1", "8.8.8.8"), v6()}) {
        Bytes f = gen::build_udp({}, i, {40000, 53}, query);
        size_t l4 = i.src.is_v4() ? 34 : 54;
        expect_checksums_valid(f, {14, l4, 8 + query.size()}, 17);
        PacketView v;
        ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
        EXPECT_EQ(v.ip_version, i.src.is_v4() ? 4 : 6);
        EXPECT_EQ(v.sport, 40000);
        EXPECT_EQ(v.dport, 53);
        EXPECT_EQ(v.seq, 0u);
        EXPECT_EQ(v.tcp_opts.count, 0);
        expect_payload(v, f, query);
    }
}

TEST(Decode, UdpZeroChecksumIsSentAsFfff) {
    // Find a payload whose UDP checksum computes to 0, then check it goes out as 0xffff.
    for (uint32_t x = 0; x < 0x20000; ++x) {
        Bytes payload = {uint8_t(x >> 16), uint8_t(x >> 8), uint8_t(x)};
        Bytes f = gen::build_udp({}, v4("10.0.0.1", "10.0.0.2"), {1, 2}, payload);
        if (be16(f, 40) == 0xffff) {
            expect_checksums_valid(f, {14, 34, 11}, 17);
            return;
        }
    }
    FAIL() << "no payload with a zero UDP checksum found";
}

TEST(Decode, OtherIpProtocolIsNotTcpUdpWithL3Filled) {
    Bytes f = gen::build_udp({}, v4("192.0.2.9", "198.51.100.7"), {0, 0}, sequence(20));
    f[14 + 9] = 1;  // ICMP
    fix_ipv4_checksum(f, 14);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kNotTcpUdp);
    EXPECT_EQ(v.l4_proto, 1);
    EXPECT_EQ(v.src, ip("192.0.2.9"));
    EXPECT_EQ(v.dst, ip("198.51.100.7"));
    EXPECT_FALSE(decode_status_is_anomaly(DecodeStatus::kNotTcpUdp));

    IpSpec i = v6();
    Bytes g = gen::build_udp({}, i, {0, 0}, sequence(20));
    g[20] = 58;  // ICMPv6
    ASSERT_EQ(decode(g, v), DecodeStatus::kNotTcpUdp);
    EXPECT_EQ(v.l4_proto, 58);
    EXPECT_EQ(v.ip_version, 6);

    i.ipv6_ext = {Ipv6ExtHeader{60, {}}};
    Bytes h = gen::build_udp({}, i, {0, 0}, sequence(20));
    h[54] = 50;  // destination options -> ESP
    ASSERT_EQ(decode(h, v), DecodeStatus::kNotTcpUdp);
    EXPECT_EQ(v.l4_proto, 50);
}

TEST(Decode, NonIpEthertypes) {
    Bytes arp(60, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    PacketView v;
    EXPECT_EQ(decode(arp, v), DecodeStatus::kNotIp);
    Bytes llc(60, 0);
    llc[13] = 0x2e;  // 802.3 length field, not an ethertype
    EXPECT_EQ(decode(llc, v), DecodeStatus::kNotIp);
    L2Spec l2;
    l2.vlans = {5};
    Bytes tagged_arp = gen::build_udp(l2, v4(), {1, 2});
    set_be16(tagged_arp, 16, 0x0806);
    EXPECT_EQ(decode(tagged_arp, v), DecodeStatus::kNotIp);
    EXPECT_EQ(v.vlan_count, 1);
    EXPECT_EQ(v.vlan[0], 5);
    EXPECT_FALSE(decode_status_is_anomaly(DecodeStatus::kNotIp));
}

// Wraps the IP datagram of an untagged frame in a PPPoE session header.
Bytes pppoe(const Bytes& eth_frame, uint16_t ppp_proto) {
    Bytes f(eth_frame.begin(), eth_frame.begin() + 12);
    uint16_t ip_len = uint16_t(eth_frame.size() - 14);
    for (uint8_t b : {0x88, 0x64, 0x11, 0x00, 0x12, 0x34}) f.push_back(b);
    f.push_back(uint8_t((ip_len + 2) >> 8));
    f.push_back(uint8_t(ip_len + 2));
    f.push_back(uint8_t(ppp_proto >> 8));
    f.push_back(uint8_t(ppp_proto));
    f.insert(f.end(), eth_frame.begin() + 14, eth_frame.end());
    return f;
}

TEST(Decode, PppoeSession) {
    Bytes payload = text("REGISTER sip:example.com SIP/2.0\r\n");
    PacketView v;
    Bytes f4 = pppoe(gen::build_udp({}, v4(), {5060, 5060}, payload), 0x0021);
    ASSERT_EQ(decode(f4, v), DecodeStatus::kOk);
    EXPECT_EQ(v.ip_version, 4);
    EXPECT_EQ(v.src, ip("146.20.193.73"));
    expect_payload(v, f4, payload);
    Bytes f6 = pppoe(gen::build_tcp({}, v6(), syn()), 0x0057);
    ASSERT_EQ(decode(f6, v), DecodeStatus::kOk);
    EXPECT_EQ(v.ip_version, 6);
    EXPECT_EQ(v.tcp_opts.mss, 1460);
    Bytes lcp = pppoe(gen::build_udp({}, v4(), {1, 2}), 0xc021);
    EXPECT_EQ(decode(lcp, v), DecodeStatus::kNotIp);
    Bytes cut(f4.begin(), f4.begin() + 21);  // PPP protocol cut in half
    EXPECT_EQ(decode(cut, v), DecodeStatus::kTruncatedEthernet);
    Bytes whole_hdr(f4.begin(), f4.begin() + 22);  // header whole, no IP
    EXPECT_EQ(decode(whole_hdr, v), DecodeStatus::kTruncatedIpv4);
}

TEST(Decode, ReusedViewKeepsCaptureFieldsAndDropsStaleL4) {
    PacketView v;
    v.ts_ns = 1234567890123ull;
    v.frame = 42;
    v.vantage = 3;
    v.wire_len = 9000;  // capture's figure (a jumbo mbuf chain), not decode's
    ASSERT_EQ(decode(gen::build_tcp({}, v4(), syn()), v), DecodeStatus::kOk);
    ASSERT_EQ(decode(gen::build_udp({}, v6(), {53, 53}, sequence(4)), v), DecodeStatus::kOk);
    EXPECT_EQ(v.ts_ns, 1234567890123ull);
    EXPECT_EQ(v.frame, 42u);
    EXPECT_EQ(v.vantage, 3);
    EXPECT_EQ(v.wire_len, 9000u);
    EXPECT_EQ(v.seq, 0u);
    EXPECT_EQ(v.tcp_flags, 0);
    EXPECT_EQ(v.tcp_opts.present, 0);
    EXPECT_EQ(v.tcp_opts.count, 0);
    EXPECT_FALSE(v.df);
    Bytes arp(60, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    ASSERT_EQ(decode(arp, v), DecodeStatus::kNotIp);
    EXPECT_EQ(v.ip_version, 0);
    EXPECT_EQ(v.l4_proto, 0);
    EXPECT_EQ(v.payload, nullptr);
    EXPECT_EQ(v.src, IpAddr{});
}

TEST(Decode, StatusNamesAreDistinct) {
    std::set<std::string> names;
    for (int s = 0; s < int(DecodeStatus::kCount); ++s) {
        std::string n = decode_status_name(DecodeStatus(s));
        EXPECT_NE(n, "unknown") << s;
        EXPECT_FALSE(n.empty());
        names.insert(n);
    }
    EXPECT_EQ(names.size(), size_t(DecodeStatus::kCount));
    EXPECT_STREQ(decode_status_name(DecodeStatus::kOk), "ok");
}

// ---------------------------------------------------------------- anomalies

struct Anomaly {
    std::string why;
    Bytes frame;
    DecodeStatus want;
};

Bytes tcp_v4_frame() { return gen::build_tcp({}, v4(), syn()); }  // L3 at 14, TCP at 34, options 54..74
Bytes udp_v4_frame() { return gen::build_udp({}, v4(), {5060, 5060}, sequence(40)); }  // UDP at 34
Bytes udp_v6_frame(std::vector<Ipv6ExtHeader> ext = {}) {
    IpSpec i = v6();
    i.ipv6_ext = std::move(ext);
    return gen::build_udp({}, i, {5060, 5060}, sequence(40));
}

// Sets an IPv4 total length consistent with a frame cut to `l4_bytes` of L4.
Bytes cut_ipv4_l4(Bytes f, size_t l4_bytes) {
    f.resize(34 + l4_bytes);
    set_be16(f, 16, uint16_t(20 + l4_bytes));
    fix_ipv4_checksum(f, 14);
    return f;
}

std::vector<Anomaly> anomalies() {
    std::vector<Anomaly> a;
    a.push_back({"13-byte frame", Bytes(13, 0), DecodeStatus::kTruncatedEthernet});
    a.push_back({"empty frame", Bytes{}, DecodeStatus::kTruncatedEthernet});
    {
        Bytes f = tcp_v4_frame();
        set_be16(f, 12, 0x8100);
        f.resize(16);
        a.push_back({"802.1Q tag cut after the TCI", f, DecodeStatus::kTruncatedVlan});
    }
    {
        L2Spec l2;
        l2.vlans = {1, 2, 3};
        a.push_back({"three VLAN tags", gen::build_tcp(l2, v4(), syn()), DecodeStatus::kTooManyVlans});
    }
    {
        Bytes f = tcp_v4_frame();
        f.resize(14 + 19);
        a.push_back({"19 bytes of IPv4", f, DecodeStatus::kTruncatedIpv4});
    }
    {
        IpSpec i = v4();
        i.ipv4_options.assign(12, 1);
        Bytes f = gen::build_udp({}, i, {1, 2});
        f.resize(14 + 24);  // IHL says 32
        a.push_back({"IPv4 header longer than the frame", f, DecodeStatus::kTruncatedIpv4});
    }
    {
        Bytes f = tcp_v4_frame();
        f[14] = 0x55;
        fix_ipv4_checksum(f, 14);
        a.push_back({"IPv4 version 5", f, DecodeStatus::kBadIpv4Header});
    }
    {
        Bytes f = tcp_v4_frame();
        f[14] = 0x44;
        a.push_back({"IPv4 IHL 4", f, DecodeStatus::kBadIpv4Header});
    }
    {
        Bytes f = tcp_v4_frame();
        set_be16(f, 16, 19);
        fix_ipv4_checksum(f, 14);
        a.push_back({"IPv4 total length below the header", f, DecodeStatus::kBadIpv4Length});
    }
    {
        Bytes f = tcp_v4_frame();
        set_be16(f, 16, 61);  // captured: 60
        fix_ipv4_checksum(f, 14);
        a.push_back({"IPv4 total length past the capture", f, DecodeStatus::kBadIpv4Length});
    }
    {
        Bytes f = udp_v6_frame();
        f.resize(14 + 39);
        a.push_back({"39 bytes of IPv6", f, DecodeStatus::kTruncatedIpv6});
    }
    {
        Bytes f = udp_v6_frame();
        set_be16(f, 18, 49);  // 48 present
        a.push_back({"IPv6 payload length past the capture", f, DecodeStatus::kBadIpv6Length});
    }
    {
        Bytes f = udp_v6_frame({Ipv6ExtHeader{0, {0xc2, 4, 0, 1, 0, 0}}});  // jumbo payload option
        set_be16(f, 18, 0);
        a.push_back({"IPv6 jumbogram (payload length 0)", f, DecodeStatus::kBadIpv6Length});
    }
    {
        Bytes f = udp_v6_frame();
        f[14] = 0x40;
        a.push_back({"IPv6 ethertype with version 4", f, DecodeStatus::kBadIpv6Length});
    }
    {
        std::vector<Ipv6ExtHeader> ext(9, Ipv6ExtHeader{60, {}});
        a.push_back({"nine extension headers", udp_v6_frame(ext), DecodeStatus::kBadIpv6ExtHeader});
    }
    {
        Bytes f = udp_v6_frame({Ipv6ExtHeader{60, {}}});
        f[55] = 20;  // 168 bytes claimed, 56 present
        a.push_back({"extension header longer than the payload", f, DecodeStatus::kBadIpv6ExtHeader});
    }
    {
        Bytes f = udp_v6_frame({Ipv6ExtHeader{51, {0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}}});
        f[55] = 40;  // (40+2)*4 bytes
        a.push_back({"AH longer than the payload", f, DecodeStatus::kBadIpv6ExtHeader});
    }
    {
        Bytes f = udp_v6_frame({Ipv6ExtHeader{60, {}}});
        f[54] = 44;  // destination options -> fragment, but only the 48 bytes of UDP follow...
        f.resize(14 + 40 + 8 + 4);
        set_be16(f, 18, 12);  // ...cut to 4: a fragment header needs 8
        a.push_back({"fragment header cut short", f, DecodeStatus::kBadIpv6ExtHeader});
    }
    {
        Bytes f = udp_v6_frame();
        f[20] = 0;  // hop-by-hop, with 0 bytes after the fixed header
        f.resize(54);
        set_be16(f, 18, 1);
        f.push_back(0);
        a.push_back({"one byte of extension header", f, DecodeStatus::kBadIpv6ExtHeader});
    }
    a.push_back({"10 bytes of TCP", cut_ipv4_l4(tcp_v4_frame(), 10), DecodeStatus::kTruncatedTcp});
    {
        Bytes f = tcp_v4_frame();
        f[34 + 12] = 0x40;  // data offset 4
        a.push_back({"TCP data offset 4", f, DecodeStatus::kBadTcpOffset});
    }
    {
        Bytes f = tcp_v4_frame();
        f[34 + 12] = 0xf0;  // 60-byte header, 40-byte segment
        a.push_back({"TCP data offset past the segment", f, DecodeStatus::kBadTcpOffset});
    }
    {
        Bytes f = tcp_v4_frame();
        f[54 + 1] = 0;  // MSS length 0
        a.push_back({"TCP option length 0", f, DecodeStatus::kBadTcpOption});
    }
    {
        Bytes f = tcp_v4_frame();
        f[54 + 5] = 1;  // SACK_PERM length 1
        a.push_back({"TCP option length 1", f, DecodeStatus::kBadTcpOption});
    }
    {
        Bytes f = tcp_v4_frame();
        f[54 + 18] = 8;  // WS (kind at 17) claims 8 bytes of a 20-byte option space
        a.push_back({"TCP option running past the header", f, DecodeStatus::kBadTcpOption});
    }
    {
        Bytes f = tcp_v4_frame();
        f[54 + 16] = 1;  // NOP, NOP, NOP, then a kind with no length byte
        f[54 + 17] = 1;
        f[54 + 18] = 1;
        f[54 + 19] = 3;
        a.push_back({"TCP option kind in the last header byte", f, DecodeStatus::kBadTcpOption});
    }
    a.push_back({"4 bytes of UDP", cut_ipv4_l4(udp_v4_frame(), 4), DecodeStatus::kTruncatedUdp});
    {
        Bytes f = udp_v4_frame();
        set_be16(f, 38, 7);
        a.push_back({"UDP length 7", f, DecodeStatus::kBadUdpLength});
    }
    {
        Bytes f = udp_v4_frame();
        set_be16(f, 38, 49);  // 48 present
        a.push_back({"UDP length past the IP payload", f, DecodeStatus::kBadUdpLength});
    }
    {
        // The frame has the bytes, but they are Ethernet padding, not IP payload.
        Bytes f = gen::build_udp({}, v4(), {1, 2}, {0x55});
        set_be16(f, 38, 12);
        a.push_back({"UDP length reaching into Ethernet padding", f, DecodeStatus::kBadUdpLength});
    }
    return a;
}

TEST(DecodeAnomaly, EachReasonHasAFrameThatProvokesIt) {
    std::set<DecodeStatus> provoked;
    for (const Anomaly& a : anomalies()) {
        // An exact-size heap copy: any read past `len` is outside the allocation.
        std::unique_ptr<uint8_t[]> exact(new uint8_t[a.frame.size() + 1]);
        if (!a.frame.empty()) std::memcpy(exact.get(), a.frame.data(), a.frame.size());
        PacketView v;
        DecodeStatus got = decode_packet(a.frame.empty() ? nullptr : exact.get(), uint32_t(a.frame.size()), v);
        EXPECT_EQ(got, a.want) << a.why << ": got " << decode_status_name(got) << ", want "
                               << decode_status_name(a.want);
        EXPECT_TRUE(decode_status_is_anomaly(got)) << a.why;
        provoked.insert(got);
    }
    for (int s = 0; s < int(DecodeStatus::kCount); ++s) {
        if (decode_status_is_anomaly(DecodeStatus(s))) {
            EXPECT_TRUE(provoked.count(DecodeStatus(s))) << "never provoked: " << decode_status_name(DecodeStatus(s));
        }
    }
}

TEST(DecodeAnomaly, NineExtensionHeadersFailButEightPass) {
    std::vector<Ipv6ExtHeader> ext(8, Ipv6ExtHeader{60, {}});
    PacketView v;
    EXPECT_EQ(decode(udp_v6_frame(ext), v), DecodeStatus::kOk);
    ext.push_back(Ipv6ExtHeader{60, {}});
    EXPECT_EQ(decode(udp_v6_frame(ext), v), DecodeStatus::kBadIpv6ExtHeader);
}

TEST(DecodeAnomaly, EolEndsOptionParsing) {
    Bytes f = tcp_v4_frame();
    f[54 + 4] = 0;  // EOL where SACK_PERM was: TS, NOP and WS become padding
    f[54 + 12] = 0xff;  // garbage after EOL must not be read as options
    f[54 + 13] = 0x00;
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_opts.present, TcpOptions::kHasMss);
    EXPECT_EQ(v.tcp_opts.count, 2);  // MSS, EOL
}

TEST(DecodeAnomaly, KnownOptionWithWrongLengthIsSkippedNotTrusted) {
    Bytes f = tcp_v4_frame();
    f[54 + 1] = 2;  // MSS with length 2: step over it...
    f[54 + 2] = 1;  // ...onto two NOPs
    f[54 + 3] = 1;
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_opts.present & TcpOptions::kHasMss, 0);
    EXPECT_EQ(v.tcp_opts.mss, 0);
    EXPECT_TRUE(v.tcp_opts.present & TcpOptions::kHasTs);
}

// ---------------------------------------------------------------- robustness

struct Good {
    std::string name;
    Bytes frame;
    size_t l3, l4;  // where the test asked the builder to put the layers
    size_t ip_end;  // bytes up to the end of the IP datagram (no padding)
    uint8_t vlans, ip_version, proto;
    uint16_t sport, dport;
};

// Every combination of L2 (untagged, 802.1Q, QinQ), L3 (IPv4, IPv4 with
// options, IPv6, IPv6 with an extension header chain) and L4 (SYN with the
// Linux option set, data with NOP NOP TS, ACK with SACK blocks, UDP, a
// one-byte UDP datagram that needs Ethernet padding).
std::vector<Good> good_frames() {
    std::vector<Good> g;
    struct L2 { const char* name; std::vector<uint16_t> vlans; };
    struct L3 { const char* name; IpSpec ip; size_t header; };
    L2 l2s[] = {{"untagged", {}}, {"802.1Q", {10}}, {"QinQ", {10, 20}}};
    IpSpec v4opt = v4();
    v4opt.ipv4_options = {0x94, 0x04, 0x00, 0x00, 0x01};  // router alert, NOP; padded to 8
    IpSpec v6ext = v6();
    v6ext.ipv6_ext = {Ipv6ExtHeader{0, {5, 2, 0, 0}}, Ipv6ExtHeader{43, {4, 0, 0, 0, 0, 0}},
                      Ipv6ExtHeader{44, {0, 1, 0, 0, 0, 7}},
                      Ipv6ExtHeader{51, {0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 9, 9, 9, 9, 9, 9}}};
    L3 l3s[] = {{"IPv4", v4(), 20}, {"IPv4+options", v4opt, 28}, {"IPv6", v6(), 40}, {"IPv6+ext", v6ext, 40 + 48}};
    TcpSpec sack = data_segment();
    sack.flags = kAck;
    sack.sack_blocks = {{1, 2}, {3, 4}, {5, 6}};
    for (const L2& l2 : l2s) {
        for (const L3& l3 : l3s) {
            L2Spec l2spec;
            l2spec.vlans = l2.vlans;
            size_t at3 = 14 + 4 * l2.vlans.size();
            size_t at4 = at3 + l3.header;
            std::string base = std::string(l2.name) + " " + l3.name + " ";
            uint8_t ver = l3.ip.src.is_v4() ? 4 : 6;
            uint8_t nv = uint8_t(l2.vlans.size());
            g.push_back({base + "SYN", gen::build_tcp(l2spec, l3.ip, syn()), at3, at4, at4 + 40, nv, ver, 6, 25010, 5061});
            g.push_back({base + "data", gen::build_tcp(l2spec, l3.ip, data_segment(), sequence(300)), at3, at4,
                         at4 + 32 + 300, nv, ver, 6, 5061, 25010});
            g.push_back({base + "SACK", gen::build_tcp(l2spec, l3.ip, sack), at3, at4, at4 + 20 + 12 + 28, nv, ver, 6,
                         5061, 25010});
            g.push_back({base + "UDP", gen::build_udp(l2spec, l3.ip, {40000, 53}, sequence(33)), at3, at4, at4 + 41, nv,
                         ver, 17, 40000, 53});
            g.push_back({base + "tiny UDP", gen::build_udp(l2spec, l3.ip, {5060, 5060}, {9}), at3, at4, at4 + 9, nv, ver,
                         17, 5060, 5060});
        }
    }
    return g;
}

TEST(DecodeRobustness, EveryL2L3L4CombinationHasValidChecksumsAndDecodes) {
    std::vector<Good> all = good_frames();
    ASSERT_EQ(all.size(), 3u * 4 * 5);
    size_t padded = 0;
    for (const Good& g : all) {
        SCOPED_TRACE(g.name);
        PacketView v;
        ASSERT_EQ(decode(g.frame, v), DecodeStatus::kOk);
        ASSERT_LE(g.ip_end, g.frame.size());
        padded += g.ip_end < g.frame.size();
        expect_checksums_valid(g.frame, {g.l3, g.l4, g.ip_end - g.l4}, g.proto);
        EXPECT_EQ(v.vlan_count, g.vlans);
        if (g.vlans >= 1) {
            EXPECT_EQ(v.vlan[0], 10);
        }
        if (g.vlans == 2) {
            EXPECT_EQ(v.vlan[1], 20);
        }
        EXPECT_EQ(v.ip_version, g.ip_version);
        EXPECT_EQ(v.l4_proto, g.proto);
        EXPECT_EQ(v.sport, g.sport);
        EXPECT_EQ(v.dport, g.dport);
        size_t l4_header = v.is_tcp() ? (g.frame[g.l4 + 12] >> 4) * 4u : 8u;
        EXPECT_EQ(v.payload, g.frame.data() + g.l4 + l4_header);
        EXPECT_EQ(v.payload_len, g.ip_end - g.l4 - l4_header);
        if (g.name.find("SACK") != std::string::npos) {
            EXPECT_EQ(v.tcp_opts.present, TcpOptions::kHasTs | TcpOptions::kHasSack);
        }
    }
    EXPECT_GT(padded, 0u);  // some tiny UDP frames carry Ethernet padding
}

bool same_view(const PacketView& a, const PacketView& b) {
    return a.vlan_count == b.vlan_count && a.vlan[0] == b.vlan[0] && a.vlan[1] == b.vlan[1] &&
           a.ip_version == b.ip_version && a.ttl == b.ttl && a.ip_id == b.ip_id && a.df == b.df &&
           a.fragment == b.fragment && a.src == b.src && a.dst == b.dst && a.l4_proto == b.l4_proto &&
           a.sport == b.sport && a.dport == b.dport && a.seq == b.seq && a.ack == b.ack &&
           a.tcp_flags == b.tcp_flags && a.window == b.window && a.tcp_opts.present == b.tcp_opts.present &&
           a.tcp_opts.mss == b.tcp_opts.mss && a.tcp_opts.wscale == b.tcp_opts.wscale &&
           a.tcp_opts.tsval == b.tcp_opts.tsval && a.tcp_opts.tsecr == b.tcp_opts.tsecr &&
           a.tcp_opts.count == b.tcp_opts.count && a.payload_len == b.payload_len &&
           a.more_fragments == b.more_fragments && a.frag_id == b.frag_id && a.frag_offset == b.frag_offset &&
           a.frag_len == b.frag_len && a.frag_proto == b.frag_proto;
}

TEST(DecodeRobustness, ClearsEverythingButTheCaptureFields) {
    // decode clears the view with memset: every field must then hold its default.
    PacketView v;
    std::memset(static_cast<void*>(&v), 0xa5, sizeof v);
    v.ts_ns = 7;
    v.frame = 8;
    v.vantage = 9;
    v.wire_len = 0;
    Bytes arp(60, 0);
    set_be16(arp, 12, 0x0806);
    ASSERT_EQ(decode(arp, v), DecodeStatus::kNotIp);
    PacketView want;
    want.ts_ns = 7;
    want.frame = 8;
    want.vantage = 9;
    want.wire_len = 60;
    EXPECT_TRUE(same_view(v, want));
    EXPECT_EQ(v.ts_ns, 7u);
    EXPECT_EQ(v.frame, 8u);
    EXPECT_EQ(v.vantage, 9);
    EXPECT_EQ(v.payload, nullptr);
    EXPECT_EQ(v.frag_data, nullptr);
    EXPECT_EQ(v.payload_wire_len, 0u);
    EXPECT_EQ(v.wire_len, 60u);
}

TEST(DecodeRobustness, EveryTruncationIsRejectedOrConsistent) {
    for (const Good& g : good_frames()) {
        PacketView full;
        ASSERT_EQ(decode(g.frame, full), DecodeStatus::kOk) << g.name;
        ASSERT_LE(g.ip_end, g.frame.size());
        for (size_t len = 0; len <= g.frame.size(); ++len) {
            std::unique_ptr<uint8_t[]> exact(new uint8_t[len ? len : 1]);
            std::memcpy(exact.get(), g.frame.data(), len);
            PacketView v;
            DecodeStatus s = decode_packet(exact.get(), uint32_t(len), v);
            EXPECT_EQ(v.wire_len, len);
            if (len < g.ip_end) {
                EXPECT_TRUE(decode_status_is_anomaly(s))
                    << g.name << " cut to " << len << " gave " << decode_status_name(s);
            } else {
                // Only padding was cut: the same view, payload at the same offset.
                EXPECT_EQ(s, DecodeStatus::kOk) << g.name << " cut to " << len;
                EXPECT_TRUE(same_view(v, full)) << g.name << " cut to " << len;
                EXPECT_EQ(v.payload - exact.get(), full.payload - g.frame.data());
            }
            if (v.payload) {
                EXPECT_GE(v.payload, exact.get());
                EXPECT_LE(v.payload + v.payload_len, exact.get() + len);
            } else {
                EXPECT_EQ(v.payload_len, 0u);
            }
            if (v.frag_data) {
                EXPECT_GE(v.frag_data, exact.get());
                EXPECT_LE(v.frag_data + v.frag_len, exact.get() + len);
            }
        }
    }
}

TEST(DecodeRobustness, SingleByteCorruptionsStayInBounds) {
    // Every byte of every good frame replaced by a few telling values: decode
    // must never point outside the frame, whatever the verdict.
    size_t decoded = 0;
    for (const Good& g : good_frames()) {
        for (size_t at = 0; at < std::min<size_t>(g.frame.size(), 140); ++at) {
            for (uint8_t val : {0x00, 0x01, 0x02, 0x05, 0x0f, 0x2c, 0x3c, 0x40, 0x7f, 0x80, 0xff}) {
                Bytes f = g.frame;
                f[at] = val;
                std::unique_ptr<uint8_t[]> exact(new uint8_t[f.size()]);
                std::memcpy(exact.get(), f.data(), f.size());
                PacketView v;
                DecodeStatus s = decode_packet(exact.get(), uint32_t(f.size()), v);
                ASSERT_LT(int(s), int(DecodeStatus::kCount));
                if (v.payload) {
                    ASSERT_GE(v.payload, exact.get()) << g.name << " @" << at;
                    ASSERT_LE(v.payload + v.payload_len, exact.get() + f.size()) << g.name << " @" << at;
                } else {
                    ASSERT_EQ(v.payload_len, 0u);
                }
                if (v.frag_data) {
                    ASSERT_TRUE(v.fragment);
                    ASSERT_GE(v.frag_data, exact.get()) << g.name << " @" << at;
                    ASSERT_LE(v.frag_data + v.frag_len, exact.get() + f.size()) << g.name << " @" << at;
                }
                ASSERT_LE(v.vlan_count, 2);
                ASSERT_LE(v.tcp_opts.count, 40);
                decoded += s == DecodeStatus::kOk;
            }
        }
    }
    EXPECT_GT(decoded, 0u);
}

// The rx stage decides on every frame with decode in admission mode, which
// writes only the verdict's fields; the worker gets the whole view. The two
// must never disagree, or a frame would be counted as one thing and analysed
// as another: same verdict, protocol, ports and fragment facts, on good
// frames cut at every length, on every anomaly, and on corrupted bytes.
::testing::AssertionResult same_admission(const Bytes& f, size_t len) {
    std::unique_ptr<uint8_t[]> exact(new uint8_t[len ? len : 1]);
    if (len) std::memcpy(exact.get(), f.data(), len);  // an empty frame's data() may be null
    PacketView full, probe;
    const DecodeStatus a = decode_packet(len ? exact.get() : nullptr, uint32_t(len), full);
    const DecodeStatus b = decode_frame<DecodeFill::kAdmission>(len ? exact.get() : nullptr, uint32_t(len), probe);
    if (a != b) return ::testing::AssertionFailure() << decode_status_name(a) << " vs " << decode_status_name(b);
    if (full.vlan_count != probe.vlan_count || full.fragment != probe.fragment || full.wire_len != probe.wire_len)
        return ::testing::AssertionFailure() << "L2/L3 facts differ";
    if (full.fragment && full.frag_proto != probe.frag_proto) return ::testing::AssertionFailure() << "frag_proto";
    if ((a == DecodeStatus::kOk || a == DecodeStatus::kFragment) && full.l4_proto != probe.l4_proto)
        return ::testing::AssertionFailure() << "l4_proto";
    if (a == DecodeStatus::kOk && (full.sport != probe.sport || full.dport != probe.dport))
        return ::testing::AssertionFailure() << "ports";
    return ::testing::AssertionSuccess();
}

TEST(DecodeAdmission, GivesTheVerdictAndPortsTheWholeViewGives) {
    size_t checked = 0;
    for (const Good& g : good_frames()) {
        for (size_t len = 0; len <= g.frame.size(); ++len, ++checked)
            ASSERT_TRUE(same_admission(g.frame, len)) << g.name << " cut to " << len;
        for (size_t at = 0; at < std::min<size_t>(g.frame.size(), 140); ++at) {
            for (uint8_t val : {0x00, 0x01, 0x08, 0x0a, 0x11, 0x2c, 0x45, 0x81, 0xff}) {
                Bytes f = g.frame;
                f[at] = val;
                ASSERT_TRUE(same_admission(f, f.size())) << g.name << " @" << at << "=" << int(val);
                ++checked;
            }
        }
    }
    for (const Anomaly& a : anomalies()) ASSERT_TRUE(same_admission(a.frame, a.frame.size())) << a.why;
    EXPECT_GT(checked, 50000u);
}

// Timestamps then two NOPs: the same 12 option bytes as the common NOP, NOP,
// timestamps layout, in another order, so they are walked, not recognised.
TEST(Decode, TimestampsBeforeTheNopsAreWalked) {
    Bytes f = gen::build_tcp({}, v4(), data_segment(), sequence(10));
    ASSERT_EQ(f[54], 1);
    ASSERT_EQ(f[56], 8);
    const uint8_t ts_first[12] = {8, 10, 0, 0, 0x30, 0x39, 0, 1, 0x09, 0x32, 1, 1};
    std::memcpy(f.data() + 54, ts_first, 12);
    PacketView v;
    ASSERT_EQ(decode(f, v), DecodeStatus::kOk);
    EXPECT_EQ(v.tcp_opts.present, TcpOptions::kHasTs);
    EXPECT_EQ(v.tcp_opts.tsval, 12345u);
    EXPECT_EQ(v.tcp_opts.tsecr, 67890u);
    EXPECT_EQ(v.tcp_opts.count, 3);
    EXPECT_EQ(v.payload, f.data() + 66);
    EXPECT_TRUE(same_admission(f, f.size()));
}

}  // namespace
// A jumbo or GRO-merged frame arrives as an mbuf chain: decode sees the first
// segment only, checks lengths against the whole frame, and says how much of
// the payload it could read.
TEST(Decode, ChainedFrameIsCheckedAgainstItsWholeLength) {
    for (int v6 = 0; v6 < 2; ++v6) {
        IpSpec ip;
        ip.src = *IpAddr::parse(v6 ? "2001:db8::1" : "146.20.193.73");
        ip.dst = *IpAddr::parse(v6 ? "2001:db8::2" : "64.102.241.236");
        TcpSpec t;
        t.sport = 40342;
        t.dport = 5062;
        t.flags = kAck | kPsh;
        Bytes f = gen::build_tcp(L2Spec{}, ip, t, Bytes(8000, 0x17));
        const uint32_t hdr = uint32_t(f.size() - 8000);
        PacketView v;
        v.wire_len = uint32_t(f.size());
        ASSERT_EQ(decode_packet(f.data(), 2048, v), DecodeStatus::kOk) << v6;
        EXPECT_EQ(v.payload_len, 2048 - hdr);
        EXPECT_EQ(v.payload_wire_len, 8000u);
        // Without the wire length the same prefix is a frame cut short.
        PacketView w;
        EXPECT_EQ(decode_packet(f.data(), 2048, w), v6 ? DecodeStatus::kBadIpv6Length : DecodeStatus::kBadIpv4Length);
        // Headers themselves must be readable: a chain split inside the TCP header is truncated.
        PacketView x;
        x.wire_len = uint32_t(f.size());
        EXPECT_EQ(decode_packet(f.data(), hdr - 4, x), DecodeStatus::kTruncatedTcp);
    }
}

}  // namespace cs
