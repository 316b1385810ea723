// Scenario library and pcap writer: every scenario generates decodable,
// checksum-correct, time-ordered frames, deterministically for a seed, and the
// facts each scenario stands for (the guide's timings, the RST's shape, a
// healthy connection's life) hold when re-read from the bytes.
#include <gtest/gtest.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/decode.h"
#include "tools/gen/pcap_writer.h"
#include "tools/gen/scenarios.h"

namespace {

using cs::gen::Frame;

constexpr uint64_t kMsNs = 1'000'000;
constexpr uint64_t kSmallPerfMix = 30'000;  // enough flows of every kind, quick to check

std::vector<Frame> generate(std::string_view name, uint64_t seed = 1, uint64_t packets = kSmallPerfMix) {
    const cs::gen::Scenario* s = cs::gen::find_scenario(name);
    if (!s) throw std::runtime_error("no scenario " + std::string(name));
    return s->generate({seed, packets});
}

// UTC wall time -> ns since the epoch, through the C library (independent of
// the generator's own calendar arithmetic).
uint64_t utc_ns(int y, int mo, int d, int h, int mi, int s, uint64_t us) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return uint64_t(timegm(&tm)) * 1'000'000'000 + us * 1000;
}

cs::IpAddr ip(const char* text) { return *cs::IpAddr::parse(text); }

// One frame, decoded by the project's decoder.
struct Pkt {
    uint64_t ts;
    cs::PacketView v;
    const Frame* frame;
    bool syn() const { return v.is_tcp() && (v.tcp_flags & (cs::kSyn | cs::kAck)) == cs::kSyn; }
    bool syn_ack() const { return v.is_tcp() && (v.tcp_flags & (cs::kSyn | cs::kAck)) == (cs::kSyn | cs::kAck); }
    bool rst() const { return v.is_tcp() && (v.tcp_flags & cs::kRst); }
    bool fin() const { return v.is_tcp() && (v.tcp_flags & cs::kFin); }
    bool has_ts() const { return v.tcp_opts.present & cs::TcpOptions::kHasTs; }
};

std::vector<Pkt> decode_all(const std::vector<Frame>& frames) {
    std::vector<Pkt> out;
    out.reserve(frames.size());
    for (const Frame& f : frames) {
        Pkt p{f.ts_ns, {}, &f};
        cs::DecodeStatus st = cs::decode_packet(f.bytes.data(), uint32_t(f.bytes.size()), p.v);
        // A fragment after the first has no L4 header to decode.
        if (!(st == cs::DecodeStatus::kFragment && p.v.fragment && p.v.frag_offset > 0)) {
            EXPECT_EQ(st, cs::DecodeStatus::kOk) << "frame " << out.size() + 1 << ": " << cs::decode_status_name(st);
        }
        out.push_back(p);
    }
    return out;
}

// --- an independent reader for what decode does not expose: header offsets and checksums

struct Layout {
    size_t l3 = 0;      // IP header offset
    bool v4 = false;
    size_t ip_len = 0;  // IPv4 total length / IPv6 header + payload length
    size_t l4 = 0;      // L4 header offset
    uint8_t proto = 0;
};

uint16_t be16(const uint8_t* p) { return uint16_t(p[0] << 8 | p[1]); }

Layout layout(const std::vector<uint8_t>& f) {
    Layout l;
    size_t off = 12;
    while (be16(&f[off]) == 0x8100 || be16(&f[off]) == 0x88a8) off += 4;
    uint16_t type = be16(&f[off]);
    l.l3 = off + 2;
    l.v4 = type == 0x0800;
    if (l.v4) {
        l.ip_len = be16(&f[l.l3 + 2]);
        l.l4 = l.l3 + size_t(f[l.l3] & 0x0f) * 4;
        l.proto = f[l.l3 + 9];
    } else {
        l.ip_len = 40 + size_t(be16(&f[l.l3 + 4]));
        l.l4 = l.l3 + 40;
        l.proto = f[l.l3 + 6];  // the scenarios use no IPv6 extension headers
    }
    return l;
}

uint32_t sum16(const uint8_t* p, size_t n, uint32_t acc = 0) {
    for (size_t i = 0; i + 1 < n; i += 2) acc += uint32_t(p[i]) << 8 | p[i + 1];
    if (n & 1) acc += uint32_t(p[n - 1]) << 8;
    return acc;
}
bool folds_to_ffff(uint32_t acc) {
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return acc == 0xffff;
}

// RFC 1071: a correct header or segment sums (with its checksum) to 0xffff.
// An IP fragment's L4 checksum covers the whole datagram (the SIP tests put
// fragments back together to check it): here only its IPv4 header is checked.
void expect_checksums_ok(const Frame& fr, size_t index, bool fragment) {
    const std::vector<uint8_t>& f = fr.bytes;
    Layout l = layout(f);
    ASSERT_LE(l.l3 + l.ip_len, f.size()) << "frame " << index;
    size_t l4_len = l.l3 + l.ip_len - l.l4;
    uint32_t pseudo;
    if (l.v4) {
        EXPECT_TRUE(folds_to_ffff(sum16(&f[l.l3], l.l4 - l.l3))) << "IPv4 header checksum, frame " << index;
        if (fragment) return;
        pseudo = sum16(&f[l.l3 + 12], 8) + l.proto + uint32_t(l4_len);
    } else {
        if (fragment) return;
        pseudo = sum16(&f[l.l3 + 8], 32) + l.proto + uint32_t(l4_len);
    }
    EXPECT_TRUE(folds_to_ffff(sum16(&f[l.l4], l4_len, pseudo))) << "L4 checksum, frame " << index;
}

// --- the registry

TEST(ScenarioRegistry, ListsEachScenarioOnceWithAOneLineDescription) {
    std::set<std::string> names;
    for (const cs::gen::Scenario& s : cs::gen::all_scenarios()) {
        EXPECT_TRUE(names.insert(std::string(s.name)).second) << s.name;
        EXPECT_FALSE(s.description.empty()) << s.name;
        EXPECT_EQ(s.description.find('\n'), std::string_view::npos) << s.name;
        EXPECT_EQ(cs::gen::find_scenario(s.name), &s);
    }
    for (const char* want : {"tcp-healthy", "tcp-in-syn-unanswered", "tcp-out-syn-failover", "tcp-in-port-rejected",
                             "demo", "perf-mix"})
        EXPECT_TRUE(names.count(want)) << want;
    EXPECT_EQ(cs::gen::find_scenario("no-such-scenario"), nullptr);
    EXPECT_TRUE(cs::gen::find_scenario("perf-mix")->sized);
    EXPECT_FALSE(cs::gen::find_scenario("demo")->sized);
}

// --- properties every scenario has

class EveryScenario : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryScenario, FramesDecodeWithCorrectChecksumsInTimeOrder) {
    std::vector<Frame> frames = generate(GetParam());
    ASSERT_FALSE(frames.empty());
    for (size_t i = 0; i < frames.size(); ++i) {
        if (i) {
            ASSERT_LE(frames[i - 1].ts_ns, frames[i].ts_ns) << "frame " << i + 1;
        }
        ASSERT_GE(frames[i].bytes.size(), 60u) << "frame " << i + 1;  // Ethernet minimum, padded
    }
    std::vector<Pkt> pkts = decode_all(frames);
    for (size_t i = 0; i < frames.size(); ++i) expect_checksums_ok(frames[i], i + 1, pkts[i].v.fragment);
}

TEST_P(EveryScenario, SameSeedGivesIdenticalPcapBytes) {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path();
    const std::string base = "cs_scen_" + GetParam() + "_" + std::to_string(::getpid());
    std::string paths[2] = {(dir / (base + "_a.pcap")).string(), (dir / (base + "_b.pcap")).string()};
    for (const std::string& p : paths) {
        cs::gen::PcapWriter w(p);
        for (const Frame& f : generate(GetParam(), 42)) w.write(f.ts_ns, f.bytes);
        w.close();
    }
    auto slurp = [](const std::string& p) {
        std::ifstream in(p, std::ios::binary);
        return std::vector<char>(std::istreambuf_iterator<char>(in), {});
    };
    std::vector<char> a = slurp(paths[0]), b = slurp(paths[1]);
    EXPECT_GT(a.size(), 24u);
    EXPECT_TRUE(a == b);
    for (const std::string& p : paths) fs::remove(p);
}

// The seed changes what a stack picks at random, never the scenario's shape.
TEST_P(EveryScenario, OtherSeedChangesIsnsButNotTimingsOrSizes) {
    std::vector<Frame> a = generate(GetParam(), 1), b = generate(GetParam(), 2);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].ts_ns, b[i].ts_ns) << "frame " << i + 1;
        ASSERT_EQ(a[i].bytes.size(), b[i].bytes.size()) << "frame " << i + 1;
    }
    std::vector<Pkt> pa = decode_all(a), pb = decode_all(b);
    auto first_syn = [](const std::vector<Pkt>& ps) {
        return std::find_if(ps.begin(), ps.end(), [](const Pkt& p) { return p.syn(); });
    };
    if (first_syn(pa) == pa.end()) {  // UDP only: the seed changes identifiers in the payloads
        bool differ = false;
        for (size_t i = 0; i < a.size(); ++i) differ |= a[i].bytes != b[i].bytes;
        EXPECT_TRUE(differ);
        return;
    }
    EXPECT_NE(first_syn(pa)->v.seq, first_syn(pb)->v.seq);
    EXPECT_EQ(first_syn(pa)->v.sport, first_syn(pb)->v.sport);
}

// What later detections rely on to tell a genuine packet from a forged one:
// each host keeps one TTL and one 1000 Hz TCP timestamp clock, each Linux
// socket numbers its packets consecutively (SYN-ACKs and resets to unknown
// connections carry IP-ID 0, and so do datagrams with DF from an unconnected
// UDP socket, as a SIP server's on 5060), and no TSecr echoes a value the
// peer's clock had not reached yet. A fragmented datagram's identification
// comes from the kernel's per-destination generator, not the socket.
TEST_P(EveryScenario, HostsKeepOneTtlOneTimestampClockAndSocketIpIds) {
    if (cs::gen::find_scenario(GetParam())->forges_packets) GTEST_SKIP() << "forges packets in a host's name on purpose";
    std::vector<Frame> frames = generate(GetParam());
    std::vector<Pkt> pkts = decode_all(frames);
    std::map<cs::IpAddr, uint8_t> ttl;
    std::map<cs::IpAddr, uint32_t> clock;  // tsval - packet time in ms
    for (const Pkt& p : pkts) {
        auto [t, fresh_ttl] = ttl.try_emplace(p.v.src, p.v.ttl);
        EXPECT_EQ(t->second, p.v.ttl) << p.v.src.to_string();
        if (p.has_ts()) {
            uint32_t offset = p.v.tcp_opts.tsval - uint32_t(p.ts / kMsNs);
            auto [c, fresh] = clock.try_emplace(p.v.src, offset);
            EXPECT_EQ(c->second, offset) << p.v.src.to_string() << " at " << p.ts;
        }
    }
    for (const Pkt& p : pkts) {
        if (!p.has_ts() || p.v.tcp_opts.tsecr == 0) continue;
        uint32_t peer_now = clock.at(p.v.dst) + uint32_t(p.ts / kMsNs);
        EXPECT_LE(int32_t(p.v.tcp_opts.tsecr - peer_now), 0) << "TSecr from the future at " << p.ts;
    }
    using Dir = std::tuple<cs::IpAddr, uint16_t, cs::IpAddr, uint16_t, uint8_t>;
    std::map<Dir, uint16_t> last_id;
    for (const Pkt& p : pkts) {
        if (p.v.ip_version != 4 || p.v.fragment) continue;
        if (p.syn_ack() || (p.rst() && (p.v.seq == 0 || !(p.v.tcp_flags & cs::kAck)))) {
            EXPECT_EQ(p.v.ip_id, 0);
            continue;
        }
        Dir d{p.v.src, p.v.sport, p.v.dst, p.v.dport, p.v.l4_proto};
        if (p.v.is_udp() && p.v.df && p.v.ip_id == 0) {
            last_id[d] = 0;
            continue;
        }
        auto [it, fresh] = last_id.try_emplace(d, p.v.ip_id);
        if (!fresh) {
            EXPECT_EQ(uint16_t(it->second + 1), p.v.ip_id) << p.v.src.to_string() << ":" << p.v.sport;
        }
        it->second = p.v.ip_id;
    }
}

std::vector<std::string> scenario_names() {
    std::vector<std::string> v;
    for (const cs::gen::Scenario& s : cs::gen::all_scenarios()) v.emplace_back(s.name);
    return v;
}

INSTANTIATE_TEST_SUITE_P(All, EveryScenario, ::testing::ValuesIn(scenario_names()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                             std::string n = i.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// --- the guide's scenarios, fact by fact

const cs::IpAddr kExpE = ip("64.102.241.236");

// SYNs of the Expressway-E's shape: 74 bytes, Win=29200 MSS=1460 SACK_PERM TS WS=128.
void expect_expe_syn(const Pkt& p) {
    EXPECT_EQ(p.frame->bytes.size(), 74u);
    EXPECT_EQ(p.v.window, 29200);
    EXPECT_EQ(p.v.tcp_opts.mss, 1460);
    EXPECT_EQ(p.v.tcp_opts.wscale, 7);
    EXPECT_EQ(p.v.tcp_opts.present, cs::TcpOptions::kHasMss | cs::TcpOptions::kHasWs | cs::TcpOptions::kHasSackPerm |
                                        cs::TcpOptions::kHasTs);
    EXPECT_EQ(p.v.ttl, 63);
}
// ... and Webex's: Win=14600 MSS=1380.
void expect_webex_syn(const Pkt& p) {
    EXPECT_EQ(p.frame->bytes.size(), 74u);
    EXPECT_EQ(p.v.window, 14600);
    EXPECT_EQ(p.v.tcp_opts.mss, 1380);
    EXPECT_EQ(p.v.tcp_opts.wscale, 7);
    EXPECT_TRUE(p.v.tcp_opts.present & cs::TcpOptions::kHasSackPerm);
    EXPECT_TRUE(p.has_ts());
}

// A DNS name at `off` in `msg`, following compression pointers.
std::string dns_name(const uint8_t* msg, size_t len, size_t& off) {
    std::string name;
    size_t at = off;
    bool jumped = false;
    for (int hops = 0; hops < 16; ++hops) {
        if (at >= len) return "<bad>";
        uint8_t n = msg[at];
        if ((n & 0xc0) == 0xc0) {
            if (!jumped) off = at + 2;
            jumped = true;
            at = size_t(n & 0x3f) << 8 | msg[at + 1];
            continue;
        }
        if (n == 0) {
            if (!jumped) off = at + 1;
            return name;
        }
        if (!name.empty()) name += '.';
        name.append(reinterpret_cast<const char*>(msg + at + 1), n);
        at += 1 + n;
    }
    return "<loop>";
}

TEST(OutSynFailover, SrvAnswerThenTheGuidesEightSynsToTheMicrosecond) {
    std::vector<Frame> frames = generate("tcp-out-syn-failover");
    std::vector<Pkt> pkts = decode_all(frames);
    ASSERT_EQ(pkts.size(), 10u);

    // The SRV exchange with the resolver.
    const Pkt& q = pkts[0];
    const Pkt& a = pkts[1];
    ASSERT_TRUE(q.v.is_udp() && a.v.is_udp());
    EXPECT_EQ(q.v.src, kExpE);
    EXPECT_EQ(q.v.dport, 53);
    EXPECT_EQ(a.v.sport, 53);
    EXPECT_EQ(a.v.dport, q.v.sport);
    EXPECT_EQ(q.ts / kMsNs, utc_ns(2017, 9, 19, 14, 18, 35, 48'000) / kMsNs);
    EXPECT_EQ(a.ts / kMsNs, utc_ns(2017, 9, 19, 14, 18, 35, 126'000) / kMsNs);
    const uint8_t* m = a.v.payload;
    const size_t n = a.v.payload_len;
    ASSERT_GE(n, 12u);
    EXPECT_EQ(be16(m), be16(q.v.payload));  // the query's id
    EXPECT_EQ(be16(m + 2) & 0x800f, 0x8000);  // a response, NOERROR
    EXPECT_EQ(be16(m + 4), 1);  // one question
    EXPECT_EQ(be16(m + 6), 2);  // two SRV answers ...
    EXPECT_EQ(be16(m + 10), 2);  // ... and their A records: the "4 relevant records"
    size_t off = 12;
    EXPECT_EQ(dns_name(m, n, off), "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(be16(m + off), 33);
    off += 4;
    std::set<std::string> targets;
    for (int i = 0; i < 2; ++i) {
        EXPECT_EQ(dns_name(m, n, off), "_sips._tcp.callservice.ciscospark.com");
        EXPECT_EQ(m[off - 2], 0xc0) << "owner name compressed to the question";
        EXPECT_EQ(be16(m + off), 33);
        EXPECT_EQ(uint32_t(be16(m + off + 4)) << 16 | be16(m + off + 6), 300u);  // TTL
        const uint8_t* rd = m + off + 10;
        EXPECT_EQ(be16(rd), 5);       // priority
        EXPECT_EQ(be16(rd + 2), 10);  // weight
        EXPECT_EQ(be16(rd + 4), 5062);
        size_t t = off + 16;
        targets.insert(dns_name(m, n, t));
        off += 10 + be16(m + off + 8);
    }
    EXPECT_EQ(targets, (std::set<std::string>{"l2sip-cfa-01.wbx2.com", "l2sip-cfa-02.wbx2.com"}));
    std::map<std::string, std::string> addrs;
    for (int i = 0; i < 2; ++i) {
        std::string owner = dns_name(m, n, off);
        EXPECT_EQ(m[off - 2] & 0xc0, 0xc0) << "owner name points at the SRV target";
        EXPECT_EQ(be16(m + off), 1);
        EXPECT_EQ(be16(m + off + 8), 4);
        addrs[owner] = cs::IpAddr::v4_bytes(m + off + 10).to_string();
        off += 14;
    }
    EXPECT_EQ(off, n);
    EXPECT_EQ(addrs["l2sip-cfa-02.wbx2.com"], "146.20.193.70");
    EXPECT_EQ(addrs["l2sip-cfa-01.wbx2.com"], "146.20.193.64");

    // The SYNs: the guide's packet list, to the microsecond.
    struct Want {
        uint16_t sport;
        const char* dst;
        int s;
        uint64_t us;
    };
    const Want want[] = {{25026, "146.20.193.70", 35, 474'312}, {25026, "146.20.193.70", 36, 523'324},
                         {25026, "146.20.193.70", 38, 571'325}, {25026, "146.20.193.70", 42, 603'331},
                         {25027, "146.20.193.64", 45, 807'635}, {25027, "146.20.193.64", 46, 827'328},
                         {25027, "146.20.193.64", 48, 875'336}, {25027, "146.20.193.64", 52, 907'335}};
    for (size_t i = 0; i < 8; ++i) {
        const Pkt& p = pkts[2 + i];
        ASSERT_TRUE(p.syn()) << i;
        EXPECT_EQ(p.ts, utc_ns(2017, 9, 19, 14, 18, want[i].s, want[i].us)) << i;
        EXPECT_EQ(p.v.src, kExpE);
        EXPECT_EQ(p.v.dst, ip(want[i].dst));
        EXPECT_EQ(p.v.sport, want[i].sport);
        EXPECT_EQ(p.v.dport, 5062);
        expect_expe_syn(p);
        // Retransmissions keep the ISN; the failover connection has its own.
        if (i % 4) {
            EXPECT_EQ(p.v.seq, pkts[2 + i - i % 4].v.seq) << i;
        }
    }
    EXPECT_NE(pkts[2].v.seq, pkts[6].v.seq);
}

TEST(InPortRejected, EachSynIsResetByTheExpresswayWithAckIsnPlusOne) {
    std::vector<Frame> frames = generate("tcp-in-port-rejected");
    std::vector<Pkt> pkts = decode_all(frames);
    ASSERT_EQ(pkts.size(), 4u);
    const uint64_t syn_times[] = {utc_ns(2017, 9, 19, 14, 56, 46, 625'745), utc_ns(2017, 9, 19, 14, 56, 46, 653'157)};
    const uint16_t ports[] = {34351, 35883};
    // The guide's RST latency at the Expressway (44 us, 16 us) plus ~0.2 ms through the firewall.
    const uint64_t rst_after_us[] = {244, 216};
    for (int i = 0; i < 2; ++i) {
        const Pkt& syn = pkts[2 * i];
        const Pkt& rst = pkts[2 * i + 1];
        ASSERT_TRUE(syn.syn());
        EXPECT_EQ(syn.ts, syn_times[i]);
        EXPECT_EQ(syn.v.src, ip("146.20.193.73"));
        EXPECT_EQ(syn.v.dst, kExpE);
        EXPECT_EQ(syn.v.sport, ports[i]);
        expect_webex_syn(syn);

        EXPECT_EQ(rst.v.tcp_flags, cs::kRst | cs::kAck);
        EXPECT_EQ(rst.ts - syn.ts, rst_after_us[i] * 1000);
        EXPECT_EQ(rst.v.src, kExpE);
        EXPECT_EQ(rst.v.sport, 5062);
        EXPECT_EQ(rst.v.dport, ports[i]);
        EXPECT_EQ(rst.v.seq, 0u);
        EXPECT_EQ(rst.v.ack, syn.v.seq + 1);
        EXPECT_EQ(rst.v.window, 0);
        EXPECT_EQ(rst.v.tcp_opts.count, 0) << "no TCP options";
        EXPECT_EQ(rst.v.payload_len, 0u);
        Layout l = layout(rst.frame->bytes);
        EXPECT_EQ(l.ip_len, 40u) << "54 bytes of headers (the frame is padded to the Ethernet minimum)";
        EXPECT_EQ(rst.v.ttl, 63);
    }
}

TEST(InSynUnanswered, TwoAttemptsOfFourSynsWithLinuxBackoffAndNoAnswer) {
    std::vector<Frame> frames = generate("tcp-in-syn-unanswered");
    std::vector<Pkt> pkts = decode_all(frames);
    ASSERT_EQ(pkts.size(), 8u);
    std::map<uint16_t, std::vector<const Pkt*>> by_port;
    for (const Pkt& p : pkts) {
        ASSERT_TRUE(p.syn());
        EXPECT_EQ(p.v.src, ip("146.20.193.73"));
        EXPECT_EQ(p.v.dst, kExpE);
        EXPECT_EQ(p.v.dport, 5062);
        expect_webex_syn(p);
        by_port[p.v.sport].push_back(&p);
    }
    ASSERT_EQ(by_port.size(), 2u);
    const double backoff_s[][2] = {{0.9, 1.2}, {2.9, 3.3}, {6.9, 7.4}};
    for (const auto& [port, syns] : by_port) {
        ASSERT_EQ(syns.size(), 4u) << port;
        for (size_t i = 1; i < 4; ++i) {
            EXPECT_EQ(syns[i]->v.seq, syns[0]->v.seq) << "retransmission keeps the ISN";
            double after = double(syns[i]->ts - syns[0]->ts) / 1e9;
            EXPECT_GE(after, backoff_s[i - 1][0]);
            EXPECT_LE(after, backoff_s[i - 1][1]);
        }
    }
    const auto& first = by_port.begin()->second;
    const auto& retry = std::next(by_port.begin())->second;
    double retry_after = double(retry[0]->ts - first[0]->ts) / 1e9;
    EXPECT_GE(retry_after, 9.5);
    EXPECT_LE(retry_after, 10.6);
    EXPECT_NE(first[0]->v.seq, retry[0]->v.seq);
}

// One TCP connection's packets, in time order, split by direction.
struct Conn {
    std::vector<const Pkt*> c2s, s2c;
};

// Checks one direction's byte stream: data contiguous from ISN+1 to the FIN,
// and every ACK the other side sends acknowledges only what was sent before it.
void expect_consistent_stream(const std::vector<const Pkt*>& sender, const std::vector<const Pkt*>& receiver) {
    ASSERT_FALSE(sender.empty());
    const uint32_t isn = sender.front()->v.seq;
    uint32_t next = isn + 1;
    bool fin = false;
    std::vector<std::pair<uint64_t, uint32_t>> sent;  // (time, highest seq + 1)
    for (const Pkt* p : sender) {
        if (p->syn() || p->syn_ack()) continue;
        if (p->v.payload_len) {
            EXPECT_EQ(p->v.seq, next) << "contiguous data";
            next += p->v.payload_len;
        }
        if (p->fin()) {
            EXPECT_EQ(p->v.seq, next);
            next += 1;
            fin = true;
        }
        sent.emplace_back(p->ts, next);
    }
    EXPECT_TRUE(fin) << "closed with a FIN";
    EXPECT_GT(next - isn, 2u) << "carried data";
    bool fin_acked = false;
    for (const Pkt* p : receiver) {
        if (!(p->v.tcp_flags & cs::kAck)) continue;
        uint32_t high = isn + 1;
        for (auto [t, n] : sent)
            if (t <= p->ts) high = n;
        EXPECT_LE(int32_t(p->v.ack - high), 0) << "acks only what was sent";
        fin_acked |= p->v.ack == next;
    }
    EXPECT_TRUE(fin_acked) << "the FIN is acknowledged";
}

TEST(Healthy, InboundAndOutboundConnectionsLiveAndCloseCleanly) {
    std::vector<Frame> frames = generate("tcp-healthy");
    std::vector<Pkt> pkts = decode_all(frames);
    std::map<std::tuple<cs::IpAddr, uint16_t>, Conn> conns;  // by client endpoint
    std::vector<const Pkt*> dns;
    for (const Pkt& p : pkts) {
        EXPECT_FALSE(p.rst());
        if (p.v.is_udp()) {
            dns.push_back(&p);
            continue;
        }
        ASSERT_TRUE(p.v.sport == 5062 || p.v.dport == 5062);
        if (p.v.dport == 5062) conns[{p.v.src, p.v.sport}].c2s.push_back(&p);
        else conns[{p.v.dst, p.v.dport}].s2c.push_back(&p);
    }
    ASSERT_EQ(conns.size(), 2u);
    bool inbound_seen = false, outbound_seen = false;
    for (const auto& [client, c] : conns) {
        ASSERT_GE(c.c2s.size(), 3u);
        ASSERT_GE(c.s2c.size(), 2u);
        const Pkt& syn = *c.c2s[0];
        const Pkt& syn_ack = *c.s2c[0];
        const Pkt& ack = *c.c2s[1];
        ASSERT_TRUE(syn.syn());
        ASSERT_TRUE(syn_ack.syn_ack());
        EXPECT_EQ(syn_ack.v.ack, syn.v.seq + 1);
        EXPECT_EQ(ack.v.tcp_flags, cs::kAck);
        EXPECT_EQ(ack.v.ack, syn_ack.v.seq + 1);
        EXPECT_LT(syn.ts, syn_ack.ts);
        EXPECT_LT(syn_ack.ts, ack.ts);
        expect_consistent_stream(c.c2s, c.s2c);
        expect_consistent_stream(c.s2c, c.c2s);
        // Outside the firewall the Webex side is 30-80 ms of round trip away.
        const bool inbound = std::get<0>(client) != kExpE;
        uint64_t cloud_rtt = inbound ? ack.ts - syn_ack.ts : syn_ack.ts - syn.ts;
        EXPECT_GE(cloud_rtt, 30 * kMsNs);
        EXPECT_LE(cloud_rtt, 80 * kMsNs);
        if (inbound) {
            inbound_seen = true;
            expect_webex_syn(syn);
            EXPECT_EQ(syn_ack.v.window, 28960);
        } else {
            outbound_seen = true;
            expect_expe_syn(syn);
            // After the SRV answer, to one of its targets.
            ASSERT_EQ(dns.size(), 2u);
            EXPECT_LT(dns[1]->ts, syn.ts);
            EXPECT_TRUE(syn.v.dst == ip("146.20.193.64") || syn.v.dst == ip("146.20.193.70"));
        }
    }
    EXPECT_TRUE(inbound_seen);
    EXPECT_TRUE(outbound_seen);
}

// Frames on the monitored TCP port 5062 and DNS.
size_t monitored_count(const std::vector<Pkt>& pkts) {
    return size_t(std::count_if(pkts.begin(), pkts.end(), [](const Pkt& p) {
        return (p.v.is_tcp() && (p.v.sport == 5062 || p.v.dport == 5062)) ||
               (p.v.is_udp() && (p.v.sport == 53 || p.v.dport == 53));
    }));
}

TEST(Demo, HoldsTheFourScenariosIntactAmidUnmonitoredBackground) {
    std::vector<Frame> demo_frames = generate("demo");
    std::vector<Pkt> demo = decode_all(demo_frames);
    size_t parts = 0;
    for (const char* name : {"tcp-healthy", "tcp-in-syn-unanswered", "tcp-out-syn-failover", "tcp-in-port-rejected"}) {
        std::vector<Frame> f = generate(name);
        parts += monitored_count(decode_all(f));
    }
    EXPECT_EQ(monitored_count(demo), parts);
    EXPECT_EQ(std::count_if(demo.begin(), demo.end(), [](const Pkt& p) { return p.rst(); }), 2);
    // OUT-2 keeps its place in the guide's timeline.
    EXPECT_TRUE(std::any_of(demo.begin(), demo.end(), [](const Pkt& p) {
        return p.syn() && p.v.sport == 25026 && p.ts == utc_ns(2017, 9, 19, 14, 18, 35, 474'312);
    }));
    size_t background = demo.size() - monitored_count(demo);
    EXPECT_GT(background, demo.size() / 2);
    EXPECT_TRUE(std::any_of(demo.begin(), demo.end(), [](const Pkt& p) { return p.v.is_udp() && p.v.dport == 123; }));
    EXPECT_TRUE(std::any_of(demo.begin(), demo.end(), [](const Pkt& p) { return p.v.is_tcp() && p.v.dport == 443; }));
}

TEST(PerfMix, ExactlyTheRequestedPacketsInTheBenchmarksProportions) {
    std::vector<Frame> frames = generate("perf-mix", 1, kSmallPerfMix);
    ASSERT_EQ(frames.size(), kSmallPerfMix);
    std::vector<Pkt> pkts = decode_all(frames);
    size_t monitored = 0, vlan = 0, qinq = 0, v6 = 0, udp = 0, syn_retrans = 0, bytes = 0;
    std::map<std::tuple<cs::IpAddr, uint16_t>, uint32_t> syn_isn;
    for (const Pkt& p : pkts) {
        bytes += p.frame->bytes.size();
        bool mon_port = p.v.is_tcp() && (p.v.sport == 5061 || p.v.sport == 5062 || p.v.dport == 5061 || p.v.dport == 5062);
        monitored += mon_port;
        vlan += p.v.vlan_count == 1;
        qinq += p.v.vlan_count == 2;
        v6 += p.v.ip_version == 6;
        udp += p.v.is_udp();
        if (p.syn() && p.v.dport == 5062) {
            auto [it, fresh] = syn_isn.try_emplace({p.v.src, p.v.sport}, p.v.seq);
            syn_retrans += !fresh && it->second == p.v.seq;
        }
        // The default monitored set must see only the intended flows.
        if (p.v.is_udp()) {
            EXPECT_TRUE(p.v.sport != 53 && p.v.dport != 53 && p.v.sport != 5060 && p.v.dport != 5060);
        }
    }
    const double n = double(pkts.size());
    EXPECT_GT(monitored / n, 0.07);
    EXPECT_LT(monitored / n, 0.13);
    EXPECT_GT(vlan / n, 0.03);
    EXPECT_GT(qinq, 0u);
    EXPECT_GT(v6 / n, 0.03);
    EXPECT_GT(udp / n, 0.02);
    EXPECT_GT(syn_retrans, 0u) << "a few failed connections";
    EXPECT_GT(bytes / n, 480.0) << "mean frame near the captures' ~530 B";
    EXPECT_LT(bytes / n, 600.0);
}

// --- the pcap writer

TEST(PcapWriter, WritesMicrosecondEthernetPcapThatLibpcapReadsBack) {
    namespace fs = std::filesystem;
    const std::string path = (fs::temp_directory_path() / ("cs_writer_" + std::to_string(::getpid()) + ".pcap")).string();
    const std::vector<uint8_t> f1(60, 0xab), f2(1514, 0xcd);
    const uint64_t t1 = utc_ns(2017, 9, 19, 14, 18, 35, 474'312) + 999;  // sub-microsecond part is dropped
    {
        cs::gen::PcapWriter w(path);
        w.write(t1, f1);
        w.write(t1 + 1'049'012'000, f2);
        w.close();
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_MICRO, err);
    ASSERT_NE(p, nullptr) << err;
    EXPECT_EQ(pcap_datalink(p), DLT_EN10MB);
    EXPECT_EQ(pcap_get_tstamp_precision(p), PCAP_TSTAMP_PRECISION_MICRO);
    pcap_pkthdr* h;
    const u_char* data;
    ASSERT_EQ(pcap_next_ex(p, &h, &data), 1);
    EXPECT_EQ(uint64_t(h->ts.tv_sec) * 1'000'000 + uint64_t(h->ts.tv_usec), t1 / 1000);
    EXPECT_EQ(h->caplen, 60u);
    EXPECT_EQ(h->len, 60u);
    EXPECT_TRUE(std::equal(f1.begin(), f1.end(), data));
    ASSERT_EQ(pcap_next_ex(p, &h, &data), 1);
    EXPECT_EQ(h->ts.tv_usec, 523'324);
    EXPECT_EQ(h->caplen, 1514u);
    EXPECT_EQ(pcap_next_ex(p, &h, &data), PCAP_ERROR_BREAK);
    pcap_close(p);
    fs::remove(path);
}

TEST(PcapWriter, UnwritablePathFailsNamingThePath) {
    try {
        cs::gen::PcapWriter w("/nonexistent-dir/x.pcap");
        FAIL() << "opened an unwritable path";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.pcap"), std::string::npos) << e.what();
    }
}

}  // namespace
