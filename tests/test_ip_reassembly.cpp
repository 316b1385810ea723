// IP fragment reassembly on real-shaped fragments: a SIP INVITE with audio,
// video and BFCP SDP (about 3 KB) sent over UDP through a 1500-byte MTU and cut
// the way Linux cuts it (IPv4 offsets in 8-byte units; IPv6 with a fragment
// header), decoded by decode_packet and fed in order, reversed, shuffled,
// duplicated, with a piece missing, interleaved with other datagrams; and the
// hostile shapes: overlaps (teardrop), oversize, offset 65528, a full table.
#include "pipeline/ip_reassembly.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/decode.h"
#include "tools/gen/packet_builder.h"

// Counts every heap allocation of the test binary, so a test can show that
// feed() and expire() allocate nothing. Not inlined: the compiler would then
// pair these malloc/free calls with new/delete expressions and warn.
static std::atomic<uint64_t> g_allocations{0};
__attribute__((noinline)) void* operator new(std::size_t n) {
    ++g_allocations;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
__attribute__((noinline)) void operator delete(void* p) noexcept { std::free(p); }
__attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace cs {
namespace {

using Bytes = std::vector<uint8_t>;
using Result = IpReassembler::Result;
using gen::IpSpec;
using gen::Ipv6ExtHeader;

constexpr uint64_t kSecond = 1'000'000'000ull;
constexpr uint64_t kT0 = 1'505'844'975'000'000'000ull;  // 2017-09-19 18:16:15 UTC

IpSpec host_pair(const char* src, const char* dst) {
    IpSpec i;
    i.src = *IpAddr::parse(src);
    i.dst = *IpAddr::parse(dst);
    return i;
}
IpSpec cucm_to_expc_v4() { return host_pair("192.168.1.21", "192.168.1.5"); }
IpSpec cucm_to_expc_v6() { return host_pair("2001:db8:1::21", "2001:db8:1::5"); }

// Unified CM 11.5 sending an early-offer video call to the Expressway-C over
// SIP/UDP: audio, main video, BFCP and presentation video. About 3 KB, so over
// UDP it leaves the CUCM in fragments.
Bytes cucm_invite(const std::string& call_id = "991f7e80-9c11517a-130ac-1501a8c0@192.168.1.21") {
    const std::string sdp =
        "v=0\r\n"
        "o=CiscoSystemsCCM-SIP 2000 1 IN IP4 192.168.1.21\r\n"
        "s=SIP Call\r\n"
        "c=IN IP4 192.168.5.66\r\n"
        "b=TIAS:6000000\r\n"
        "b=AS:6000\r\n"
        "t=0 0\r\n"
        "m=audio 24580 RTP/AVP 114 9 104 105 0 8 18 101\r\n"
        "b=TIAS:64000\r\n"
        "a=rtpmap:114 opus/48000/2\r\n"
        "a=fmtp:114 maxplaybackrate=16000;sprop-maxcapturerate=16000;maxaveragebitrate=64000;stereo=0;"
        "sprop-stereo=0;usedtx=0\r\n"
        "a=rtpmap:9 G722/8000\r\n"
        "a=rtpmap:104 G7221/16000\r\n"
        "a=fmtp:104 bitrate=32000\r\n"
        "a=rtpmap:105 G7221/16000\r\n"
        "a=fmtp:105 bitrate=24000\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=ptime:20\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:18 G729/8000\r\n"
        "a=fmtp:18 annexb=no\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-15\r\n"
        "a=sendrecv\r\n"
        "m=video 24582 RTP/AVP 126 97\r\n"
        "b=TIAS:6000000\r\n"
        "a=label:11\r\n"
        "a=rtpmap:126 H264/90000\r\n"
        "a=fmtp:126 profile-level-id=428016;packetization-mode=1;max-mbps=490000;max-fs=8160;max-cpb=200;"
        "max-br=5000;max-rcmd-nalu-size=32000;max-smbps=490000;max-fps=6000\r\n"
        "a=rtpmap:97 H264/90000\r\n"
        "a=fmtp:97 profile-level-id=428016;packetization-mode=0;max-mbps=490000;max-fs=8160;max-cpb=200;"
        "max-br=5000;max-rcmd-nalu-size=32000;max-smbps=490000;max-fps=6000\r\n"
        "a=imageattr:* recv [x=[32:16:1920],y=[18:9:1080],par=1.7778,q=0.50]\r\n"
        "a=rtcp-fb:* nack pli\r\n"
        "a=rtcp-fb:* ccm fir\r\n"
        "a=rtcp-fb:* ccm tmmbr\r\n"
        "a=sendrecv\r\n"
        "a=content:main\r\n"
        "m=application 5070 UDP/BFCP *\r\n"
        "a=floorctrl:c-s\r\n"
        "a=confid:1\r\n"
        "a=floorid:2 mstrm:12\r\n"
        "a=userid:2000\r\n"
        "a=setup:actpass\r\n"
        "a=connection:new\r\n"
        "m=video 24584 RTP/AVP 126 97\r\n"
        "b=TIAS:6000000\r\n"
        "a=label:12\r\n"
        "a=rtpmap:126 H264/90000\r\n"
        "a=fmtp:126 profile-level-id=428016;packetization-mode=1;max-mbps=490000;max-fs=8160;max-cpb=200;"
        "max-br=5000;max-rcmd-nalu-size=32000;max-smbps=490000;max-fps=6000\r\n"
        "a=rtpmap:97 H264/90000\r\n"
        "a=fmtp:97 profile-level-id=428016;packetization-mode=0;max-mbps=490000;max-fs=8160;max-cpb=200;"
        "max-br=5000;max-rcmd-nalu-size=32000;max-smbps=490000;max-fps=6000\r\n"
        "a=rtcp-fb:* nack pli\r\n"
        "a=rtcp-fb:* ccm fir\r\n"
        "a=sendrecv\r\n"
        "a=content:slides\r\n";
    const std::string head =
        "INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.168.1.21:5060;branch=z9hG4bK1a2b3c4d5e6f\r\n"
        "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=512579~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30107000\r\n"
        "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>\r\n"
        "Date: Tue, 19 Sep 2017 18:16:15 GMT\r\n"
        "Call-ID: " + call_id + "\r\n"
        "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called\r\n"
        "Min-SE: 1800\r\n"
        "User-Agent: Cisco-CUCM11.5\r\n"
        "Allow: INVITE, OPTIONS, INFO, BYE, CANCEL, ACK, PRACK, UPDATE, REFER, SUBSCRIBE, NOTIFY\r\n"
        "CSeq: 101 INVITE\r\n"
        "Expires: 180\r\n"
        "Allow-Events: presence, kpml\r\n"
        "Call-Info: <urn:x-cisco-remotecc:callinfo>;x-cisco-video-traffic-class=DESKTOP\r\n"
        "Cisco-Guid: 2568977024-0000065536-0000000009-0352430272\r\n"
        "Session-Expires: 1800\r\n"
        "P-Asserted-Identity: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>\r\n"
        "Remote-Party-ID: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;party=calling;screen=yes;privacy=off\r\n"
        "Contact: <sip:5010@192.168.1.21:5060>;+u.sip!devicename.ccm.cisco.com=\"SEP00EBD5DA2F4C\";"
        "video;bfcp;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-00ebd5da2f4c>\"\r\n"
        "Max-Forwards: 70\r\n"
        "Content-Type: application/sdp\r\n"
        "Content-Length: " + std::to_string(sdp.size()) + "\r\n"
        "\r\n";
    const std::string msg = head + sdp;
    return Bytes(msg.begin(), msg.end());
}

void set_be16(Bytes& f, size_t at, uint16_t v) {
    f[at] = uint8_t(v >> 8);
    f[at + 1] = uint8_t(v);
}

void fix_ipv4_checksum(Bytes& f) {
    set_be16(f, 24, 0);
    uint32_t sum = 0;
    for (size_t i = 14; i < 34; i += 2) sum += uint32_t(f[i] << 8 | f[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    set_be16(f, 24, uint16_t(~sum));
}

// Makes fragment frames of one datagram. The headers come from the packet
// builder's frame of the whole datagram (IPv6: with a fragment header in
// it); each fragment gets them with its own lengths, offset and flags.
struct Fragmenter {
    Bytes head;       // Ethernet + IP header(s)
    bool v6 = false;
    Bytes udp;        // the whole UDP datagram, header and checksum as the builder made them

    Fragmenter(IpSpec ip, uint32_t id, const Bytes& payload, uint16_t sport = 5060, uint16_t dport = 5060) {
        v6 = !ip.src.is_v4();
        if (v6) {
            ip.ipv6_ext = {Ipv6ExtHeader{44, {0, 0, uint8_t(id >> 24), uint8_t(id >> 16), uint8_t(id >> 8), uint8_t(id)}}};
        } else {
            ip.ip_id = uint16_t(id);
            ip.df = false;
        }
        Bytes whole = gen::build_udp({}, ip, {sport, dport}, payload);
        const size_t h = v6 ? 14 + 40 + 8 : 14 + 20;
        head.assign(whole.begin(), whole.begin() + h);
        udp.assign(whole.begin() + h, whole.begin() + h + 8 + payload.size());
    }

    // One fragment of `n` bytes of `data` at byte offset `off`; `proto` for
    // the IPv4 protocol / the fragment header's next header.
    Bytes frame(uint32_t off, bool more, const uint8_t* data, size_t n, uint8_t proto = 17) const {
        Bytes f = head;
        if (v6) {
            set_be16(f, 18, uint16_t(8 + n));
            f[54] = proto;
            set_be16(f, 56, uint16_t((off & 0xfff8) | (more ? 1 : 0)));
        } else {
            set_be16(f, 16, uint16_t(20 + n));
            set_be16(f, 20, uint16_t((more ? 0x2000 : 0) | (off / 8)));
            f[23] = proto;
            fix_ipv4_checksum(f);
        }
        f.insert(f.end(), data, data + n);
        if (f.size() < 60) f.resize(60, 0);  // Ethernet padding, as on the wire
        return f;
    }
    Bytes piece(uint32_t off, size_t n, bool more) const { return frame(off, more, udp.data() + off, n); }

    // As ip_fragment / ip6_fragment do: every piece but the last carries the
    // largest multiple of 8 bytes that fits the MTU.
    std::vector<Bytes> cut(size_t mtu = 1500) const {
        const size_t per = (mtu - (head.size() - 14)) / 8 * 8;
        std::vector<Bytes> out;
        for (size_t off = 0; off < udp.size(); off += per) {
            const size_t n = std::min(per, udp.size() - off);
            out.push_back(piece(uint32_t(off), n, off + n < udp.size()));
        }
        return out;
    }
};

// A frame as the worker gets it: decoded, with its capture time and number.
// Movable, not copyable: the view points into `frame`.
struct Packet {
    Bytes frame;
    PacketView v;
    DecodeStatus status = DecodeStatus::kOk;

    // Decodes the first `readable` bytes (all when 0) of a frame of wire length frame.size().
    Packet(Bytes f, uint64_t ts_ns, uint32_t no, uint16_t vantage, uint32_t readable = 0) : frame(std::move(f)) {
        v.ts_ns = ts_ns;
        v.frame = no;
        v.vantage = vantage;
        v.wire_len = uint32_t(frame.size());
        status = decode_packet(frame.data(), readable ? readable : uint32_t(frame.size()), v);
    }
    Packet(Packet&&) = default;
    Packet& operator=(Packet&&) = default;
    Packet(const Packet&) = delete;
};

Packet packet(Bytes frame, uint64_t ts_ns, uint32_t no = 1, uint16_t vantage = 0) {
    return Packet(std::move(frame), ts_ns, no, vantage);
}

std::vector<Packet> packets(const std::vector<Bytes>& frames, uint64_t t = kT0) {
    std::vector<Packet> out;
    for (size_t i = 0; i < frames.size(); ++i) out.push_back(packet(frames[i], t + i * 1000, uint32_t(i + 1)));
    return out;
}

struct Reassembly {
    IpReassembler r;
    PacketView datagram;
    std::vector<Result> results;
    std::vector<Bytes> delivered;  // copies of every completed datagram's UDP bytes

    explicit Reassembly(const IpReassemblyLimits& l = {}) : r(l) {}
    Result feed(const Packet& p) {
        EXPECT_TRUE(p.status == DecodeStatus::kOk || p.status == DecodeStatus::kFragment)
            << decode_status_name(p.status);
        Result res = r.feed(p.v, datagram);
        results.push_back(res);
        if (res == Result::kComplete) delivered.emplace_back(datagram.frag_data, datagram.frag_data + datagram.frag_len);
        return res;
    }
    void feed_all(const std::vector<Packet>& ps) {
        for (const Packet& p : ps) feed(p);
    }
    uint64_t drops(FragDrop d) const { return r.counters().drops[size_t(d)]; }
    uint64_t all_drops() const {
        uint64_t n = 0;
        for (uint64_t d : r.counters().drops) n += d;
        return n;
    }
};

// Every fragment fed is counted exactly once.
void expect_accounting(const Reassembly& a) {
    const IpReassemblyCounters& c = a.r.counters();
    EXPECT_EQ(c.fragments, c.held + c.duplicates + c.completed + a.all_drops());
}

void expect_whole_datagram(const Reassembly& a, const Fragmenter& fr, const Packet& first, const Packet& last) {
    const PacketView& d = a.datagram;
    ASSERT_NE(d.frag_data, nullptr);
    ASSERT_EQ(d.frag_len, fr.udp.size());
    EXPECT_EQ(0, std::memcmp(d.frag_data, fr.udp.data(), fr.udp.size()));
    EXPECT_EQ(d.payload, d.frag_data + 8);
    EXPECT_EQ(d.payload_len, fr.udp.size() - 8);
    EXPECT_EQ(d.payload_wire_len, d.payload_len);
    EXPECT_TRUE(d.is_udp());
    EXPECT_EQ(d.sport, 5060);
    EXPECT_EQ(d.dport, 5060);
    EXPECT_TRUE(d.fragment);
    EXPECT_FALSE(d.more_fragments);
    EXPECT_EQ(d.frag_offset, 0);
    EXPECT_EQ(d.src, first.v.src);
    EXPECT_EQ(d.dst, first.v.dst);
    EXPECT_EQ(d.ip_version, first.v.ip_version);
    EXPECT_EQ(d.frag_id, first.v.frag_id);
    EXPECT_EQ(d.ts_ns, last.v.ts_ns);
    EXPECT_EQ(d.frame, last.v.frame);
}

// ---------------------------------------------------------------- real shapes

TEST(IpReassembly, InviteIsAbout3KBAndLinuxCutsItInThree) {
    Bytes inv = cucm_invite();
    EXPECT_GT(inv.size(), 2900u);
    EXPECT_LT(inv.size(), 1448u * 3 - 8);
    Fragmenter v4(cucm_to_expc_v4(), 0x4d2e, inv);
    std::vector<Packet> p4 = packets(v4.cut());
    ASSERT_EQ(p4.size(), 3u);
    EXPECT_EQ(p4[0].frame.size(), 1514u);
    EXPECT_EQ(p4[0].status, DecodeStatus::kOk);  // the first fragment carries the UDP header
    EXPECT_EQ(p4[0].v.dport, 5060);
    EXPECT_EQ(p4[1].status, DecodeStatus::kFragment);
    EXPECT_EQ(p4[1].v.frag_offset, 1480);
    EXPECT_EQ(p4[2].v.frag_offset, 2960);
    EXPECT_FALSE(p4[2].v.more_fragments);

    Fragmenter v6(cucm_to_expc_v6(), 0x8000001, inv);
    std::vector<Packet> p6 = packets(v6.cut());
    ASSERT_EQ(p6.size(), 3u);
    EXPECT_EQ(p6[0].frame.size(), 1510u);  // 40 + 8 + 1448: 1452 rounded down to 8
    EXPECT_EQ(p6[1].v.frag_offset, 1448);
    EXPECT_EQ(p6[2].v.frag_id, 0x8000001u);
}

TEST(IpReassembly, InOrderIpv4AndIpv6) {
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        SCOPED_TRACE(ip.src.to_string());
        Fragmenter fr(ip, 777, cucm_invite());
        std::vector<Packet> ps = packets(fr.cut());
        Reassembly a;
        EXPECT_EQ(a.feed(ps[0]), Result::kHeld);
        EXPECT_EQ(a.feed(ps[1]), Result::kHeld);
        EXPECT_EQ(a.r.slots_in_use(), 1u);
        ASSERT_EQ(a.feed(ps[2]), Result::kComplete);
        expect_whole_datagram(a, fr, ps[0], ps[2]);
        EXPECT_EQ(a.r.slots_in_use(), 0u);
        EXPECT_EQ(a.r.counters().completed, 1u);
        EXPECT_EQ(a.r.counters().held, 2u);
        expect_accounting(a);
    }
}

TEST(IpReassembly, ReversedAndShuffledOrders) {
    std::mt19937 rng(5060);
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        // A smaller MTU (a tunnel) for more pieces to shuffle.
        for (size_t mtu : {1500u, 1280u, 576u}) {
            Fragmenter fr(ip, 4242, cucm_invite());
            std::vector<Packet> ps = packets(fr.cut(mtu));
            std::vector<std::vector<size_t>> orders;
            std::vector<size_t> order(ps.size());
            for (size_t i = 0; i < order.size(); ++i) order[i] = i;
            orders.push_back({order.rbegin(), order.rend()});
            for (int k = 0; k < 8; ++k) {
                std::shuffle(order.begin(), order.end(), rng);
                orders.push_back(order);
            }
            for (const auto& o : orders) {
                SCOPED_TRACE(ip.src.to_string() + " mtu " + std::to_string(mtu));
                Reassembly a;
                for (size_t k = 0; k < o.size(); ++k) {
                    EXPECT_EQ(a.feed(ps[o[k]]), k + 1 < o.size() ? Result::kHeld : Result::kComplete) << k;
                }
                ASSERT_EQ(a.delivered.size(), 1u);
                expect_whole_datagram(a, fr, ps[0], ps[o.back()]);
                expect_accounting(a);
            }
        }
    }
}

TEST(IpReassembly, DuplicatesAreIgnoredAndCounted) {
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 99, cucm_invite());
        std::vector<Packet> ps = packets(fr.cut(1280));
        ASSERT_EQ(ps.size(), 3u);
        Reassembly a;
        // Each piece twice, the middle one three times, the last one last.
        for (size_t i : {1, 0, 1, 0, 1}) EXPECT_EQ(a.feed(ps[i]), Result::kHeld);
        EXPECT_EQ(a.r.counters().duplicates, 3u);
        ASSERT_EQ(a.feed(ps[2]), Result::kComplete);
        expect_whole_datagram(a, fr, ps[0], ps[2]);
        // A copy arriving after completion starts a datagram of its own, which waits.
        EXPECT_EQ(a.feed(ps[2]), Result::kHeld);
        EXPECT_EQ(a.r.slots_in_use(), 1u);
        EXPECT_EQ(a.delivered.size(), 1u);
        expect_accounting(a);
    }
}

TEST(IpReassembly, MissingPieceTimesOutExactlyAtTheTimeoutOnPacketTime) {
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 1, cucm_invite());
        std::vector<Packet> ps = packets(fr.cut());
        Reassembly a;
        ASSERT_EQ(a.r.limits().timeout_ns, 30 * kSecond);
        // Pieces 2 and 0 arrive; piece 1 is lost. The clock starts at the first to arrive.
        ps[2].v.ts_ns = kT0;
        ps[0].v.ts_ns = kT0 + 5 * kSecond;
        EXPECT_EQ(a.feed(ps[2]), Result::kHeld);
        EXPECT_EQ(a.feed(ps[0]), Result::kHeld);
        EXPECT_EQ(a.r.expire(kT0 + 30 * kSecond - 1), 0u);
        EXPECT_EQ(a.r.slots_in_use(), 1u);
        EXPECT_EQ(a.r.counters().timed_out, 0u);
        EXPECT_EQ(a.r.expire(kT0 + 30 * kSecond), 1u);
        EXPECT_EQ(a.r.slots_in_use(), 0u);
        EXPECT_EQ(a.r.counters().timed_out, 1u);
        // The lost piece turning up later cannot complete what was freed.
        ps[1].v.ts_ns = kT0 + 31 * kSecond;
        EXPECT_EQ(a.feed(ps[1]), Result::kHeld);
        EXPECT_EQ(a.delivered.size(), 0u);
        expect_accounting(a);
    }
}

TEST(IpReassembly, AFragmentPastTheTimeoutStartsAfreshWithoutExpire) {
    // The verdict must not depend on how often the worker calls expire().
    Fragmenter fr(cucm_to_expc_v4(), 2, cucm_invite());
    std::vector<Packet> ps = packets(fr.cut());
    IpReassemblyLimits l;
    l.timeout_ns = 2 * kSecond;
    Reassembly a(l);
    ps[0].v.ts_ns = kT0;
    ps[1].v.ts_ns = kT0 + 1 * kSecond;
    ps[2].v.ts_ns = kT0 + 2 * kSecond;  // exactly at the timeout: too late
    EXPECT_EQ(a.feed(ps[0]), Result::kHeld);
    EXPECT_EQ(a.feed(ps[1]), Result::kHeld);
    EXPECT_EQ(a.feed(ps[2]), Result::kHeld);
    EXPECT_EQ(a.r.counters().timed_out, 1u);
    EXPECT_EQ(a.r.slots_in_use(), 1u);
    // One tick earlier it would have completed.
    Reassembly b(l);
    ps[2].v.ts_ns = kT0 + 2 * kSecond - 1;
    b.feed_all(ps);
    EXPECT_EQ(b.results.back(), Result::kComplete);
    EXPECT_EQ(b.r.expire(UINT64_MAX), 0u);  // end of capture: nothing left
    EXPECT_EQ(a.r.expire(UINT64_MAX), 1u);
    EXPECT_EQ(a.r.counters().timed_out, 2u);
}

// ---------------------------------------------------------------- hostile shapes

TEST(IpReassembly, TeardropOverlapsDropTheWholeDatagram) {
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        SCOPED_TRACE(ip.src.to_string());
        Fragmenter fr(ip, 0x7ea7, cucm_invite());
        const uint32_t per = fr.v6 ? 1448 : 1480;
        struct Case {
            const char* why;
            uint32_t off;
            size_t len;
            bool more;
            bool differ;
        } cases[] = {
            {"teardrop: inside the first piece", 24, 16, true, false},
            {"straddles the first piece's end", per - 8, 16, true, false},
            {"same range, other bytes", per, per, true, true},
            {"the last piece, overlapping", per * 2 - 8, fr.udp.size() - per * 2 + 8, false, false},
        };
        for (const Case& c : cases) {
            SCOPED_TRACE(c.why);
            std::vector<Packet> ps = packets(fr.cut());
            Reassembly a;
            EXPECT_EQ(a.feed(ps[0]), Result::kHeld);
            EXPECT_EQ(a.feed(ps[1]), Result::kHeld);
            Bytes bytes(fr.udp.begin() + c.off, fr.udp.begin() + c.off + c.len);
            if (c.differ) bytes[c.len / 2] ^= 0x20;
            Packet bad = packet(fr.frame(c.off, c.more, bytes.data(), bytes.size()), kT0 + kSecond);
            EXPECT_EQ(a.feed(bad), Result::kDropped);
            EXPECT_EQ(a.drops(FragDrop::kOverlap), 1u);
            // RFC 5722: the fragments still to come are dropped with it, until its timeout.
            EXPECT_EQ(a.feed(ps[2]), Result::kDropped);
            EXPECT_EQ(a.drops(FragDrop::kAfterDrop), 1u);
            EXPECT_EQ(a.feed(ps[0]), Result::kDropped);
            EXPECT_EQ(a.delivered.size(), 0u);
            EXPECT_EQ(a.r.expire(kT0 + 30 * kSecond), 1u);
            EXPECT_EQ(a.r.counters().timed_out, 0u);  // dropped, not timed out
            // Afterwards the same id may come again, whole.
            for (Packet& p : ps) p.v.ts_ns += 40 * kSecond;
            a.feed_all(ps);
            EXPECT_EQ(a.results.back(), Result::kComplete);
            expect_whole_datagram(a, fr, ps[0], ps[2]);
            expect_accounting(a);
        }
    }
}

TEST(IpReassembly, OversizeDatagramAndTheLimitParameter) {
    // 20000 bytes of SIP body: over the default 16 KiB limit.
    Bytes big = cucm_invite();
    while (big.size() < 20000) big.insert(big.end(), big.begin(), big.begin() + 1000);
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 5, big);
        std::vector<Packet> ps = packets(fr.cut());
        Reassembly a;
        ASSERT_EQ(a.r.limits().max_datagram_bytes, 16384u);
        size_t k = 0;
        for (; ps[k].v.frag_offset + ps[k].v.frag_len <= 16384; ++k) EXPECT_EQ(a.feed(ps[k]), Result::kHeld);
        EXPECT_EQ(a.feed(ps[k]), Result::kDropped);
        EXPECT_EQ(a.drops(FragDrop::kTooLarge), 1u);
        for (++k; k < ps.size(); ++k) EXPECT_EQ(a.feed(ps[k]), Result::kDropped);
        EXPECT_EQ(a.delivered.size(), 0u);
        expect_accounting(a);
        // A last fragment alone, far past the limit, says so before any other arrives.
        Reassembly b;
        EXPECT_EQ(b.feed(ps.back()), Result::kDropped);
        EXPECT_EQ(b.drops(FragDrop::kTooLarge), 1u);
        EXPECT_EQ(b.feed(ps[0]), Result::kDropped);
        EXPECT_EQ(b.drops(FragDrop::kAfterDrop), 1u);
    }
    // The limit is a parameter: the 3 KB INVITE fits 4096, not 2048.
    Fragmenter fr(cucm_to_expc_v4(), 6, cucm_invite());
    for (uint32_t limit : {4096u, 2048u}) {
        IpReassemblyLimits l;
        l.max_datagram_bytes = limit;
        Reassembly a(l);
        a.feed_all(packets(fr.cut()));
        EXPECT_EQ(a.delivered.size(), limit == 4096 ? 1u : 0u) << limit;
        EXPECT_EQ(a.drops(FragDrop::kTooLarge), limit == 4096 ? 0u : 1u) << limit;
        EXPECT_GE(a.r.memory_bytes(), 64u * limit);
        EXPECT_LT(a.r.memory_bytes(), 64u * (limit + 1024));
    }
}

TEST(IpReassembly, OffsetPast65535IsABadOffset) {
    // Ping of death: offset 8191 * 8 = 65528 plus more than 7 bytes ends past 65535.
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 65528, cucm_invite());
        Reassembly a;
        Packet last = packet(fr.frame(65528, false, fr.udp.data(), 16), kT0);
        ASSERT_EQ(last.status, DecodeStatus::kFragment);
        ASSERT_EQ(last.v.frag_offset, 65528);
        EXPECT_EQ(a.feed(last), Result::kDropped);
        Packet seven = packet(fr.frame(65528, false, fr.udp.data(), 7), kT0);
        EXPECT_EQ(a.feed(seven), Result::kDropped);  // ends at 65535: within IP, beyond the 16 KiB limit
        EXPECT_EQ(a.drops(FragDrop::kBadOffset), 1u);
        EXPECT_EQ(a.drops(FragDrop::kTooLarge), 1u);
    }
}

TEST(IpReassembly, MalformedPiecesAreBadOffsets) {
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 8, cucm_invite());
        Reassembly a;
        // A middle piece of 1001 bytes: the next offset could not follow it in 8-byte units.
        EXPECT_EQ(a.feed(packet(fr.piece(1480, 1001, true), kT0)), Result::kDropped);
        // No data at all.
        EXPECT_EQ(a.feed(packet(fr.piece(1480, 0, true), kT0)), Result::kDropped);
        // A first piece without the whole UDP header (RFC 7112's tiny first fragment).
        Packet tiny = packet(fr.piece(0, 4, true), kT0);
        EXPECT_EQ(tiny.status, DecodeStatus::kTruncatedUdp);
        EXPECT_EQ(a.r.feed(tiny.v, a.datagram), Result::kDropped);
        EXPECT_EQ(a.drops(FragDrop::kBadOffset), 3u);
        EXPECT_EQ(a.r.slots_in_use(), 0u);
    }
}

TEST(IpReassembly, LastFragmentsThatDisagreeOnTheEnd) {
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 9, cucm_invite());
        std::vector<Packet> ps = packets(fr.cut());
        const uint32_t end = uint32_t(fr.udp.size());
        const uint32_t off2 = ps[2].v.frag_offset;
        {
            // A second last fragment at the same offset, 8 bytes shorter.
            Reassembly a;
            EXPECT_EQ(a.feed(ps[2]), Result::kHeld);
            EXPECT_EQ(a.feed(packet(fr.piece(off2, end - off2 - 8, false), kT0)), Result::kDropped);
            EXPECT_EQ(a.drops(FragDrop::kEndConflict), 1u);
            EXPECT_EQ(a.feed(ps[0]), Result::kDropped);
            EXPECT_EQ(a.drops(FragDrop::kAfterDrop), 1u);
        }
        {
            // Data beyond the known end.
            Reassembly a;
            EXPECT_EQ(a.feed(ps[2]), Result::kHeld);
            Bytes more(64, 'x');
            EXPECT_EQ(a.feed(packet(fr.frame(end + 8 - end % 8, true, more.data(), more.size()), kT0)),
                      Result::kDropped);
            EXPECT_EQ(a.drops(FragDrop::kEndConflict), 1u);
        }
        {
            // A last fragment ending before bytes already held.
            Reassembly a;
            EXPECT_EQ(a.feed(ps[1]), Result::kHeld);
            EXPECT_EQ(a.feed(packet(fr.piece(8, 992, false), kT0)), Result::kDropped);
            EXPECT_EQ(a.drops(FragDrop::kEndConflict), 1u);
        }
    }
}

TEST(IpReassembly, UdpLengthMustBeTheDatagramLength) {
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 10, cucm_invite());
        set_be16(fr.udp, 4, uint16_t(fr.udp.size() - 8));  // 8 short: trailing bytes would be smuggled
        std::vector<Packet> ps = packets(fr.cut());
        Reassembly a;
        a.feed_all(ps);
        EXPECT_EQ(a.results.back(), Result::kDropped);
        EXPECT_EQ(a.drops(FragDrop::kBadUdpLength), 1u);
        EXPECT_EQ(a.r.slots_in_use(), 0u);
        expect_accounting(a);
    }
}

TEST(IpReassembly, TooManyFragments) {
    // The INVITE in 8-byte pieces (a tiny-fragment flood): 376 of them, 64 are kept.
    Fragmenter fr(cucm_to_expc_v4(), 11, cucm_invite());
    Reassembly a;
    for (uint32_t off = 0; off < fr.udp.size(); off += 8) {
        const size_t n = std::min<size_t>(8, fr.udp.size() - off);
        a.feed(packet(fr.piece(off, n, off + n < fr.udp.size()), kT0 + off));
    }
    EXPECT_EQ(a.r.counters().held, IpReassembler::kMaxPieces);
    EXPECT_EQ(a.drops(FragDrop::kTooManyFragments), 1u);
    EXPECT_EQ(a.drops(FragDrop::kAfterDrop), (fr.udp.size() + 7) / 8 - IpReassembler::kMaxPieces - 1);
    EXPECT_EQ(a.delivered.size(), 0u);
    expect_accounting(a);
}

TEST(IpReassembly, TableFullAndReuseOfFreedSlots) {
    IpReassemblyLimits l;
    l.slots = 2;
    Reassembly a(l);
    std::vector<Fragmenter> frs;
    for (uint32_t id = 1; id <= 3; ++id) frs.emplace_back(cucm_to_expc_v4(), id, cucm_invite());
    std::vector<std::vector<Packet>> ps;
    for (const Fragmenter& fr : frs) ps.push_back(packets(fr.cut()));
    EXPECT_EQ(a.feed(ps[0][0]), Result::kHeld);
    EXPECT_EQ(a.feed(ps[1][0]), Result::kHeld);
    EXPECT_EQ(a.feed(ps[2][0]), Result::kDropped);
    EXPECT_EQ(a.drops(FragDrop::kTableFull), 1u);
    // Datagram 1 completes; its slot takes datagram 3.
    EXPECT_EQ(a.feed(ps[0][1]), Result::kHeld);
    EXPECT_EQ(a.feed(ps[0][2]), Result::kComplete);
    expect_whole_datagram(a, frs[0], ps[0][0], ps[0][2]);
    a.feed_all(ps[2]);
    EXPECT_EQ(a.results.back(), Result::kComplete);
    expect_whole_datagram(a, frs[2], ps[2][0], ps[2][2]);
    // Datagram 2 still waits. A new datagram takes the free slot; the next one finds the
    // table full and, at datagram 2's timeout, its slot, without an expire() call.
    Fragmenter late(cucm_to_expc_v4(), 4, cucm_invite());
    std::vector<Packet> lp = packets(late.cut(), kT0 + 30 * kSecond);
    EXPECT_EQ(a.feed(lp[0]), Result::kHeld);
    EXPECT_EQ(a.feed(packets(frs[0].cut(), kT0 + 30 * kSecond)[0]), Result::kHeld);
    EXPECT_EQ(a.r.counters().timed_out, 1u);
    EXPECT_EQ(a.r.slots_in_use(), 2u);
    expect_accounting(a);
}

TEST(IpReassembly, FragmentsOfOtherProtocolsAreLeftAlone) {
    // A TCP and an ESP fragment with the same addresses and id interleaved with the INVITE's.
    for (const IpSpec& ip : {cucm_to_expc_v4(), cucm_to_expc_v6()}) {
        Fragmenter fr(ip, 12, cucm_invite());
        std::vector<Packet> ps = packets(fr.cut());
        Bytes junk(1480, 0x5a);
        Packet tcp = packet(fr.frame(1480, true, junk.data(), 1448, 6), kT0);
        Packet tcp_first = packet(fr.frame(0, true, junk.data(), 1448, 6), kT0);
        Packet esp = packet(fr.frame(0, true, junk.data(), 1448, 50), kT0);
        Reassembly a;
        EXPECT_EQ(a.feed(ps[0]), Result::kHeld);
        EXPECT_EQ(a.feed(tcp), Result::kOtherProtocol);
        EXPECT_EQ(a.feed(ps[1]), Result::kHeld);
        EXPECT_EQ(a.feed(tcp_first), Result::kOtherProtocol);
        EXPECT_EQ(esp.status, DecodeStatus::kNotTcpUdp);  // ESP: not analysed, but still a fragment
        EXPECT_EQ(a.r.feed(esp.v, a.datagram), Result::kOtherProtocol);
        EXPECT_EQ(a.feed(ps[2]), Result::kComplete);
        expect_whole_datagram(a, fr, ps[0], ps[2]);
        EXPECT_EQ(a.r.counters().other_protocol, 3u);
        EXPECT_EQ(a.r.counters().fragments, 3u);
    }
}

TEST(IpReassembly, SameIdFromDifferentSourcesAndVantagesStaysApart) {
    for (bool v6 : {false, true}) {
        IpSpec a_ip = v6 ? host_pair("2001:db8:1::21", "2001:db8:1::5") : host_pair("192.168.1.21", "192.168.1.5");
        IpSpec b_ip = v6 ? host_pair("2001:db8:1::22", "2001:db8:1::5") : host_pair("192.168.1.22", "192.168.1.5");
        Fragmenter fa(a_ip, 0x1234, cucm_invite("call-a@192.168.1.21"));
        Fragmenter fb(b_ip, 0x1234, cucm_invite("call-b@192.168.1.22"));
        Fragmenter fc(a_ip, 0x1234, cucm_invite("call-c@192.168.1.21"));  // a's twin seen at another vantage
        std::vector<Packet> all;
        for (size_t i = 0; i < 3; ++i) {
            all.push_back(packet(fa.cut()[i], kT0 + i, uint32_t(3 * i + 1), 0));
            all.push_back(packet(fb.cut()[2 - i], kT0 + i, uint32_t(3 * i + 2), 0));
            all.push_back(packet(fc.cut()[i], kT0 + i, uint32_t(3 * i + 3), 1));
        }
        std::mt19937 rng(v6 ? 6 : 4);
        for (int round = 0; round < 5; ++round) {
            Reassembly r;
            r.feed_all(all);
            ASSERT_EQ(r.delivered.size(), 3u);
            for (const Bytes* want : {&fa.udp, &fb.udp, &fc.udp})
                EXPECT_EQ(std::count(r.delivered.begin(), r.delivered.end(), *want), 1);
            EXPECT_EQ(r.r.slots_in_use(), 0u);
            std::shuffle(all.begin(), all.end(), rng);
        }
    }
}

TEST(IpReassembly, WholeDatagramsAndAtomicFragmentsAreNotFragments) {
    Reassembly a;
    Packet whole = packet(gen::build_udp({}, cucm_to_expc_v4(), {5060, 5060}, Bytes(200, 'a')), kT0);
    EXPECT_EQ(a.feed(whole), Result::kNotFragment);
    // RFC 6946: an IPv6 fragment header with offset 0 and M=0 is a whole datagram.
    IpSpec ip = cucm_to_expc_v6();
    ip.ipv6_ext = {Ipv6ExtHeader{44, {0, 0, 0, 0, 0, 77}}};
    Packet atomic = packet(gen::build_udp({}, ip, {5060, 5060}, Bytes(200, 'a')), kT0);
    ASSERT_EQ(atomic.status, DecodeStatus::kOk);
    EXPECT_TRUE(atomic.v.fragment);
    EXPECT_EQ(a.feed(atomic), Result::kNotFragment);
    EXPECT_EQ(a.r.counters().fragments, 0u);
}

TEST(IpReassembly, FragmentNotAllReadableIsDropped) {
    Fragmenter fr(cucm_to_expc_v4(), 13, cucm_invite());
    Packet p(fr.cut()[1], kT0, 1, 0, 1000);  // the rest is in a chained buffer
    ASSERT_EQ(p.status, DecodeStatus::kFragment);
    Reassembly a;
    EXPECT_EQ(a.feed(p), Result::kDropped);
    EXPECT_EQ(a.drops(FragDrop::kUnreadable), 1u);
}

TEST(IpReassembly, FeedAndExpireNeverAllocate) {
    IpReassemblyLimits l;
    l.slots = 4;
    IpReassembler r(l);
    std::mt19937 rng(1);
    std::vector<Packet> ps;
    // Groups of three datagrams interleaved, 10 s apart; some never complete.
    for (uint32_t group = 0; group < 12; ++group) {
        std::vector<Packet> g;
        for (uint32_t id = group * 3; id < group * 3 + 3; ++id) {
            Fragmenter fr(id % 2 ? cucm_to_expc_v6() : cucm_to_expc_v4(), id, cucm_invite());
            std::vector<Packet> p = packets(fr.cut(id % 3 ? 1500 : 576), kT0 + group * 10 * kSecond);
            if (id % 5 == 0) p.pop_back();
            g.insert(g.end(), std::make_move_iterator(p.begin()), std::make_move_iterator(p.end()));
        }
        std::shuffle(g.begin(), g.end(), rng);
        ps.insert(ps.end(), std::make_move_iterator(g.begin()), std::make_move_iterator(g.end()));
    }
    PacketView d;
    size_t complete = 0;
    const uint64_t counting = g_allocations.load();
    delete new Bytes(100);
    ASSERT_GT(g_allocations.load(), counting) << "the allocation counter does not count";
    const uint64_t before = g_allocations.load();
    for (const Packet& p : ps) {
        complete += r.feed(p.v, d) == Result::kComplete;
        r.expire(p.v.ts_ns);
    }
    r.expire(UINT64_MAX);
    const uint64_t after = g_allocations.load();
    EXPECT_EQ(after, before);
    EXPECT_GT(complete, 0u);
    EXPECT_EQ(r.slots_in_use(), 0u);
}

TEST(IpReassembly, DropReasonsHaveNames) {
    std::vector<std::string> names;
    for (size_t d = 0; d < size_t(FragDrop::kCount); ++d) names.push_back(frag_drop_name(FragDrop(d)));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
    EXPECT_EQ(std::count(names.begin(), names.end(), "unknown"), 0);
}

}  // namespace
}  // namespace cs
