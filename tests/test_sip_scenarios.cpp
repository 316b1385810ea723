// SIP scenarios of callsentry-gen, re-read from their frames by this test's
// own readers (decode for L2-L4; the TCP streams, the IP fragments and the
// SIP messages put back together here, independently of the generator and
// of the product's SIP parser): every stream splits into whole SIP messages
// with CRLF lines and true Content-Lengths, fragments reassemble to datagrams
// with a valid UDP checksum, and each scenario shows the guide's messages at
// the guide's times.
#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/decode.h"
#include "tests/sip_expected_verdicts.h"
#include "tools/gen/packet_builder.h"
#include "tools/gen/scenarios.h"
#include "tools/gen/sip_scenarios.h"

namespace {

using cs::gen::Frame;

constexpr uint64_t kUsNs = 1000;
constexpr uint64_t kMsNs = 1000 * kUsNs;
constexpr uint64_t kSecNs = 1000 * kMsNs;
constexpr uint64_t kMixPackets = 20000;

std::vector<Frame> generate(std::string_view name, uint64_t seed = 1, std::vector<Frame>* inside = nullptr) {
    const cs::gen::Scenario* s = cs::gen::find_scenario(name);
    if (!s) throw std::runtime_error("no scenario " + std::string(name));
    return s->generate({seed, kMixPackets, inside});
}

// UTC wall time -> ns, through the C library (not the generator's calendar).
uint64_t utc_ns(int y, int mo, int d, int h, int mi, int s, uint64_t us) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return uint64_t(timegm(&tm)) * kSecNs + us * kUsNs;
}

cs::IpAddr ip(const char* text) { return *cs::IpAddr::parse(text); }

struct Pkt {
    uint64_t ts;
    cs::PacketView v;
    const Frame* frame;
    bool syn() const { return v.is_tcp() && (v.tcp_flags & (cs::kSyn | cs::kAck)) == cs::kSyn; }
    bool syn_ack() const { return v.is_tcp() && (v.tcp_flags & (cs::kSyn | cs::kAck)) == (cs::kSyn | cs::kAck); }
};

// Every frame decodes; a fragment after the first stops at L3.
std::vector<Pkt> decode_all(const std::vector<Frame>& frames) {
    std::vector<Pkt> out;
    out.reserve(frames.size());
    for (const Frame& f : frames) {
        Pkt p{f.ts_ns, {}, &f};
        cs::DecodeStatus st = cs::decode_packet(f.bytes.data(), uint32_t(f.bytes.size()), p.v);
        if (p.v.fragment && p.v.frag_offset > 0) {
            EXPECT_EQ(st, cs::DecodeStatus::kFragment) << "frame " << out.size() + 1;
        } else {
            EXPECT_EQ(st, cs::DecodeStatus::kOk) << "frame " << out.size() + 1 << ": " << cs::decode_status_name(st);
        }
        out.push_back(p);
    }
    return out;
}

// --- UDP datagrams, fragments put back together

uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i]) << 8 | p[i + 1];
    if (n & 1) acc += uint32_t(p[n - 1]) << 8;
    return acc;
}
bool folds_to_ffff(uint32_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return acc == 0xffff;
}
uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

// RFC 768 / RFC 8200 8.1: the checksum over the pseudo-header and the whole datagram.
bool udp_checksum_ok(const cs::IpAddr& src, const cs::IpAddr& dst, const std::string& udp) {
    const auto* u = reinterpret_cast<const uint8_t*>(udp.data());
    uint32_t acc = 0;
    if (src.is_v4()) {
        acc = sum16(src.b + 12, 4, acc);
        acc = sum16(dst.b + 12, 4, acc);
    } else {
        acc = sum16(src.b, 16, acc);
        acc = sum16(dst.b, 16, acc);
    }
    acc += 17 + uint32_t(udp.size());
    return be16(u + 6) != 0 && folds_to_ffff(sum16(u, udp.size(), acc));
}

struct Datagram {
    uint64_t ts;  // its last frame
    cs::IpAddr src, dst;
    uint16_t sport = 0, dport = 0;
    std::string payload;
    size_t fragments = 1;
    bool df = false;
    uint16_t ip_id = 0;
    uint8_t ip_version = 4;
};

struct Fragment {
    uint16_t offset;
    bool more;
    std::string data;
    size_t ip_size;
};

// UDP datagrams in the order their last frame arrives. Fragments are
// collected per (source, destination, identification) and the datagram is
// rebuilt when they cover it from 0 to a last fragment without MF. `cut`:
// the capture may stop inside a datagram or a connection.
std::vector<Datagram> udp_datagrams(const std::vector<Pkt>& pkts, bool cut = false) {
    std::vector<Datagram> out;
    std::map<std::tuple<cs::IpAddr, cs::IpAddr, uint32_t>, std::vector<Fragment>> pending;
    for (const Pkt& p : pkts) {
        const size_t ip_size = p.frame->bytes.size() - 14 - 4 * p.v.vlan_count;
        if (!p.v.fragment) {
            if (!p.v.is_udp()) continue;
            Datagram d{p.ts,      p.v.src,   p.v.dst,
                       p.v.sport, p.v.dport, std::string(reinterpret_cast<const char*>(p.v.payload), p.v.payload_len)};
            d.df = p.v.df;
            d.ip_id = p.v.ip_id;
            d.ip_version = p.v.ip_version;
            std::string udp(reinterpret_cast<const char*>(p.v.payload) - 8, p.v.payload_len + 8);
            EXPECT_TRUE(udp_checksum_ok(p.v.src, p.v.dst, udp)) << "UDP checksum at " << p.ts;
            out.push_back(d);
            continue;
        }
        EXPECT_EQ(p.v.frag_proto, 17);
        EXPECT_FALSE(p.v.df) << "a fragment leaves with DF clear";
        EXPECT_LE(ip_size, 1500u) << "fragments fit the 1500-byte MTU";
        EXPECT_NE(p.v.frag_data, nullptr);
        if (!p.v.frag_data) continue;
        auto& frags = pending[{p.v.src, p.v.dst, p.v.frag_id}];
        frags.push_back({p.v.frag_offset, p.v.more_fragments,
                         std::string(reinterpret_cast<const char*>(p.v.frag_data), p.v.frag_len), ip_size});
        if (p.v.more_fragments) continue;
        std::sort(frags.begin(), frags.end(), [](const Fragment& a, const Fragment& b) { return a.offset < b.offset; });
        std::string udp;
        for (const Fragment& f : frags) {
            EXPECT_EQ(f.offset, udp.size()) << "fragments cover the datagram, no hole, no overlap";
            if (f.more) {
                EXPECT_EQ(f.data.size() % 8, 0u);
            }
            udp += f.data;
        }
        const auto* u = reinterpret_cast<const uint8_t*>(udp.data());
        EXPECT_EQ(be16(u + 4), udp.size()) << "UDP length covers every fragment";
        EXPECT_TRUE(udp_checksum_ok(p.v.src, p.v.dst, udp)) << "checksum of the reassembled datagram";
        Datagram d{p.ts, p.v.src, p.v.dst, be16(u), be16(u + 2), udp.substr(8)};
        d.fragments = frags.size();
        d.ip_id = p.v.ip_id;
        d.ip_version = p.v.ip_version;
        out.push_back(d);
        pending.erase({p.v.src, p.v.dst, p.v.frag_id});
    }
    if (!cut) {
        EXPECT_TRUE(pending.empty()) << "every fragmented datagram completes";
    }
    return out;
}

// --- TCP connections, both directions put back together

struct Segment {
    uint64_t ts;
    size_t offset;  // in its direction's stream
    size_t len;
};
struct Half {
    uint32_t isn = 0;
    std::string stream;
    std::vector<Segment> segments;
    std::vector<std::pair<uint64_t, uint32_t>> sent;  // (time, next sequence number after it)
    bool fin = false, rst = false;
    std::optional<uint64_t> rst_ts;
};
struct Connection {
    cs::IpAddr client, server;
    uint16_t client_port = 0, server_port = 0;
    std::vector<const Pkt*> pkts;
    Half dir[2];  // 0: client -> server
    int side(const Pkt& p) const { return p.v.src == client && p.v.sport == client_port ? 0 : 1; }
};

// Connections in order of their SYN. Data must follow the handshake and be
// contiguous from ISN+1 (the scenarios never retransmit a TCP segment), and
// no ACK may cover bytes not sent yet.
std::vector<Connection> tcp_connections(const std::vector<Pkt>& pkts, bool cut = false) {
    std::vector<Connection> out;
    std::map<std::tuple<cs::IpAddr, uint16_t, cs::IpAddr, uint16_t>, size_t> index;
    for (const Pkt& p : pkts) {
        if (!p.v.is_tcp()) continue;
        auto fwd = std::make_tuple(p.v.src, p.v.sport, p.v.dst, p.v.dport);
        auto rev = std::make_tuple(p.v.dst, p.v.dport, p.v.src, p.v.sport);
        size_t i;
        if (auto it = index.find(fwd); it != index.end()) {
            i = it->second;
        } else if (auto jt = index.find(rev); jt != index.end()) {
            i = jt->second;
        } else {
            EXPECT_TRUE(p.syn()) << "a connection starts with its SYN";
            Connection c;
            c.client = p.v.src;
            c.client_port = p.v.sport;
            c.server = p.v.dst;
            c.server_port = p.v.dport;
            out.push_back(std::move(c));
            i = out.size() - 1;
            index[fwd] = i;
        }
        Connection& c = out[i];
        c.pkts.push_back(&p);
        const int s = c.side(p);
        Half& h = c.dir[s];
        const Half& peer = c.dir[1 - s];
        if (p.syn() || p.syn_ack()) {
            h.isn = p.v.seq;
            h.sent.emplace_back(p.ts, p.v.seq + 1);
            continue;
        }
        if (p.v.tcp_flags & cs::kAck) {
            uint32_t high = peer.isn + 1;
            for (auto [t, next] : peer.sent)
                if (t <= p.ts) high = next;
            EXPECT_LE(int32_t(p.v.ack - high), 0) << "ACK of bytes not sent yet at " << p.ts;
        }
        if (p.v.tcp_flags & cs::kRst) {
            h.rst = true;
            h.rst_ts = p.ts;
            continue;
        }
        if (p.v.payload_len) {
            EXPECT_EQ(p.v.seq, uint32_t(h.isn + 1 + h.stream.size())) << "contiguous data at " << p.ts;
            h.segments.push_back({p.ts, h.stream.size(), p.v.payload_len});
            h.stream.append(reinterpret_cast<const char*>(p.v.payload), p.v.payload_len);
        }
        if (p.v.tcp_flags & cs::kFin) h.fin = true;
        h.sent.emplace_back(p.ts, uint32_t(h.isn + 1 + h.stream.size() + (h.fin ? 1 : 0)));
    }
    for (const Connection& c : out) {
        if (c.pkts.size() < 3) {
            EXPECT_TRUE(cut) << "a connection without its handshake";
            continue;
        }
        EXPECT_TRUE(c.pkts[0]->syn() && c.pkts[1]->syn_ack() && c.pkts[2]->v.tcp_flags == cs::kAck)
            << "handshake first";
    }
    return out;
}

const Connection* find_connection(const std::vector<Connection>& cs, uint16_t server_port, const char* client) {
    for (const Connection& c : cs)
        if (c.server_port == server_port && c.client == ip(client)) return &c;
    return nullptr;
}

// --- SIP messages

struct Msg {
    std::string text;
    uint64_t first_ts = 0, last_ts = 0;  // packets that carried its first and last byte
    size_t offset = 0;                   // in the stream
};

std::string start_line(const Msg& m) { return m.text.substr(0, m.text.find("\r\n")); }
std::string head(const Msg& m) { return m.text.substr(0, m.text.find("\r\n\r\n") + 4); }
std::string body(const Msg& m) { return m.text.substr(m.text.find("\r\n\r\n") + 4); }
// The value of the first header `name` ("Name: value", or "Name:value" as
// BroadWorks writes its responses).
std::optional<std::string> header(const Msg& m, std::string_view name) {
    const std::string key = "\r\n" + std::string(name) + ":";
    size_t at = m.text.find(key);
    if (at == std::string::npos || at > m.text.find("\r\n\r\n")) return std::nullopt;
    at += key.size();
    while (at < m.text.size() && m.text[at] == ' ') ++at;
    return m.text.substr(at, m.text.find("\r\n", at) - at);
}
bool has_line(const Msg& m, std::string_view line) {
    return m.text.find("\r\n" + std::string(line) + "\r\n") != std::string::npos;
}
size_t count_lines(const Msg& m, std::string_view prefix) {
    size_t n = 0;
    for (size_t at = m.text.find("\r\n" + std::string(prefix)); at != std::string::npos;
         at = m.text.find("\r\n" + std::string(prefix), at + 2))
        ++n;
    return n;
}
bool is_request(const Msg& m, std::string_view method) { return m.text.starts_with(std::string(method) + " sip:"); }
bool is_status(const Msg& m, std::string_view status) { return m.text.starts_with("SIP/2.0 " + std::string(status)); }

// One message's shape: a SIP start line, CRLF line ends only, the headers
// every message carries, a Content-Length equal to its body, SDP typed, and
// none of the OCR debris of the guide's transcripts.
void expect_well_formed(const Msg& m) {
    const std::string sl = start_line(m);
    EXPECT_TRUE(sl.starts_with("SIP/2.0 ") || sl.ends_with(" SIP/2.0")) << sl;
    for (size_t i = 0; i < m.text.size(); ++i)
        if (m.text[i] == '\n') {
            ASSERT_TRUE(i > 0 && m.text[i - 1] == '\r') << "bare LF in " << sl;
        }
    for (const char* h : {"Via", "Call-ID", "CSeq", "From", "To", "Content-Length"})
        EXPECT_TRUE(header(m, h).has_value()) << h << " missing in " << sl;
    const std::string b = body(m);
    EXPECT_EQ(header(m, "Content-Length").value_or("-"), std::to_string(b.size())) << sl;
    EXPECT_EQ(header(m, "Content-Type").has_value(), !b.empty()) << sl;
    if (!b.empty()) {
        EXPECT_EQ(*header(m, "Content-Type"), "application/sdp");
        EXPECT_TRUE(b.starts_with("v=0\r\n")) << sl;
        EXPECT_TRUE(b.ends_with("\r\n")) << sl;
    }
    for (const char* debris :
         {"\xc2\xa3", "\xc2\xa2", "CSeqg", "CSeq@", "12sip", "s8ip", "AsS:", "; rport", "; transport"})
        EXPECT_EQ(m.text.find(debris), std::string::npos) << debris << " in " << sl;
}

// Splits a stream into its messages by the header block and Content-Length.
// `cut`: the capture may stop inside the last message.
std::vector<Msg> sip_messages(const Half& h, bool cut = false) {
    std::vector<Msg> out;
    size_t off = 0;
    auto ts_of = [&](size_t byte) {
        for (const Segment& s : h.segments)
            if (byte >= s.offset && byte < s.offset + s.len) return s.ts;
        return uint64_t(0);
    };
    while (off < h.stream.size()) {
        const size_t end_of_head = h.stream.find("\r\n\r\n", off);
        if (end_of_head == std::string::npos) break;
        Msg probe;
        probe.text = h.stream.substr(off, end_of_head + 4 - off);
        const std::optional<std::string> cl = header(probe, "Content-Length");
        EXPECT_TRUE(cl.has_value());
        if (!cl) break;
        const size_t total = end_of_head + 4 - off + std::stoul(*cl);
        if (off + total > h.stream.size()) break;
        Msg m;
        m.text = h.stream.substr(off, total);
        m.offset = off;
        m.first_ts = ts_of(off);
        m.last_ts = ts_of(off + total - 1);
        expect_well_formed(m);
        out.push_back(std::move(m));
        off += total;
    }
    if (!cut) {
        EXPECT_EQ(off, h.stream.size()) << "the stream ends on a message boundary";
    }
    return out;
}

std::vector<Msg> sip_messages(const std::vector<Datagram>& ds, const char* src) {
    std::vector<Msg> out;
    for (const Datagram& d : ds) {
        if (d.src != ip(src)) continue;
        Msg m{d.payload, d.ts, d.ts, 0};
        expect_well_formed(m);
        out.push_back(std::move(m));
    }
    return out;
}

std::vector<std::string> start_lines(const std::vector<Msg>& ms) {
    std::vector<std::string> out;
    for (const Msg& m : ms) out.push_back(start_line(m));
    return out;
}

// --- the packet builder's fragments

std::vector<Frame> as_frames(const std::vector<std::vector<uint8_t>>& fs) {
    std::vector<Frame> out;
    for (size_t i = 0; i < fs.size(); ++i) out.push_back({i * kUsNs, fs[i]});
    return out;
}

TEST(UdpFragments, Ipv4DatagramSplitsAtTheMtuIntoEightByteAlignedFragmentsThatReassemble) {
    cs::gen::IpSpec ipv4;
    ipv4.src = ip("192.168.1.21");
    ipv4.dst = ip("192.168.1.5");
    ipv4.df = false;
    ipv4.ip_id = 0x1234;
    std::vector<uint8_t> payload(3000);
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = uint8_t(i * 7);
    std::vector<Frame> frames = as_frames(cs::gen::build_udp_fragments({}, ipv4, {5060, 5060}, payload, 1500));
    ASSERT_EQ(frames.size(), 3u);  // 3008 bytes of UDP: 1480 + 1480 + 48
    std::vector<Pkt> pkts = decode_all(frames);
    const uint16_t offsets[] = {0, 1480, 2960};
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_TRUE(pkts[i].v.fragment);
        EXPECT_EQ(pkts[i].v.frag_offset, offsets[i]);
        EXPECT_EQ(pkts[i].v.more_fragments, i < 2);
        EXPECT_EQ(pkts[i].v.ip_id, 0x1234);
        EXPECT_FALSE(pkts[i].v.df);
    }
    EXPECT_EQ(frames[0].bytes.size(), 14u + 1500u);
    EXPECT_EQ(frames[2].bytes.size(), 14u + 20u + 48u);
    std::vector<Datagram> ds = udp_datagrams(pkts);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].payload, std::string(payload.begin(), payload.end()));
    EXPECT_EQ(ds[0].fragments, 3u);
}

TEST(UdpFragments, Ipv6FragmentsRepeatTheUnfragmentablePartAndCarryAFragmentHeader) {
    cs::gen::IpSpec ipv6;
    ipv6.src = ip("2001:db8:1::21");
    ipv6.dst = ip("2001:db8:1::5");
    ipv6.ipv6_ext.push_back({0, {}});  // hop-by-hop, padded to 8 bytes
    std::vector<uint8_t> payload(2000, 'x');
    std::vector<Frame> frames =
        as_frames(cs::gen::build_udp_fragments({}, ipv6, {5060, 5060}, payload, 1500, 0xcafef00d));
    ASSERT_EQ(frames.size(), 2u);  // 1500 - 40 - 8 (hop-by-hop) - 8 (fragment header) = 1444 -> 1440 per fragment
    std::vector<Pkt> pkts = decode_all(frames);
    EXPECT_EQ(pkts[0].v.frag_offset, 0);
    EXPECT_EQ(pkts[1].v.frag_offset, 1440);
    for (const Pkt& p : pkts) {
        EXPECT_EQ(p.v.frag_id, 0xcafef00du);
        EXPECT_EQ(p.frame->bytes[14 + 6], 0) << "hop-by-hop first";
        EXPECT_EQ(p.frame->bytes[14 + 40], 44) << "then the Fragment header";
        EXPECT_LE(p.frame->bytes.size() - 14, 1500u);
    }
    std::vector<Datagram> ds = udp_datagrams(pkts);
    ASSERT_EQ(ds.size(), 1u);
    EXPECT_EQ(ds[0].payload, std::string(2000, 'x'));
}

TEST(UdpFragments, RefusesWhatAStackWouldNotFragment) {
    cs::gen::IpSpec ipv4;
    ipv4.src = ip("192.168.1.21");
    ipv4.dst = ip("192.168.1.5");
    ipv4.df = false;
    EXPECT_THROW(cs::gen::build_udp_fragments({}, ipv4, {1, 2}, std::vector<uint8_t>(1472), 1500),
                 std::invalid_argument)
        << "fits in one packet";
    EXPECT_NO_THROW(cs::gen::build_udp_fragments({}, ipv4, {1, 2}, std::vector<uint8_t>(1473), 1500));
    EXPECT_THROW(cs::gen::build_udp_fragments({}, ipv4, {1, 2}, std::vector<uint8_t>(4000), 24), std::invalid_argument)
        << "MTU too small";
    ipv4.df = true;
    EXPECT_THROW(cs::gen::build_udp_fragments({}, ipv4, {1, 2}, std::vector<uint8_t>(4000), 1500),
                 std::invalid_argument)
        << "DF set";
}

// --- every SIP scenario

class EverySipScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(EverySipScenario, StreamsAndDatagramsAreWholeWellFormedSipMessages) {
    const cs::gen::Scenario* s = cs::gen::find_scenario(GetParam());
    ASSERT_NE(s, nullptr);
    std::vector<Frame> inside;
    std::vector<Frame> frames = generate(GetParam(), 1, &inside);
    for (const std::vector<Frame>* capture : {&frames, &inside}) {
        if (capture->empty()) continue;
        std::vector<Pkt> pkts = decode_all(*capture);
        size_t messages = 0;
        for (const Connection& c : tcp_connections(pkts, s->sized))
            for (const Half& h : c.dir) messages += sip_messages(h, s->sized).size();
        for (const Datagram& d : udp_datagrams(pkts, s->sized)) {
            Msg m{d.payload, d.ts, d.ts, 0};
            expect_well_formed(m);
            ++messages;
        }
        EXPECT_GT(messages, 0u);
    }
    EXPECT_EQ(!inside.empty(), s->two_vantage);
}

TEST_P(EverySipScenario, SeedChangesGeneratedIdentifiersButNotSizesOrTimes) {
    std::vector<Frame> a = generate(GetParam(), 1), b = generate(GetParam(), 2), a2 = generate(GetParam(), 1);
    ASSERT_EQ(a.size(), b.size());
    bool differ = false;
    for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].ts_ns, b[i].ts_ns) << "frame " << i + 1;
        ASSERT_EQ(a[i].bytes.size(), b[i].bytes.size()) << "frame " << i + 1;
        ASSERT_EQ(a[i].bytes, a2[i].bytes) << "frame " << i + 1 << ": same seed, same bytes";
        differ |= a[i].bytes != b[i].bytes;
    }
    EXPECT_TRUE(differ);
}

// The guide's identifiers are the guide's whatever the seed; what a stack
// draws at random (SRTP keys, tags and Call-IDs the guide does not give)
// follows the seed, at the same length.
std::string mask_keys(std::string text) {
    for (size_t at = text.find("inline:"); at != std::string::npos; at = text.find("inline:", at + 1))
        text.replace(at + 7, 40, std::string(40, '*'));
    return text;
}
std::vector<Msg> tcp_messages(const std::vector<Frame>& frames, int dir) {
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    return conns.empty() ? std::vector<Msg>{} : sip_messages(conns[0].dir[dir]);
}

TEST(SipSeeds, GuideIdentifiersStayAndGeneratedOnesFollowTheSeed) {
    std::vector<Frame> a = generate("sip-in-preloaded-route-404", 1), b = generate("sip-in-preloaded-route-404", 2);
    std::vector<Msg> a_e = tcp_messages(a, 1), b_e = tcp_messages(b, 1), a_c = tcp_messages(a, 0),
                     b_c = tcp_messages(b, 0);
    ASSERT_EQ(a_e.size(), 2u);
    ASSERT_EQ(b_e.size(), 2u);
    ASSERT_EQ(a_c.size(), 1u);
    ASSERT_EQ(b_c.size(), 1u);
    EXPECT_EQ(a_c[0].text, b_c[0].text) << "the 404 is the guide's, every value";
    EXPECT_NE(a_e[0].text, b_e[0].text) << "the offer's SRTP keys are the seed's";
    EXPECT_EQ(mask_keys(a_e[0].text), mask_keys(b_e[0].text));

    std::vector<Frame> fa = generate("sip-healthy-udp", 1), fb = generate("sip-healthy-udp", 2);
    std::vector<Pkt> pa = decode_all(fa), pb = decode_all(fb);
    std::vector<Msg> ma = sip_messages(udp_datagrams(pa), "192.168.1.21"),
                     mb = sip_messages(udp_datagrams(pb), "192.168.1.21");
    ASSERT_FALSE(ma.empty());
    ASSERT_FALSE(mb.empty());
    EXPECT_NE(header(ma[0], "Call-ID"), header(mb[0], "Call-ID"));
    EXPECT_EQ(header(ma[0], "Call-ID")->size(), header(mb[0], "Call-ID")->size());
    EXPECT_NE(header(ma[0], "From"), header(mb[0], "From"));
}

std::vector<std::string> sip_scenario_names() {
    std::vector<std::string> v;
    for (const cs::gen::Scenario& s : cs::gen::sip_scenarios()) {
        EXPECT_NE(cs::gen::find_scenario(s.name), nullptr) << s.name << " is listed by the registry";
        v.emplace_back(s.name);
    }
    return v;
}

INSTANTIATE_TEST_SUITE_P(All, EverySipScenario, ::testing::ValuesIn(sip_scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                             std::string n = i.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(SipScenarios, EveryVerdictNamesAScenarioAndEveryFixedScenarioHasVerdicts) {
    std::set<std::string> names;
    for (const std::string& n : sip_scenario_names()) names.insert(n);
    for (const auto& [name, codes] : kSipScenarioVerdicts) {
        EXPECT_TRUE(names.count(name)) << name;
        // Only a healthy registration yields nothing (no registration OK event).
        EXPECT_EQ(codes.empty(), name == "wxc-register-healthy-clear") << name;
    }
    for (const std::string& n : names) {
        if (!cs::gen::find_scenario(n)->sized) {
            EXPECT_TRUE(kSipScenarioVerdicts.count(n)) << n;
        }
    }
    EXPECT_EQ(names.size(), 15u);
}

// --- IN-4

TEST(SipInPreloadedRoute, InviteWithTheRouteThen404PolicyResponse6msLaterAndTheAck) {
    std::vector<Frame> frames = generate("sip-in-preloaded-route-404");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    ASSERT_EQ(conns.size(), 1u);
    const Connection& c = conns[0];
    EXPECT_EQ(c.client, ip("192.168.1.5"));  // the Expressway-C's traversal connection
    EXPECT_EQ(c.client_port, 26847);
    EXPECT_EQ(c.server, ip("192.168.1.6"));
    EXPECT_EQ(c.server_port, 5060);
    std::vector<Msg> from_e = sip_messages(c.dir[1]), from_c = sip_messages(c.dir[0]);
    ASSERT_EQ(start_lines(from_e), (std::vector<std::string>{"INVITE sip:jorobb@rtp.ciscotac.net SIP/2.0",
                                                             "ACK sip:jorobb@rtp.ciscotac.net SIP/2.0"}));
    ASSERT_EQ(start_lines(from_c), (std::vector<std::string>{"SIP/2.0 404 Not Found"}));
    const Msg& invite = from_e[0];
    const Msg& nf = from_c[0];
    const Msg& ack = from_e[1];
    EXPECT_GT(invite.last_ts, invite.first_ts) << "the INVITE spans several segments";

    EXPECT_EQ(invite.first_ts, utc_ns(2017, 9, 19, 18, 16, 15, 830'000));
    EXPECT_EQ(nf.first_ts, utc_ns(2017, 9, 19, 18, 16, 15, 836'000));
    EXPECT_GT(ack.first_ts, nf.last_ts);
    EXPECT_LT(ack.first_ts - nf.last_ts, 1 * kMsNs);

    // The guide's lines (EN L1423-1471, L1553-1597).
    for (const char* line :
         {"Call-ID: 9062bca7eca2afe71b4a225048ed5101@127.0.0.1", "CSeq: 1 INVITE",
          "Contact: <sip:192.168.1.6:5073;transport=tls>;call-type=squared",
          "From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=872524918",
          "To: <sip:jorobb@rtp.ciscotac.net>", "Max-Forwards: 15", "Route: <sip:cucm.rtp.ciscotac.net;lr>",
          "Via: SIP/2.0/TLS 192.168.5.66:5062;branch=z9hG4bK0f455ca79cf1b0af5637333aa5286436;"
          "received=146.20.193.45;rport=35464;ingress-zone=HybridCallServicesDNS"})
        EXPECT_TRUE(has_line(invite, line)) << line;
    EXPECT_TRUE(invite.text.find("proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d") != std::string::npos);
    for (const char* line : {"SIP/2.0 404 Not Found", "To: <sip:jorobb@rtp.ciscotac.net>;tag=96b9a0eaf669a590",
                             "Server: TANDBERG/4135 (X8.10.2)", "Warning: 399 192.168.1.5:5061 \"Policy Response\"",
                             "Session-ID: 00000000000000000000000000000000;remote=daf7c278732bb5a557fb57925dffcbf7",
                             "Call-ID: 9062bca7eca2afe71b4a225048ed5101@127.0.0.1", "Content-Length: 0"})
        EXPECT_TRUE(nf.text.starts_with(std::string(line) + "\r\n") || has_line(nf, line)) << line;
    // The 404 returns the INVITE's five Vias, the top one marked received.
    EXPECT_EQ(count_lines(nf, "Via: "), 5u);
    EXPECT_EQ(count_lines(invite, "Via: "), 5u);
    // RFC 3581: the answer fills in the rport the INVITE asked for.
    std::string top = *header(invite, "Via");
    ASSERT_TRUE(top.ends_with(";rport"));
    top.resize(top.size() - 6);
    EXPECT_EQ(*header(nf, "Via"), top + ";received=192.168.1.6;rport=7003;ingress-zone=HybridCallServiceTraversal");
    // RFC 3261 17.1.1.3: the ACK repeats the INVITE's top Via and Route.
    EXPECT_EQ(header(ack, "Via"), header(invite, "Via"));
    EXPECT_EQ(header(ack, "CSeq"), "1 ACK");
    EXPECT_EQ(header(ack, "To"), header(nf, "To"));
    EXPECT_EQ(header(ack, "Route"), "<sip:cucm.rtp.ciscotac.net;lr>");
}

// --- OUT-3, OUT-4

struct Refusal {
    std::vector<Msg> from_c, from_e;
};
Refusal refusal(const char* scenario) {
    std::vector<Frame> frames = generate(scenario);
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    EXPECT_EQ(conns.size(), 1u);
    if (conns.empty()) return {};
    EXPECT_EQ(conns[0].client, ip("192.168.1.5"));
    EXPECT_EQ(conns[0].client_port, 25675);  // EN L2956
    EXPECT_EQ(conns[0].server_port, 5060);
    return {sip_messages(conns[0].dir[0]), sip_messages(conns[0].dir[1])};
}

TEST(SipOutSearchRule, InviteTo_dmzlab_Then100ThenThe404PolicyResponse10_3sLater) {
    Refusal r = refusal("sip-out-search-rule-404");
    ASSERT_EQ(start_lines(r.from_c),
              (std::vector<std::string>{"INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0",
                                        "ACK sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0"}));
    ASSERT_EQ(start_lines(r.from_e), (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 404 Not Found"}));
    const Msg& invite = r.from_c[0];
    EXPECT_EQ(invite.first_ts, utc_ns(2017, 9, 25, 15, 26, 2, 959'000));
    EXPECT_EQ(r.from_e[1].first_ts, utc_ns(2017, 9, 25, 15, 26, 13, 286'000));
    EXPECT_LT(r.from_e[0].first_ts - invite.last_ts, 200 * kMsNs) << "100 Trying within 200 ms";
    EXPECT_EQ(header(invite, "Call-ID"), "d58f2680-9c91200a-1c7ba-1501a8c0@192.168.1.21");
    EXPECT_EQ(header(invite, "X-TAATag"), "8e8c014d-5d01-4581-8108-5cb096778fc5");
    EXPECT_EQ(header(invite, "Content-Length"), "714");
    EXPECT_EQ(body(invite).size(), 714u);
    EXPECT_EQ(header(invite, "User-Agent"), "Cisco-CUCM11.5");
    EXPECT_TRUE(has_line(invite, "Date: Mon, 25 Sep 2017 15:26:02 GMT"));
    const Msg& nf = r.from_e[1];
    EXPECT_EQ(header(nf, "To"), "<sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=10d2cfbc45e4373f");
    EXPECT_EQ(header(nf, "Warning"), "399 192.168.1.6:7003 \"Policy Response\"");
    EXPECT_EQ(header(nf, "Server"), "TANDBERG/4135 (X8.10.2)");
    EXPECT_EQ(header(nf, "Session-ID"), "00000000000000000000000000000000;remote=75957d4fb66a13e835c10737aa505813");
    EXPECT_EQ(header(r.from_c[1], "CSeq"), "101 ACK");
}

TEST(SipOutCpl, InviteRefused403PolicyResponse5msLaterWithout100) {
    Refusal r = refusal("sip-out-cpl-403");
    ASSERT_EQ(r.from_c.size(), 2u);
    ASSERT_EQ(start_lines(r.from_e), (std::vector<std::string>{"SIP/2.0 403 Forbidden"}));
    EXPECT_EQ(r.from_c[0].first_ts, utc_ns(2017, 9, 25, 20, 54, 43, 722'000));
    EXPECT_EQ(r.from_e[0].first_ts, utc_ns(2017, 9, 25, 20, 54, 43, 727'000));
    EXPECT_EQ(header(r.from_c[0], "Call-ID"), "c030f100-9c916d13-1cdcb-1501a8c0@192.168.1.21");
    EXPECT_EQ(header(r.from_c[0], "From"),
              "\"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=512579~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30107000");
    EXPECT_EQ(header(r.from_c[0], "X-TAATag"), "4fffefed-0512-4067-ac8c-35828f0a1150");
    EXPECT_EQ(header(r.from_e[0], "To"), "<sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=64fe7f9eab37029d");
    EXPECT_EQ(header(r.from_e[0], "Warning"), "399 192.168.1.6:7003 \"Policy Response\"");
    EXPECT_EQ(header(r.from_e[0], "Session-ID"),
              "00000000000000000000000000000000;remote=75957d4fb66a13e835c10737aa512577");
}

// --- BI-1

TEST(SipCodecRejected, G729OfferAudioZeroedAnswerThenByeCause47_103msAfterThe200) {
    std::vector<Frame> frames = generate("sip-codec-rejected");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    const Connection* c = find_connection(conns, 5060, "64.102.241.236");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->client_port, 25034);
    EXPECT_EQ(c->server, ip("146.20.193.64"));
    std::vector<Msg> out = sip_messages(c->dir[0]), in = sip_messages(c->dir[1]);
    ASSERT_EQ(start_lines(out),
              (std::vector<std::string>{"INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0",
                                        "ACK sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls SIP/2.0",
                                        "BYE sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls SIP/2.0"}));
    ASSERT_EQ(start_lines(in), (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK",
                                                         "SIP/2.0 200 OK"}));
    EXPECT_EQ(out[0].first_ts, utc_ns(2017, 9, 19, 14, 46, 10, 488'000));
    EXPECT_EQ(in[0].first_ts, utc_ns(2017, 9, 19, 14, 46, 10, 755'000));
    EXPECT_EQ(in[1].first_ts, utc_ns(2017, 9, 19, 14, 46, 11, 537'000));
    EXPECT_EQ(in[2].first_ts, utc_ns(2017, 9, 19, 14, 46, 27, 72'000));
    EXPECT_EQ(out[1].first_ts, utc_ns(2017, 9, 19, 14, 46, 27, 80'000));
    EXPECT_EQ(out[2].first_ts - in[2].first_ts, 103 * kMsNs);
    EXPECT_GT(in[3].first_ts, out[2].last_ts);
    for (const Msg& m : out) EXPECT_EQ(header(m, "Call-ID"), "44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21");
    for (const Msg& m : in) EXPECT_EQ(header(m, "Call-ID"), "44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21");

    const Msg& invite = out[0];
    EXPECT_EQ(header(invite, "Content-Length"), "1407");
    for (const char* line : {"m=audio 52668 RTP/SAVP 18 101", "a=rtpmap:18 G729/8000", "a=fmtp:18 annexb=no",
                             "o=tandberg 0 1 IN IP4 64.102.241.236", "m=video 52670 RTP/SAVP 126 97", "a=label:11"})
        EXPECT_TRUE(has_line(invite, line)) << line;
    for (const char* line :
         {"Contact: <sip:172.16.2.2:5073;transport=tls>;video;audio", "Max-Forwards: 14",
          "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)", "X-TAATag: 14a0bd87-1825-4ecf-9f3d-4a23cfa69725",
          "Session-ID: 75957d4fb66a13e835c10737aa329445;remote=00000000000000000000000000000000"})
        EXPECT_TRUE(has_line(invite, line)) << line;
    const Msg& ok = in[2];
    EXPECT_EQ(header(ok, "Content-Length"), "503");
    EXPECT_TRUE(has_line(ok, "m=audio 0 RTP/SAVP *"));
    EXPECT_TRUE(has_line(ok, "m=video 33512 RTP/SAVP 108"));
    EXPECT_EQ(header(ok, "To"), "<sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=1311451760");
    EXPECT_EQ(header(ok, "Locus"), "4711a33f-9d49-11e7-9bf6-dea12d0f2127");
    EXPECT_EQ(header(ok, "User-Agent"), "Cisco-L2SIP");
    const Msg& bye = out[2];
    EXPECT_EQ(header(bye, "Reason"), "Q.850 ;cause=47");
    EXPECT_EQ(header(bye, "CSeq"), "102 BYE");
    EXPECT_EQ(header(in[3], "CSeq"), "102 BYE");
}

// --- BI-2

TEST(SipMessageTooLarge, CucmResetsThe8804Byte200OkAfterAckingItAndWebexResendsItUntil603) {
    std::vector<Frame> frames = generate("sip-message-too-large");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    const Connection* trunk = find_connection(conns, 5060, "192.168.1.21");
    const Connection* leg = find_connection(conns, 5060, "64.102.241.236");
    ASSERT_NE(trunk, nullptr);
    ASSERT_NE(leg, nullptr);
    EXPECT_EQ(trunk->server, ip("192.168.1.5"));
    EXPECT_EQ(leg->client_port, 25150);  // EN L4069

    // The trunk: INVITE (delayed offer), 100, 180, the 200 OK, the CUCM's reset.
    std::vector<Msg> cucm = sip_messages(trunk->dir[0]), expc = sip_messages(trunk->dir[1]);
    ASSERT_EQ(start_lines(cucm),
              (std::vector<std::string>{"INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0"}))
        << "the CUCM never answers the 200 OK";
    EXPECT_EQ(header(cucm[0], "Content-Length"), "0");
    EXPECT_FALSE(header(cucm[0], "Content-Type").has_value()) << "delayed offer";
    EXPECT_EQ(cucm[0].first_ts, utc_ns(2017, 1, 4, 14, 5, 1, 183'000));
    ASSERT_EQ(start_lines(expc),
              (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK"}));
    EXPECT_EQ(expc[0].first_ts, utc_ns(2017, 1, 4, 14, 5, 1, 190'000));
    EXPECT_EQ(expc[1].first_ts, utc_ns(2017, 1, 4, 14, 5, 4, 25'000));
    const Msg& ok = expc[2];
    EXPECT_GT(ok.text.size(), 5000u) << "over the CUCM's 5000-byte limit";
    EXPECT_EQ(ok.text.size(), 8804u);  // 5000 read + "Bytes Remaining 3804"
    EXPECT_EQ(header(ok, "Content-Length"), "4068");
    EXPECT_EQ(head(ok).size(), 4736u);
    EXPECT_EQ(header(ok, "Locus"), "c904ecb1-d286-11e6-bfdf-b60ed914549d");
    size_t segments = 0;
    for (const Segment& s : trunk->dir[1].segments)
        segments += s.offset + s.len > ok.offset && s.offset < ok.offset + ok.text.size();
    EXPECT_GE(segments, 4u) << "8.8 KB span several MSS-sized segments";

    const Half& h = trunk->dir[0];
    ASSERT_TRUE(h.rst) << "the CUCM resets the connection";
    EXPECT_EQ(*h.rst_ts, utc_ns(2017, 1, 4, 14, 5, 19, 762'000));
    uint32_t acked = 0;
    bool rst_from_cucm = false;
    for (const Pkt* p : trunk->pkts) {
        if (p->v.src != ip("192.168.1.21")) continue;
        if (p->v.tcp_flags & cs::kRst) {
            rst_from_cucm = true;
            break;
        }
        if (p->v.tcp_flags & cs::kAck) acked = p->v.ack - (trunk->dir[1].isn + 1);
    }
    EXPECT_TRUE(rst_from_cucm);
    EXPECT_GE(acked, ok.offset + 5000) << "the CUCM's kernel ACKed 5000+ bytes of the 200 OK before the reset";
    for (const Pkt* p : trunk->pkts) EXPECT_LE(p->ts, *h.rst_ts) << "nothing after the reset on the trunk";

    // Webex's leg: INVITE, 100, 180, the 200 OK at 19.733 and again after T1
    // doubling to T2, never ACKed, then the 603 at 40.645, same Call-ID.
    std::vector<Msg> e = sip_messages(leg->dir[0]), w = sip_messages(leg->dir[1]);
    ASSERT_EQ(start_lines(e),
              (std::vector<std::string>{"INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0"}));
    EXPECT_EQ(header(e[0], "Call-ID"), header(cucm[0], "Call-ID"));
    ASSERT_EQ(w.size(), 11u);
    EXPECT_TRUE(is_status(w[0], "100 Trying"));
    EXPECT_TRUE(is_status(w[1], "180 Ringing"));
    const uint64_t t_ok = utc_ns(2017, 1, 4, 14, 5, 19, 733'000);
    const uint64_t offsets_ms[] = {0, 500, 1500, 3500, 7500, 11500, 15500, 19500};
    for (size_t i = 0; i < 8; ++i) {
        const Msg& m = w[2 + i];
        EXPECT_TRUE(is_status(m, "200 OK")) << i;
        EXPECT_EQ(m.text, w[2].text) << "the same 200 OK resent";
        EXPECT_EQ(m.first_ts, t_ok + offsets_ms[i] * kMsNs) << i;
        EXPECT_GT(m.text.size(), 8804u) << "with the two Expressway Vias it carries more";
    }
    EXPECT_EQ(body(w[2]), body(ok));
    const Msg& decline = w[10];
    EXPECT_EQ(start_line(decline), "SIP/2.0 603 Decline");
    EXPECT_EQ(decline.first_ts, utc_ns(2017, 1, 4, 14, 5, 40, 645'000));
    EXPECT_EQ(header(decline, "Call-ID"), header(cucm[0], "Call-ID"));
}

// --- seed 003, verbatim (captures 2.3 b and c, wrapped lines joined)

constexpr const char* kCmrInvite =
    "INVITE sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0\r\n"
    "Via: SIP/2.0/TLS 58.162.48.4:5061;egress-zone=DNSZoneB2B;branch=z9hG4bK6f09b6c9d25bf7f92fa25e6f9a336a0b52417."
    "3f21ed7645b445bb8e55e174caa5935c;proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1;rport\r\n"
    "Via: SIP/2.0/TLS 172.28.21.104:5061;egress-zone=TraversalClientB2B;branch=z9hG4bKae647bb81b403d0562281463002ad68a"
    "379858.bdfb90811a812d6a11d607f3e17095a1;proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66;received=172.28.21.104;"
    "rport=25048;ingress-zone=TraversalServerB2B\r\n"
    "Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK11c80762b0b051;received=172.28.21.100;"
    "ingress-zone=CUCMNeighborZoneB2B\r\n"
    "Call-ID: e7672380-5991e82c-e0ca3-64151cac@172.28.21.100\r\n"
    "CSeq: 101 INVITE\r\n"
    "Remote-Party-ID: \"7221.company.com.au\" <sip:172.28.21.100>;party=calling;screen=yes;privacy=off\r\n"
    "Contact: <sip:172.28.21.100:5560;transport=tcp>;video;audio;isFocus;sip.cisco.multistream;x-cisco-tip;"
    "+multiple-codecs-in-ans\r\n"
    "From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423\r\n"
    "To: <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>\r\n"
    "Max-Forwards: 14\r\n"
    "Record-Route: <sip:proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1@58.162.48.4:5061;transport=tls;lr>\r\n"
    "Record-Route: <sip:proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1@172.28.21.110:7011;transport=tls;lr>\r\n"
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5061;transport=tls;lr>\r\n"
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5060;transport=tcp;lr>\r\n"
    "Allow: INVITE,OPTIONS,INFO,BYE,CANCEL,ACK,PRACK,UPDATE,REFER,SUBSCRIBE,NOTIFY\r\n"
    "User-Agent: Cisco-CUCM10.5\r\n"
    "Expires: 180\r\n"
    "Date: Mon, 06 Jul 2015 02:30:04 GMT\r\n"
    "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called\r\n"
    "Session-Expires: 1800\r\n"
    "Min-SE: 1800\r\n"
    "Allow-Events: presence\r\n"
    "X-TAATag: 4a936c0c-69a7-4fd8-a070-82b7c3ecb3ce\r\n"
    "Call-Info: <urn:x-cisco-remotecc:callinfo>;x-cisco-video-traffic-class=DESKTOP\r\n"
    "Cisco-Guid: 3882296192-0000065536-0000007914-1679105196\r\n"
    "Content-Length: 0\r\n\r\n";

constexpr const char* kCmr500 =
    "SIP/2.0 500 Internal Server Error\r\n"
    "Via: SIP/2.0/TLS 58.162.48.4:5061;branch=z9hG4bK6f09b6c9d25bf7f92fa25e6f9a336a0b52417."
    "3f21ed7645b445bb8e55e174caa5935c;rport=25129;egress-zone=DNSZoneB2B;"
    "proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1\r\n"
    "Via: SIP/2.0/TLS 172.28.21.104:5061;branch=z9hG4bKae647bb81b403d0562281463002ad68a379858."
    "bdfb90811a812d6a11d607f3e17095a1;rport=25048;egress-zone=TraversalClientB2B;"
    "proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66;received=172.28.21.104;ingress-zone=TraversalServerB2B\r\n"
    "Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK11c80762b0b051;received=172.28.21.100;"
    "ingress-zone=CUCMNeighborZoneB2B\r\n"
    "Call-ID: e7672380-5991e82c-e0ca3-64151cac@172.28.21.100\r\n"
    "CSeq: 101 INVITE\r\n"
    "From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423\r\n"
    "To: \"CiscoWebEx\" <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>;tag=38659d409ccec3f7\r\n"
    "Server: TANDBERG/4352 (X8.5.2-b2bua-1.0)\r\n"
    "P-Asserted-Identity: \"CiscoWebEx\" <sip:webex.com>\r\n"
    "Warning: 399 114.29.213.174:5071 \"Invalid content in far end 200 OK\"\r\n"
    "Content-Length: 0\r\n\r\n";

TEST(SipDelayedOffer, TheSeedsInviteAnd500VerbatimThe500After1_129sThenTheAck) {
    std::vector<Frame> frames = generate("sip-delayed-offer-500");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    ASSERT_EQ(conns.size(), 1u);
    const Connection& c = conns[0];
    EXPECT_EQ(c.client, ip("58.162.48.4"));
    EXPECT_EQ(c.client_port, 25129);
    EXPECT_EQ(c.server_port, 5060);
    std::vector<Msg> e = sip_messages(c.dir[0]), w = sip_messages(c.dir[1]);
    ASSERT_EQ(e.size(), 2u);
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(e[0].text, kCmrInvite);
    EXPECT_EQ(w[0].text, kCmr500);
    EXPECT_EQ(e[0].first_ts, utc_ns(2015, 7, 6, 2, 30, 3, 758'000));
    EXPECT_EQ(w[0].first_ts - e[0].first_ts, 1129 * kMsNs);
    EXPECT_EQ(start_line(e[1]), "ACK sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0");
    EXPECT_EQ(header(e[1], "Via"), header(e[0], "Via")) << "the ACK of a 500 keeps the INVITE's branch";
    EXPECT_EQ(header(e[1], "To"), header(w[0], "To"));
    EXPECT_EQ(header(e[1], "CSeq"), "101 ACK");
}

// --- IN-5, two vantages

TEST(SipCalltypeStripped, SameCallIdWithCallTypeSquaredOutsideAndWithoutItInside) {
    std::vector<Frame> inside;
    std::vector<Frame> outside = generate("sip-calltype-stripped", 1, &inside);
    ASSERT_FALSE(inside.empty());
    std::vector<Pkt> po = decode_all(outside), pi = decode_all(inside);
    std::vector<Connection> co = tcp_connections(po), ci = tcp_connections(pi);
    ASSERT_EQ(co.size(), 1u);
    ASSERT_EQ(ci.size(), 1u);
    EXPECT_EQ(co[0].client, ip("146.20.193.73"));
    EXPECT_EQ(co[0].client_port, 40342);
    EXPECT_EQ(co[0].server, ip("64.102.241.236"));
    EXPECT_EQ(co[0].pkts[0]->ts, utc_ns(2017, 9, 19, 18, 1, 46, 461'000)) << "TCP Connecting (EN L1272)";
    EXPECT_EQ(ci[0].client, ip("192.168.1.5"));
    EXPECT_EQ(ci[0].client_port, 26686);
    EXPECT_EQ(ci[0].server, ip("192.168.1.6"));
    for (const Pkt& p : pi) EXPECT_TRUE(p.v.src.to_string().starts_with("192.168.1.")) << "inside addresses only";

    std::vector<Msg> webex = sip_messages(co[0].dir[0]), expe_out = sip_messages(co[0].dir[1]);
    std::vector<Msg> expe_in = sip_messages(ci[0].dir[1]), expc = sip_messages(ci[0].dir[0]);
    ASSERT_EQ(start_lines(webex), (std::vector<std::string>{"INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0",
                                                            "ACK sip:172.16.2.2:5073;transport=tls SIP/2.0"}));
    ASSERT_EQ(start_lines(expe_out),
              (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK"}));
    ASSERT_EQ(start_lines(expc),
              (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK"}));
    ASSERT_EQ(expe_in.size(), 2u);
    EXPECT_TRUE(is_request(expe_in[0], "INVITE"));
    EXPECT_TRUE(is_request(expe_in[1], "ACK"));

    const Msg& in_out = webex[0];
    const Msg& in_in = expe_in[0];
    EXPECT_EQ(in_out.first_ts, utc_ns(2017, 9, 19, 18, 1, 48, 140'000));
    EXPECT_GT(in_in.first_ts, in_out.first_ts);
    EXPECT_EQ(header(in_out, "Call-ID"), "6bc0ca8210c0b48df69f38057ec1e48b@127.0.0.1");
    EXPECT_EQ(header(in_in, "Call-ID"), header(in_out, "Call-ID"));
    EXPECT_EQ(header(in_out, "Contact"),
              "\"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>;call-type=squared");
    EXPECT_EQ(header(in_in, "Contact"), "<sip:192.168.1.6:5073;transport=tls>");
    EXPECT_EQ(in_in.text.find("call-type=squared"), std::string::npos);
    EXPECT_NE(header(in_in, "Via")->find("egress-zone=HybridCallServiceTraversal"), std::string::npos);
    EXPECT_EQ(header(in_out, "Route"),
              "<sip:l2sip@64.102.241.236:5062;transport=tls;lr>,<sip:cucm.rtp.ciscotac.net;lr>");
    EXPECT_EQ(header(in_out, "From"), "\"Jonathan Robb\" <sip:jorobb@dmzlab.call.ciscospark.com>;tag=540300020");
    EXPECT_EQ(header(in_in, "From"), header(in_out, "From"));
    EXPECT_EQ(header(in_out, "Via"),
              "SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bK564cd36d87f3417513c9b559dc666f71,SIP/2.0/TLS "
              "127.0.0.1:5070;branch=z9hG4bK-3237-5c5060d07ecc546a0bb861ef52a5f507;rport=43306");
    EXPECT_TRUE(has_line(in_in,
                         "Via: SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bK564cd36d87f3417513c9b559dc666f71;"
                         "received=146.20.193.73;rport=40342;ingress-zone=HybridCallServicesDNS"));
    EXPECT_EQ(header(in_in, "Max-Forwards"), "15");
    EXPECT_EQ(header(in_in, "Route"), "<sip:cucm.rtp.ciscotac.net;lr>");
}

// --- healthy calls

TEST(SipHealthyTcp, CallToTheCucmOn5065WithTwoMessagesInOneSegment) {
    std::vector<Frame> frames = generate("sip-healthy-tcp");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    ASSERT_EQ(conns.size(), 1u);
    const Connection& c = conns[0];
    EXPECT_EQ(c.server, ip("192.168.1.21"));
    EXPECT_EQ(c.server_port, 5065);
    std::vector<Msg> expc = sip_messages(c.dir[0]), cucm = sip_messages(c.dir[1]);
    ASSERT_EQ(start_lines(expc),
              (std::vector<std::string>{"INVITE sip:jorobb@rtp.ciscotac.net SIP/2.0",
                                        "ACK sip:jorobb@192.168.1.21:5065;transport=tcp SIP/2.0", "SIP/2.0 200 OK"}));
    ASSERT_EQ(start_lines(cucm),
              (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 180 Ringing", "SIP/2.0 200 OK",
                                        "BYE sip:192.168.1.6:5073;transport=tls SIP/2.0"}));
    EXPECT_EQ(header(expc[0], "Call-ID"), "da1a6fab546ce76591fc464f0a50ee32@127.0.0.1");
    EXPECT_TRUE(header(expc[0], "Via")->starts_with("SIP/2.0/TCP 192.168.1.5:5060;egress-zone=CUCM11"));
    EXPECT_NE(expc[0].text.find("received=148.62.40.64;rport=36149;ingress-zone=HybridCallServicesDNS"),
              std::string::npos);
    EXPECT_EQ(header(expc[0], "Allow"), "INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY");
    // The CUCM wrote 100 Trying and 180 Ringing together: one segment holds
    // all of the first and the start of the second.
    const Msg& trying = cucm[0];
    const Msg& ringing = cucm[1];
    EXPECT_EQ(ringing.offset, trying.offset + trying.text.size());
    bool shared = false;
    for (const Segment& s : c.dir[1].segments) shared |= s.offset <= trying.offset && s.offset + s.len > ringing.offset;
    EXPECT_TRUE(shared);
    EXPECT_EQ(trying.first_ts, ringing.first_ts);
    EXPECT_EQ(header(cucm[3], "Reason"), "Q.850 ;cause=16");
    EXPECT_EQ(header(expc[2], "CSeq"), "102 BYE");
}

// A UDP call's messages: every datagram whole (no fragment), DF set and IP-ID
// 0 as Linux sends from an unconnected socket.
TEST(SipHealthyUdp, OutboundCallOnTheUdpTrunkOneDatagramPerMessage) {
    std::vector<Frame> frames = generate("sip-healthy-udp");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Datagram> ds = udp_datagrams(pkts);
    ASSERT_EQ(ds.size(), frames.size());
    for (const Datagram& d : ds) {
        EXPECT_EQ(d.fragments, 1u);
        EXPECT_TRUE(d.df);
        EXPECT_EQ(d.ip_id, 0);
        EXPECT_EQ(d.sport, 5060);
        EXPECT_EQ(d.dport, 5060);
    }
    std::vector<Msg> cucm = sip_messages(ds, "192.168.1.21"), expc = sip_messages(ds, "192.168.1.5");
    ASSERT_EQ(cucm.size(), 3u);
    EXPECT_TRUE(is_request(cucm[0], "INVITE"));
    EXPECT_TRUE(is_request(cucm[1], "ACK"));
    EXPECT_TRUE(is_request(cucm[2], "BYE"));
    EXPECT_EQ(start_lines(expc), (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 180 Ringing",
                                                           "SIP/2.0 200 OK", "SIP/2.0 200 OK"}));
    EXPECT_TRUE(header(cucm[0], "Via")->starts_with("SIP/2.0/UDP 192.168.1.21:5060;branch=z9hG4bK"));
    EXPECT_EQ(header(cucm[0], "User-Agent"), "Cisco-CUCM11.5");
    for (const Msg& m : expc) EXPECT_EQ(header(m, "Call-ID"), header(cucm[0], "Call-ID"));
}

TEST(SipUdpFragmented, The1_7KBInviteLeavesAsIpv4ThenIpv6FragmentsThatReassemble) {
    std::vector<Frame> frames = generate("sip-udp-fragmented-invite");
    std::vector<Pkt> pkts = decode_all(frames);
    size_t later_fragments = 0;
    for (const Pkt& p : pkts) later_fragments += p.v.fragment && p.v.frag_offset > 0;
    EXPECT_GE(later_fragments, 2u);
    std::vector<Datagram> ds = udp_datagrams(pkts);
    std::vector<const Datagram*> invites;
    for (const Datagram& d : ds)
        if (d.payload.starts_with("INVITE ")) invites.push_back(&d);
    ASSERT_EQ(invites.size(), 2u);
    EXPECT_EQ(invites[0]->ip_version, 4);
    EXPECT_EQ(invites[1]->ip_version, 6);
    for (const Datagram* d : invites) {
        EXPECT_GE(d->fragments, 2u);
        EXPECT_GT(d->payload.size() + 8 + (d->ip_version == 4 ? 20 : 40), 1500u);
    }
    Msg v4{invites[0]->payload};
    EXPECT_EQ(header(v4, "Call-ID"), "991f7e80-9c11517a-130ac-1501a8c0@192.168.1.21");
    EXPECT_EQ(header(v4, "From"),
              "\"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=332677~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106860");
    EXPECT_EQ(header(v4, "Content-Length"), "714");
    EXPECT_EQ(body(v4).size(), 714u);
    Msg v6{invites[1]->payload};
    EXPECT_NE(header(v6, "Call-ID"), header(v4, "Call-ID"));
    EXPECT_TRUE(header(v6, "Via")->starts_with("SIP/2.0/UDP [2001:db8:1::21]:5060"));
    EXPECT_NE(body(v6).find("c=IN IP6 2001:db8:1::21"), std::string::npos);
    // The IPv4 fragments: DF clear, one identification, offsets 0 and 1480.
    std::vector<const Pkt*> v4_frags;
    for (const Pkt& p : pkts)
        if (p.v.fragment && p.v.ip_version == 4 && p.v.src == ip("192.168.1.21")) v4_frags.push_back(&p);
    ASSERT_EQ(v4_frags.size(), 2u);
    EXPECT_EQ(v4_frags[0]->v.frag_offset, 0);
    EXPECT_TRUE(v4_frags[0]->v.more_fragments);
    EXPECT_EQ(v4_frags[1]->v.frag_offset, 1480);
    EXPECT_FALSE(v4_frags[1]->v.more_fragments);
    EXPECT_EQ(v4_frags[0]->v.ip_id, v4_frags[1]->v.ip_id);
    EXPECT_EQ(v4_frags[0]->frame->bytes.size(), 1514u) << "a full 1500-byte IP packet";
    // Both calls answered and ended: each side's messages in order.
    for (const char* cucm : {"192.168.1.21", "2001:db8:1::21"}) {
        std::vector<std::string> lines;
        for (const Datagram& d : ds)
            if (d.src == ip(cucm)) lines.push_back(d.payload.substr(0, d.payload.find(' ')));
        EXPECT_EQ(lines, (std::vector<std::string>{"INVITE", "ACK", "BYE"})) << cucm;
    }
}

TEST(SipNoFinalResponse, TheInviteResentAtT1DoublingSevenTimesAndNeverAnswered) {
    std::vector<Frame> frames = generate("sip-no-final-response");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Datagram> ds = udp_datagrams(pkts);
    ASSERT_EQ(ds.size(), 7u);
    const uint64_t offsets_ms[] = {0, 500, 1500, 3500, 7500, 15500, 31500};
    for (size_t i = 0; i < ds.size(); ++i) {
        EXPECT_EQ(ds[i].src, ip("192.168.1.21"));
        EXPECT_EQ(ds[i].payload, ds[0].payload) << "a retransmission is the same request";
        EXPECT_EQ(ds[i].ts - ds[0].ts, offsets_ms[i] * kMsNs) << i;
    }
    Msg m{ds[0].payload};
    EXPECT_TRUE(is_request(m, "INVITE"));
    EXPECT_EQ(header(m, "CSeq"), "101 INVITE");
}

TEST(SipCleartextOnTlsPort, AHealthyInboundCallInClearOn5062) {
    std::vector<Frame> frames = generate("sip-cleartext-on-tls-port");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<Connection> conns = tcp_connections(pkts);
    ASSERT_EQ(conns.size(), 1u);
    EXPECT_EQ(conns[0].server_port, 5062);
    EXPECT_EQ(conns[0].server, ip("64.102.241.236"));
    std::vector<Msg> webex = sip_messages(conns[0].dir[0]), expe = sip_messages(conns[0].dir[1]);
    EXPECT_EQ(start_lines(webex), (std::vector<std::string>{"INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0",
                                                            "ACK sip:172.16.2.2:5073;transport=tls SIP/2.0",
                                                            "BYE sip:172.16.2.2:5073;transport=tls SIP/2.0"}));
    EXPECT_EQ(start_lines(expe), (std::vector<std::string>{"SIP/2.0 100 Trying", "SIP/2.0 180 Ringing",
                                                           "SIP/2.0 200 OK", "SIP/2.0 200 OK"}));
    EXPECT_EQ(header(expe[3], "CSeq"), "2 BYE");
}

// --- seed 004: a Webex Calling phone registers, in clear for a lab tap

// The phone's connection to the registrar and what each side said on it.
struct Registration {
    std::vector<Frame> frames;
    std::vector<Pkt> pkts;
    std::vector<Connection> conns;
    std::vector<Msg> phone, registrar;
};
Registration registration(std::string_view scenario) {
    Registration r;
    r.frames = generate(scenario);
    r.pkts = decode_all(r.frames);
    r.conns = tcp_connections(r.pkts);
    if (r.conns.size() == 1) {
        r.phone = sip_messages(r.conns[0].dir[0]);
        r.registrar = sip_messages(r.conns[0].dir[1]);
    }
    return r;
}

TEST(WxcRegisterRejected, TheSeedsRegisterThen401ThenCredentialsRefused403) {
    const Registration r = registration("wxc-register-rejected");
    ASSERT_EQ(r.conns.size(), 1u);
    const Connection& c = r.conns[0];
    EXPECT_EQ(c.client, ip("192.168.100.6"));
    EXPECT_EQ(c.client_port, 5060);
    EXPECT_EQ(c.server, ip("139.177.64.13"));
    EXPECT_EQ(c.server_port, 5060);
    EXPECT_FALSE(c.dir[0].fin || c.dir[1].fin || c.dir[0].rst || c.dir[1].rst) << "SIP keeps the connection";
    ASSERT_EQ(r.phone.size(), 2u);
    ASSERT_EQ(r.registrar.size(), 2u);
    EXPECT_EQ(start_lines(r.phone), (std::vector<std::string>{"REGISTER sip:XXXXX.example.com SIP/2.0",
                                                              "REGISTER sip:XXXXX.example.com SIP/2.0"}));
    EXPECT_EQ(start_lines(r.registrar), (std::vector<std::string>{"SIP/2.0 401 Unauthorized", "SIP/2.0 403 Forbidden"}));
    // The seed's headers, in clear over TCP from the phone's SIP port.
    const Msg& reg1 = r.phone[0];
    const Msg& reg2 = r.phone[1];
    EXPECT_EQ(header(reg1, "Via"), "SIP/2.0/TCP 192.168.100.6:5060;branch=z9hG4bK-c77bd320");
    EXPECT_EQ(header(reg1, "Call-ID"), "98126dba-9df06bd9@192.168.100.6");
    EXPECT_EQ(header(reg1, "CSeq"), "6367 REGISTER");
    EXPECT_EQ(header(reg1, "Contact"), "<sip:w3nca1a025@192.168.100.6:5060;transport=tcp>;expires=3600");
    EXPECT_TRUE(header(reg1, "User-Agent")->starts_with("Cisco-CP-8865-3PCC/12.0.2_"));
    EXPECT_FALSE(header(reg1, "Authorization"));
    EXPECT_EQ(header(reg2, "CSeq"), "6368 REGISTER");
    EXPECT_EQ(header(reg2, "Call-ID"), header(reg1, "Call-ID"));
    ASSERT_TRUE(header(reg2, "Authorization"));
    EXPECT_TRUE(header(reg2, "Authorization")->starts_with("Digest username=\"+1XXXXXXXXXX\", realm=\"BroadWorks\", "
                                                           "nonce=\"BroadWorksX1m5h6zucT8ymkkBW\""));
    EXPECT_EQ(header(r.registrar[0], "WWW-Authenticate"),
              "DIGEST realm=\"BroadWorks\",qop=\"auth\",nonce=\"BroadWorksX1m5h6zucT8ymkkBW\",algorithm=MD5");
    EXPECT_EQ(header(r.registrar[0], "Via"), "SIP/2.0/TCP 192.168.100.6:5060;received=187.190.XXX.XXX;branch=z9hG4bK-c77bd320");
    const Msg& refusal = r.registrar[1];
    EXPECT_EQ(header(refusal, "CSeq"), "6368 REGISTER");
    EXPECT_EQ(header(refusal, "Via"), "SIP/2.0/TCP 192.168.100.6:5060;received=187.190.XXX.XXX;branch=z9hG4bK-be588fb");
    EXPECT_FALSE(header(refusal, "Contact")) << "a refusal binds nothing";
    // The seed's times: the REGISTER at 22:51:08.127871; the registrar 15.8 ms
    // from the tap answers 5.3 ms after the REGISTER reached it; the
    // credentials 10.5 ms after the 401; the refusal 6.6 ms after them.
    EXPECT_EQ(reg1.first_ts, utc_ns(2023, 9, 4, 22, 51, 8, 127871));
    EXPECT_EQ(r.registrar[0].first_ts - reg1.last_ts, 2 * 15757 * kUsNs + 5287 * kUsNs);
    EXPECT_EQ(reg2.first_ts - r.registrar[0].last_ts, 2 * 32 * kUsNs + 10451 * kUsNs);
    EXPECT_EQ(refusal.first_ts - reg2.last_ts, 2 * 15757 * kUsNs + 6561 * kUsNs);
}

TEST(WxcRegisterHealthyClear, TheSameLadderEndingIn200OkWithTheBinding) {
    const Registration ok = registration("wxc-register-healthy-clear");
    const Registration rejected = registration("wxc-register-rejected");
    ASSERT_EQ(ok.registrar.size(), 2u);
    ASSERT_EQ(ok.phone.size(), 2u);
    EXPECT_EQ(start_line(ok.registrar[1]), "SIP/2.0 200 OK");
    EXPECT_EQ(header(ok.registrar[1], "Contact"), "<sip:w3nca1a025@192.168.100.6:5060;transport=tcp>;q=0.5;expires=120");
    EXPECT_TRUE(header(ok.registrar[1], "Allow-Events")->starts_with("call-info,line-seize,dialog,"));
    // Up to the final, the two scenarios are the same messages at the same times.
    ASSERT_EQ(rejected.phone.size(), 2u);
    for (size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(ok.phone[i].text, rejected.phone[i].text);
        EXPECT_EQ(ok.phone[i].first_ts, rejected.phone[i].first_ts);
    }
    EXPECT_EQ(ok.registrar[0].text, rejected.registrar[0].text);
    EXPECT_EQ(ok.registrar[1].first_ts, rejected.registrar[1].first_ts);
}

TEST(WxcRegistrationText, TheTlsPhonesMessagesAreTheSeedsLines) {
    // The phone of the TLS registration (the seed's §3.6 capture: 192.168.100.4:5074).
    cs::gen::Rng id(1);
    const cs::gen::WxcRegistration m = cs::gen::wxc_registration(id, "192.168.100.4", 5074, "TLS", "200 OK");
    const Msg reg1{m.register1}, reg2{m.register2}, chal{m.unauthorized}, ok{m.final_response};
    for (const Msg* x : {&reg1, &reg2, &chal, &ok}) expect_well_formed(*x);
    EXPECT_EQ(header(reg1, "Via"), "SIP/2.0/TLS 192.168.100.4:5074;branch=z9hG4bK-c77bd320");
    EXPECT_EQ(header(reg1, "Contact"), "<sip:w3nca1a025@192.168.100.4:5074;transport=tls>;expires=3600");
    EXPECT_EQ(header(chal, "Contact"), "<sip:w3nca1a025@192.168.100.4:5074;transport=tls>;expires=120");
    EXPECT_TRUE(has_line(reg1, "Content-Length: 0")) << "the phone writes Content-Length mid-header, as logged";
    EXPECT_TRUE(has_line(ok, "Content-Length:0"));
    // The digest response and cnonce are the seed's: 32 and 8 hex digits.
    const std::string auth = *header(reg2, "Authorization");
    const size_t at = auth.find("response=\"") + 10;
    EXPECT_EQ(auth.find('"', at) - at, 32u);
    cs::gen::Rng other(2);
    EXPECT_NE(cs::gen::wxc_registration(other, "192.168.100.4", 5074, "TLS", "200 OK").register2, m.register2);
    EXPECT_EQ(cs::gen::wxc_registration(other, "192.168.100.4", 5074, "TLS", "200 OK").register2.size(), m.register2.size());
}

// --- the mix

TEST(SipMixed, RequestedFramesOfEveryKindWithDistinctCallIds) {
    std::vector<Frame> frames = generate("sip-mixed");
    ASSERT_EQ(frames.size(), kMixPackets);
    std::vector<Pkt> pkts = decode_all(frames);
    std::set<uint16_t> tcp_ports;
    size_t v4_frags = 0, v6_frags = 0, udp = 0, resets = 0;
    for (const Pkt& p : pkts) {
        if (p.v.is_tcp()) tcp_ports.insert(p.v.dport);
        udp += p.v.is_udp();
        v4_frags += p.v.fragment && p.v.ip_version == 4;
        v6_frags += p.v.fragment && p.v.ip_version == 6;
        resets += p.v.is_tcp() && (p.v.tcp_flags & cs::kRst);
    }
    for (uint16_t port : {5060, 5062, 5065}) EXPECT_TRUE(tcp_ports.count(port)) << port;
    EXPECT_GT(udp, 0u);
    EXPECT_GT(v4_frags, 0u);
    EXPECT_GT(v6_frags, 0u);
    EXPECT_GT(resets, 0u) << "BI-2's trunk resets";

    // A Call-ID is one call: its INVITEs travel at most two legs (IN-5, BI-2)
    // and no guide Call-ID is reused.
    std::map<std::string, std::set<std::tuple<cs::IpAddr, uint16_t, cs::IpAddr, uint16_t>>> legs;
    auto note = [&](const Msg& m, const std::tuple<cs::IpAddr, uint16_t, cs::IpAddr, uint16_t>& flow) {
        if (is_request(m, "INVITE")) legs[*header(m, "Call-ID")].insert(flow);
    };
    for (const Connection& c : tcp_connections(pkts, true)) {
        for (const Msg& m : sip_messages(c.dir[0], true)) note(m, {c.client, c.client_port, c.server, c.server_port});
        for (const Msg& m : sip_messages(c.dir[1], true)) note(m, {c.server, c.server_port, c.client, c.client_port});
    }
    for (const Datagram& d : udp_datagrams(pkts, true)) note(Msg{d.payload}, {d.src, d.sport, d.dst, d.dport});
    EXPECT_GT(legs.size(), 150u);
    for (const auto& [call_id, flows] : legs) {
        EXPECT_LE(flows.size(), 2u) << call_id;
        for (const char* guide : {"9062bca7eca2afe71b4a225048ed5101", "44bdd400-9c112db1", "e7672380-5991e82c",
                                  "6bc0ca8210c0b48df69f38057ec1e48b", "d58f2680-9c91200a", "c030f100-9c916d13"})
            EXPECT_EQ(call_id.find(guide), std::string::npos) << call_id;
    }
}

}  // namespace
