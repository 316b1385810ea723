// DNS scenarios of callsentry-gen, re-read from their frames: every DNS
// payload through the product's parser (workers/dns_parser.h), the answers
// holding the guide's and seed 004's values, the lookups' timings, the SYNs
// going where the answers sent them, the phone's TLS 1.2 registration put
// back together (no CertificateRequest, completed, SIP only as application
// data), and the seed changing ids but never ports or times.
#include <gtest/gtest.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pipeline/decode.h"
#include "tools/gen/dns_scenarios.h"
#include "workers/dns_parser.h"

namespace {

using cs::gen::Frame;

constexpr uint64_t kUsNs = 1000;
constexpr uint64_t kMsNs = 1'000'000;

std::vector<Frame> generate(std::string_view name, uint64_t seed = 1) {
    const cs::gen::Scenario* s = cs::gen::find_scenario(name);
    if (!s) throw std::runtime_error("no scenario " + std::string(name));
    return s->generate({seed, 200000, nullptr});
}

// UTC wall time -> ns since the epoch, through the C library.
uint64_t utc_ns(int y, int mo, int d, int h, int mi, int s, uint64_t us) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return uint64_t(timegm(&tm)) * 1'000'000'000 + us * kUsNs;
}

cs::IpAddr ip(const char* text) { return *cs::IpAddr::parse(text); }
std::string addr_text(const uint8_t* b, bool v4) {
    return (v4 ? cs::IpAddr::v4_bytes(b) : cs::IpAddr::v6_bytes(b)).to_string();
}

struct Pkt {
    uint64_t ts;
    cs::PacketView v;
    bool syn() const { return v.is_tcp() && (v.tcp_flags & (cs::kSyn | cs::kAck)) == cs::kSyn; }
    bool dns() const { return v.is_udp() && (v.sport == 53 || v.dport == 53); }
};

std::vector<Pkt> decode_all(const std::vector<Frame>& frames) {
    std::vector<Pkt> out;
    for (const Frame& f : frames) {
        Pkt p{f.ts_ns, {}};
        EXPECT_EQ(cs::decode_packet(f.bytes.data(), uint32_t(f.bytes.size()), p.v), cs::DecodeStatus::kOk)
            << "frame " << out.size() + 1;
        EXPECT_EQ(p.v.payload_len, p.v.payload_wire_len);
        out.push_back(p);
    }
    return out;
}

// One DNS message as the product parses it. The parser's result is large:
// one per message, on the heap.
struct Dns {
    const Pkt* pkt;
    std::unique_ptr<cs::DnsMessage> m;
    const cs::DnsMessage* operator->() const { return m.get(); }
};

std::vector<Dns> dns_messages(const std::vector<Pkt>& pkts) {
    std::vector<Dns> out;
    for (const Pkt& p : pkts) {
        if (!p.dns()) continue;
        Dns d{&p, std::make_unique<cs::DnsMessage>()};
        cs::DnsStatus st = cs::parse_dns_message({p.v.payload, p.v.payload_len}, *d.m);
        EXPECT_TRUE(st.ok()) << "DNS at " << p.ts << ": " << cs::dns_anomaly_name(st.reason) << " at " << st.at;
        EXPECT_EQ(d->trailing_bytes, 0u);
        EXPECT_EQ(d->answers_dropped + d->authority_dropped + d->additional_dropped, 0);
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<const Dns*> queries(const std::vector<Dns>& all) {
    std::vector<const Dns*> q;
    for (const Dns& d : all)
        if (!d->header.qr) q.push_back(&d);
    return q;
}
std::vector<const Dns*> answers(const std::vector<Dns>& all) {
    std::vector<const Dns*> a;
    for (const Dns& d : all)
        if (d->header.qr) a.push_back(&d);
    return a;
}

// The query an answer answers: same id, the ports and addresses swapped, the same question.
const Dns* query_of(const std::vector<Dns>& all, const Dns& a) {
    for (const Dns& q : all) {
        if (q->header.qr || q.pkt->ts > a.pkt->ts || q->header.id != a->header.id) continue;
        if (q.pkt->v.src != a.pkt->v.dst || q.pkt->v.sport != a.pkt->v.dport || q.pkt->v.dst != a.pkt->v.src) continue;
        if (q->question[0].name.view() != a->question[0].name.view() || q->question[0].type != a->question[0].type)
            continue;
        return &q;
    }
    return nullptr;
}

// Where an SRV answer sends a client: (address, port) of each target, through
// the A records of the additional section, in answer order.
std::vector<std::pair<std::string, uint16_t>> srv_destinations(const Dns& a) {
    std::vector<std::pair<std::string, uint16_t>> out;
    for (const cs::DnsRecord& rr : a->answers()) {
        if (rr.type != cs::dns::kTypeSRV) continue;
        for (const cs::DnsRecord& ad : a->additionals())
            if (ad.type == cs::dns::kTypeA && ad.name.view() == rr.target.view())
                out.emplace_back(addr_text(ad.address, true), rr.srv.port);
    }
    return out;
}

// The Expressway-E's stub: recursion desired, no EDNS, nothing else set.
void expect_stub_query(const Dns& q) {
    EXPECT_FALSE(q->header.qr);
    EXPECT_TRUE(q->header.rd);
    EXPECT_FALSE(q->header.aa || q->header.tc || q->header.ad || q->header.cd);
    EXPECT_EQ(q->question_count, 1);
    EXPECT_EQ(q->answer_count + q->authority_count + q->additional_count, 0);
    EXPECT_FALSE(q->edns.present);
}

const cs::IpAddr kExpE = ip("64.102.241.236");
const cs::IpAddr kGoogleDns = ip("8.8.8.8");

// --- every lookup of every DNS-bearing scenario

class DnsBearing : public ::testing::TestWithParam<std::string> {};

TEST_P(DnsBearing, EveryPayloadParsesAndEveryAnswerMatchesItsQuery) {
    const std::vector<Frame> frames_1 = generate(GetParam());  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_1);
    std::vector<Dns> all = dns_messages(pkts);
    ASSERT_FALSE(all.empty());
    for (const Dns* ap : answers(all)) {
        const Dns& a = *ap;
        const Dns* q = query_of(all, a);
        ASSERT_NE(q, nullptr) << "answer at " << a.pkt->ts << " has no query";
        EXPECT_TRUE(a->header.rd && a->header.ra) << "a recursive resolver's answer";
        // RFC 6891 §7: OPT only in answers to queries that had one.
        EXPECT_EQ(a->edns.present, (*q)->edns.present);
        // Owner names are pointers (to the question, or to a name written before).
        const uint8_t* b = a.pkt->v.payload;
        for (const cs::DnsRecord& rr : a->answers()) EXPECT_EQ(b[rr.rdata_offset - 10 - 2] & 0xc0, 0xc0);
        for (const cs::DnsRecord& rr : a->additionals()) EXPECT_EQ(b[rr.rdata_offset - 10 - 2] & 0xc0, 0xc0);
        EXPECT_LE(a.pkt->v.payload_len, (*q)->edns.present ? (*q)->edns.udp_size : 512u);
    }
}

// The seed picks the DNS ids, as stacks do at random; ports, sizes and times
// stay (ScenarioOptions).
TEST_P(DnsBearing, OtherSeedChangesDnsIdsButNotPortsOrTimes) {
    std::vector<Frame> fa = generate(GetParam(), 1), fb = generate(GetParam(), 2);
    std::vector<Pkt> pa = decode_all(fa), pb = decode_all(fb);
    ASSERT_EQ(pa.size(), pb.size());
    std::vector<Dns> da = dns_messages(pa), db = dns_messages(pb);
    ASSERT_EQ(da.size(), db.size());
    std::set<uint16_t> ids_a, ids_b;
    for (size_t i = 0; i < da.size(); ++i) {
        EXPECT_EQ(da[i].pkt->ts, db[i].pkt->ts);
        EXPECT_EQ(da[i].pkt->v.sport, db[i].pkt->v.sport);
        EXPECT_EQ(da[i].pkt->v.dport, db[i].pkt->v.dport);
        EXPECT_EQ(da[i].pkt->v.payload_len, db[i].pkt->v.payload_len);
        ids_a.insert(da[i]->header.id);
        ids_b.insert(db[i]->header.id);
    }
    EXPECT_NE(ids_a, ids_b);
}

INSTANTIATE_TEST_SUITE_P(All, DnsBearing,
                         ::testing::Values("dns-out-wrong-domain-5061", "dns-connect-not-attempted",
                                           "dns-in-srv-unresolvable", "wxc-provisioning-dns-failed",
                                           "wxc-profile-dns-failed", "wxc-registration-healthy",
                                           "wxc-registration-tls-failed", "tcp-out-syn-failover",
                                           "tcp-healthy"),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                             std::string n = i.param;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(DnsScenarioRegistry, EachIsListedOnce) {
    std::multiset<std::string> names;
    for (const cs::gen::Scenario& s : cs::gen::all_scenarios()) names.insert(std::string(s.name));
    for (const cs::gen::Scenario& s : cs::gen::dns_scenarios()) {
        EXPECT_EQ(names.count(std::string(s.name)), 1u) << s.name;
        ASSERT_NE(cs::gen::find_scenario(s.name), nullptr) << s.name;
        EXPECT_EQ(cs::gen::find_scenario(s.name)->generate, s.generate);
    }
    EXPECT_EQ(cs::gen::dns_scenarios().size(), 7u);
}

// --- OUT-1

TEST(DnsOutWrongDomain5061, NaptrNodataThenSrvTo5061ThenTheGuidesSyns) {
    const std::vector<Frame> frames_2 = generate("dns-out-wrong-domain-5061");  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_2);
    std::vector<Dns> all = dns_messages(pkts);
    ASSERT_EQ(all.size(), 4u);
    const Dns &naptr_q = all[0], &naptr_a = all[1], &srv_q = all[2], &srv_a = all[3];

    for (const Dns* q : {&naptr_q, &srv_q}) {
        expect_stub_query(*q);
        EXPECT_EQ(q->pkt->v.src, kExpE);
        EXPECT_EQ(q->pkt->v.dst, kGoogleDns);
        EXPECT_GE(q->pkt->v.sport, 32768);  // Linux ephemeral range
        EXPECT_LE(q->pkt->v.sport, 60999);
    }
    EXPECT_NE(naptr_q.pkt->v.sport, srv_q.pkt->v.sport) << "a new socket per query";
    EXPECT_EQ(naptr_q->question[0].name, "dmzlab.call.ciscospark.com");
    EXPECT_EQ(naptr_q->question[0].type, cs::dns::kTypeNAPTR);
    EXPECT_EQ(srv_q->question[0].name, "_sips._tcp.dmzlab.call.ciscospark.com");
    EXPECT_EQ(srv_q->question[0].type, cs::dns::kTypeSRV);
    EXPECT_EQ(query_of(all, naptr_a), &naptr_q);
    EXPECT_EQ(query_of(all, srv_a), &srv_q);

    // The NAPTR "could not resolve": NOERROR, no answer, the zone's SOA.
    EXPECT_EQ(naptr_a->rcode(), cs::dns::kNoError);
    EXPECT_EQ(naptr_a->answer_count, 0);
    ASSERT_EQ(naptr_a->authority_count, 1);
    EXPECT_EQ(naptr_a->authority[0].type, cs::dns::kTypeSOA);
    EXPECT_EQ(naptr_a->authority[0].name, "ciscospark.com");
    EXPECT_TRUE(naptr_a->authority[0].decoded);

    // SRV 5 10 5061 l2sip-cfa-01.wbx2.com. TTL 300, A 146.20.193.64: "2 relevant records".
    EXPECT_EQ(srv_a->rcode(), cs::dns::kNoError);
    ASSERT_EQ(srv_a->answer_count, 1);
    ASSERT_EQ(srv_a->additional_count, 1);
    const cs::DnsRecord& srv = srv_a->answer[0];
    EXPECT_EQ(srv.type, cs::dns::kTypeSRV);
    EXPECT_EQ(srv.ttl, 300u);
    EXPECT_EQ(srv.srv.priority, 5);
    EXPECT_EQ(srv.srv.weight, 10);
    EXPECT_EQ(srv.srv.port, 5061);
    EXPECT_EQ(srv.target, "l2sip-cfa-01.wbx2.com");
    EXPECT_EQ(addr_text(srv_a->additional[0].address, true), "146.20.193.64");

    // The Expressway's log times: NAPTR .565, SRV .718, resolved .795.
    EXPECT_EQ(naptr_q.pkt->ts / kMsNs, utc_ns(2017, 9, 19, 17, 18, 50, 565'000) / kMsNs);
    EXPECT_EQ(srv_q.pkt->ts / kMsNs, utc_ns(2017, 9, 19, 17, 18, 50, 718'000) / kMsNs);
    EXPECT_LT(naptr_a.pkt->ts, srv_q.pkt->ts);
    EXPECT_LE(srv_a.pkt->ts, utc_ns(2017, 9, 19, 17, 18, 50, 795'000));
    EXPECT_GT(srv_a.pkt->ts, utc_ns(2017, 9, 19, 17, 18, 50, 794'000));

    // Every SYN goes where the answer said, four per source port, nothing answers.
    const auto dest = srv_destinations(srv_a);
    ASSERT_EQ(dest.size(), 1u);
    std::vector<const Pkt*> syns;
    for (const Pkt& p : pkts) {
        if (!p.v.is_tcp()) continue;
        ASSERT_TRUE(p.syn()) << "only SYNs: no SYN-ACK, no RST";
        EXPECT_EQ(p.v.src, kExpE);
        EXPECT_EQ(p.v.dst.to_string(), dest[0].first);
        EXPECT_EQ(p.v.dport, dest[0].second);
        EXPECT_GT(p.ts, srv_a.pkt->ts);
        syns.push_back(&p);
    }
    ASSERT_EQ(syns.size(), 8u);
    const uint64_t want[] = {utc_ns(2017, 9, 19, 17, 18, 51, 145'472), utc_ns(2017, 9, 19, 17, 18, 52, 203'326),
                             utc_ns(2017, 9, 19, 17, 18, 54, 251'324), utc_ns(2017, 9, 19, 17, 18, 58, 233'326),
                             utc_ns(2017, 9, 19, 17, 19, 1, 328'601),  utc_ns(2017, 9, 19, 17, 19, 2, 379'327),
                             utc_ns(2017, 9, 19, 17, 19, 4, 427'323),  utc_ns(2017, 9, 19, 17, 19, 8, 459'332)};
    for (size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(syns[i]->ts, want[i]) << i;
        EXPECT_EQ(syns[i]->v.sport, i < 4 ? 25010 : 25011) << i;
        EXPECT_EQ(syns[i]->v.seq, syns[i - i % 4]->v.seq) << "a retransmission keeps its ISN";
    }
    EXPECT_NE(syns[0]->v.seq, syns[4]->v.seq);
    // Linux backoff: about +1, +3, +7 s; the new attempt about 10.2 s after the first SYN.
    for (size_t burst : {0u, 4u}) {
        const uint64_t t0 = syns[burst]->ts;
        const double offs[] = {1.05, 3.10, 7.11};
        for (size_t k = 1; k < 4; ++k) EXPECT_NEAR(double(syns[burst + k]->ts - t0) / 1e9, offs[k - 1], 0.03);
    }
    EXPECT_NEAR(double(syns[4]->ts - syns[0]->ts) / 1e9, 10.18, 0.01);
    // "TCP Connecting" 350 ms after the SRV answer.
    EXPECT_NEAR(double(syns[0]->ts - srv_a.pkt->ts) / 1e6, 350.6, 0.1);
}

// --- OUT-2 with its DNS (the TCP scenario's lookup is this file's)

TEST(TcpOutSynFailover, SynsFollowTheSrvAnswerInItsOrder) {
    const std::vector<Frame> frames_3 = generate("tcp-out-syn-failover");  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_3);
    std::vector<Dns> all = dns_messages(pkts);
    ASSERT_EQ(all.size(), 2u);
    expect_stub_query(all[0]);
    const auto dest = srv_destinations(all[1]);
    ASSERT_EQ(dest.size(), 2u);
    EXPECT_EQ(dest[0], std::make_pair(std::string("146.20.193.70"), uint16_t(5062)));
    EXPECT_EQ(dest[1], std::make_pair(std::string("146.20.193.64"), uint16_t(5062)));
    std::vector<std::pair<std::string, uint16_t>> tried;
    for (const Pkt& p : pkts) {
        if (!p.syn()) continue;
        std::pair<std::string, uint16_t> d{p.v.dst.to_string(), p.v.dport};
        if (tried.empty() || tried.back() != d) tried.push_back(d);
    }
    EXPECT_EQ(tried, dest) << "first target first, then failover to the second";
}

// --- OUT-2's absence variant

TEST(DnsConnectNotAttempted, TwoHealthyAnswersAndNoSynAtAll) {
    const std::vector<Frame> frames_4 = generate("dns-connect-not-attempted");  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_4);
    std::vector<Dns> all = dns_messages(pkts);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all.size(), pkts.size()) << "nothing but the lookups";
    std::vector<const Dns*> as = answers(all);
    ASSERT_EQ(as.size(), 2u);
    for (const Dns* a : as) {
        EXPECT_EQ(a->pkt->v.dst, kExpE);
        EXPECT_EQ((*a)->question[0].name, "_sips._tcp.callservice.ciscospark.com");
        const auto dest = srv_destinations(*a);
        EXPECT_EQ(dest.size(), 2u);
        for (const auto& d : dest) EXPECT_EQ(d.second, 5062);
        for (const cs::DnsRecord& rr : (*a)->answers()) EXPECT_EQ(rr.ttl, 300u);
    }
    EXPECT_EQ(as[0]->pkt->ts, utc_ns(2017, 9, 19, 14, 18, 35, 126'472));
    // The first answer's 15 s pass on packet time before the second lookup.
    EXPECT_GT(as[1]->pkt->ts - as[0]->pkt->ts, 15 * 1000 * kMsNs);
    EXPECT_NE(queries(all)[0]->pkt->v.sport, queries(all)[1]->pkt->v.sport);
}

// --- IN-1

TEST(DnsInSrvUnresolvable, TwoIterativeQueriesTwoSecondsApartNeverAnswered) {
    const std::vector<Frame> frames_5 = generate("dns-in-srv-unresolvable");  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_5);
    std::vector<Dns> all = dns_messages(pkts);
    ASSERT_EQ(all.size(), 2u);
    EXPECT_TRUE(answers(all).empty());
    for (const Dns& q : all) {
        EXPECT_EQ(q.pkt->v.dst, ip("64.102.241.5"));
        EXPECT_EQ(q.pkt->v.dport, 53);
        EXPECT_EQ(q.pkt->v.src, ip("74.125.47.141"));
        EXPECT_FALSE(q->header.rd) << "a resolver asks the authoritative server iteratively";
        EXPECT_EQ(q->question[0].name, "_sips._tcp.mtls.rtp.ciscotac.net");
        EXPECT_EQ(q->question[0].type, cs::dns::kTypeSRV);
        EXPECT_TRUE(q->edns.present);
        EXPECT_TRUE(q->edns.dnssec_ok);
        EXPECT_EQ(q->edns.udp_size, 4096);
    }
    EXPECT_NE(all[0]->header.id, all[1]->header.id);
    EXPECT_NE(all[0].pkt->v.sport, all[1].pkt->v.sport);
    // The guide's "timeout was 2 seconds": the retry after it.
    EXPECT_GE(all[1].pkt->ts - all[0].pkt->ts, 2000 * kMsNs);
    EXPECT_LT(all[1].pkt->ts - all[0].pkt->ts, 2100 * kMsNs);
}

// --- seed 004: provisioning lookups that time out

struct PhoneFailure {
    const char* scenario;
    const char* qname;
    uint64_t forwarded, failed;  // the seed's dnsmasq "forwarded" and "Couldn't resolve host"
};

class PhoneLookupFails : public ::testing::TestWithParam<PhoneFailure> {};

TEST_P(PhoneLookupFails, FourForwardsOfOneQueryTwoSecondsApartUntilTheSeedsFailure) {
    const PhoneFailure& f = GetParam();
    const std::vector<Frame> frames_6 = generate(f.scenario);  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_6);
    std::vector<Dns> all = dns_messages(pkts);
    ASSERT_EQ(all.size(), 4u);
    EXPECT_EQ(all.size(), pkts.size());
    EXPECT_TRUE(answers(all).empty());
    for (const Dns& q : all) {
        expect_stub_query(q);
        EXPECT_EQ(q.pkt->v.src, ip("192.168.100.6"));
        EXPECT_EQ(q.pkt->v.dst, ip("192.168.100.3"));
        EXPECT_EQ(q->question[0].name, f.qname);
        EXPECT_EQ(q->question[0].type, cs::dns::kTypeA);
        // dnsmasq resends its forward: same id, same socket (unconnected: IP-ID 0, DF).
        EXPECT_EQ(q->header.id, all[0]->header.id);
        EXPECT_EQ(q.pkt->v.sport, all[0].pkt->v.sport);
        EXPECT_EQ(q.pkt->v.ip_id, 0);
        EXPECT_TRUE(q.pkt->v.df);
        EXPECT_EQ(q.pkt->v.ttl, 64);
    }
    EXPECT_EQ(all[0].pkt->ts, f.forwarded);
    const uint64_t round = all[1].pkt->ts - all[0].pkt->ts;
    for (size_t i = 1; i < 4; ++i) EXPECT_EQ(all[i].pkt->ts - all[i - 1].pkt->ts, round);
    EXPECT_NEAR(double(round) / 1e9, 2.0, 0.002);
    // The fourth try times out when the phone gives up (to the microsecond).
    EXPECT_LE(std::llabs(int64_t(all[3].pkt->ts + round - f.failed)), int64_t(kUsNs));
}

INSTANTIATE_TEST_SUITE_P(
    Seed004, PhoneLookupFails,
    ::testing::Values(PhoneFailure{"wxc-provisioning-dns-failed", "activate.cisco.com",
                                   utc_ns(2023, 8, 10, 16, 56, 46, 142'742), utc_ns(2023, 8, 10, 16, 56, 54, 146'585)},
                      PhoneFailure{"wxc-profile-dns-failed", "cisco.sipflash.com",
                                   utc_ns(2023, 5, 10, 17, 3, 14, 925'318), utc_ns(2023, 5, 10, 17, 3, 22, 926'249)}),
    [](const ::testing::TestParamInfo<PhoneFailure>& i) { return i.index == 0 ? "Activate" : "Sipflash"; });

// --- seed 004: the healthy registration

// One direction of a TCP connection, in sequence order.
struct Stream {
    std::optional<uint32_t> next;
    std::vector<uint8_t> bytes;
    std::vector<size_t> write_sizes;  // payload bytes per segment
};

struct Record {
    uint8_t type;
    std::vector<uint8_t> body;
};
std::vector<Record> records(const std::vector<uint8_t>& s) {
    std::vector<Record> out;
    size_t off = 0;
    while (off + 5 <= s.size()) {
        size_t len = size_t(s[off + 3]) << 8 | s[off + 4];
        EXPECT_EQ(s[off + 1], 3);  // TLS 1.x record version
        if (off + 5 + len > s.size()) break;
        out.push_back({s[off], {s.begin() + ptrdiff_t(off + 5), s.begin() + ptrdiff_t(off + 5 + len)}});
        off += 5 + len;
    }
    EXPECT_EQ(off, s.size()) << "the stream ends on a record boundary";
    return out;
}
// The cleartext handshake messages (type, body) before a direction's ChangeCipherSpec.
std::vector<std::pair<uint8_t, std::vector<uint8_t>>> handshake_messages(const std::vector<Record>& rs) {
    std::vector<uint8_t> hs;
    for (const Record& r : rs) {
        if (r.type == 20) break;
        if (r.type == 22) hs.insert(hs.end(), r.body.begin(), r.body.end());
    }
    std::vector<std::pair<uint8_t, std::vector<uint8_t>>> out;
    size_t off = 0;
    while (off + 4 <= hs.size()) {
        size_t len = size_t(hs[off + 1]) << 16 | size_t(hs[off + 2]) << 8 | hs[off + 3];
        if (off + 4 + len > hs.size()) break;
        out.emplace_back(hs[off], std::vector<uint8_t>(hs.begin() + ptrdiff_t(off + 4), hs.begin() + ptrdiff_t(off + 4 + len)));
        off += 4 + len;
    }
    EXPECT_EQ(off, hs.size());
    return out;
}

TEST(WxcRegistrationHealthy, SrvSixTargetsOn8934ThenTcpToTheChosenOnesAddress) {
    const std::vector<Frame> frames_7 = generate("wxc-registration-healthy");  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_7);
    std::vector<Dns> all = dns_messages(pkts);
    ASSERT_EQ(all.size(), 2u);
    const Dns &q = all[0], &a = all[1];
    expect_stub_query(q);
    EXPECT_EQ(q.pkt->v.src, ip("192.168.100.4"));
    EXPECT_EQ(q.pkt->v.dst, ip("192.168.100.1"));
    EXPECT_EQ(q->question[0].name, "_sips._tcp.da02.hosted-us10.bcld.webex.com");
    EXPECT_EQ(query_of(all, a), &q);
    EXPECT_EQ(a.pkt->ts - q.pkt->ts, 12'910 * kUsNs);  // forwarded -> caching, L1728-1729
    for (const Dns* d : {&q, &a}) {
        EXPECT_EQ(d->pkt->v.ip_id, 0) << "dnsmasq and the LAN resolver answer from unconnected sockets";
        EXPECT_TRUE(d->pkt->v.df);
    }

    ASSERT_EQ(a->answer_count, 6);
    std::map<std::string, uint16_t> priority;
    for (const cs::DnsRecord& rr : a->answers()) {
        EXPECT_EQ(rr.type, cs::dns::kTypeSRV);
        EXPECT_EQ(rr.srv.port, 8934);
        EXPECT_EQ(rr.srv.weight, 50);
        priority[std::string(rr.target.view())] = rr.srv.priority;
    }
    const std::map<std::string, uint16_t> want_priority = {
        {"hosted01ai-us10.bcld.webex.com", 5},  {"hosted01aj-us10.bcld.webex.com", 5},
        {"hosted01as-us10.bcld.webex.com", 5},  {"hosted02ai-us10.bcld.webex.com", 10},
        {"hosted02aj-us10.bcld.webex.com", 10}, {"hosted02as-us10.bcld.webex.com", 10}};
    EXPECT_EQ(priority, want_priority);
    std::map<std::string, std::string> v4, v6;
    for (const cs::DnsRecord& rr : a->additionals()) {
        ASSERT_TRUE(rr.type == cs::dns::kTypeA || rr.type == cs::dns::kTypeAAAA);
        (rr.type == cs::dns::kTypeA ? v4 : v6)[std::string(rr.name.view())] =
            addr_text(rr.address, rr.type == cs::dns::kTypeA);
        EXPECT_EQ(rr.ttl, 81u);  // "found A record=hosted01aj-us10... with TTL=81"
    }
    EXPECT_EQ(v4.size(), 6u);
    for (const auto& [name, addr] : v4) EXPECT_EQ(addr.rfind("139.177.64.", 0), 0u) << name;
    EXPECT_EQ(v6.size(), 2u);

    // The phone connects over IPv4 to a priority-5 target on the SRV's port, 2 ms after the answer.
    const Pkt* syn = nullptr;
    for (const Pkt& p : pkts)
        if (p.syn()) {
            ASSERT_EQ(syn, nullptr) << "one connection";
            syn = &p;
        }
    ASSERT_NE(syn, nullptr);
    EXPECT_EQ(syn->ts, utc_ns(2023, 9, 4, 14, 47, 21, 456'262));
    EXPECT_EQ(syn->ts - a.pkt->ts, 2 * kMsNs);
    EXPECT_EQ(syn->v.dport, 8934);
    EXPECT_EQ(syn->v.sport, 5074);
    EXPECT_EQ(syn->v.window, 14600);
    EXPECT_EQ(syn->v.tcp_opts.mss, 1460);
    EXPECT_EQ(syn->v.tcp_opts.wscale, 2);
    std::string chosen;
    for (const auto& [name, addr] : v4)
        if (addr == syn->v.dst.to_string()) chosen = name;
    ASSERT_FALSE(chosen.empty()) << "the SYN goes to an answered address";
    EXPECT_EQ(priority[chosen], 5);
    EXPECT_TRUE(v6.count(chosen)) << "it had an IPv6 address and skipped it";
}

TEST(WxcRegistrationHealthy, Tls12WithoutCertificateRequestCompletesAndCarriesTheRegistration) {
    const std::vector<Frame> frames_8 = generate("wxc-registration-healthy");  // the views point into these bytes
    std::vector<Pkt> pkts = decode_all(frames_8);
    const cs::IpAddr phone = ip("192.168.100.4");
    Stream dir[2];  // 0 phone -> SBC, 1 SBC -> phone
    uint64_t t_syn = 0, t_synack = 0, t_ack = 0, t_hello = 0;
    for (const Pkt& p : pkts) {
        if (!p.v.is_tcp()) continue;
        EXPECT_FALSE(p.v.tcp_flags & (cs::kRst | cs::kFin)) << "the connection stays up";
        const int d = p.v.src == phone ? 0 : 1;
        Stream& s = dir[d];
        if (p.v.tcp_flags & cs::kSyn) {
            (d == 0 ? t_syn : t_synack) = p.ts;
            s.next = p.v.seq + 1;
            continue;
        }
        if (d == 0 && !t_ack) t_ack = p.ts;
        if (p.v.payload_len == 0) continue;
        if (d == 0 && !t_hello) t_hello = p.ts;
        ASSERT_TRUE(s.next && p.v.seq == *s.next) << "in order, no retransmission";
        s.bytes.insert(s.bytes.end(), p.v.payload, p.v.payload + p.v.payload_len);
        s.write_sizes.push_back(p.v.payload_len);
        *s.next += p.v.payload_len;
    }
    // The §3.6 capture: SYN-ACK after 31.554 ms, ACK 104 us later, ClientHello 1.662 ms after that.
    EXPECT_EQ(t_synack - t_syn, 31'554 * kUsNs);
    EXPECT_EQ(t_ack - t_synack, 104 * kUsNs);
    EXPECT_EQ(t_hello - t_ack, 1'662 * kUsNs);
    // The SBC's MSS 1400 with timestamps: 1388-byte segments (frames 8-11).
    EXPECT_EQ(*std::max_element(dir[1].write_sizes.begin(), dir[1].write_sizes.end()), 1388u);

    const std::vector<Record> up = records(dir[0].bytes), down = records(dir[1].bytes);
    auto types = [](const std::vector<std::pair<uint8_t, std::vector<uint8_t>>>& ms) {
        std::vector<uint8_t> t;
        for (const auto& m : ms) t.push_back(m.first);
        return t;
    };
    const auto client_hs = handshake_messages(up), server_hs = handshake_messages(down);
    // ClientHello, ClientKeyExchange; no client Certificate, no CertificateVerify.
    EXPECT_EQ(types(client_hs), (std::vector<uint8_t>{1, 16}));
    // ServerHello, Certificate, ServerKeyExchange, ServerHelloDone: no CertificateRequest (13).
    EXPECT_EQ(types(server_hs), (std::vector<uint8_t>{2, 11, 12, 14}));
    ASSERT_EQ(server_hs.size(), 4u);
    EXPECT_EQ(server_hs[0].second[0] << 8 | server_hs[0].second[1], 0x0303) << "TLS 1.2";

    // Both sides finish: CCS then the encrypted Finished, then only application data.
    auto after_ccs = [](const std::vector<Record>& rs) {
        std::vector<uint8_t> t;
        bool seen = false;
        for (const Record& r : rs) {
            if (seen) t.push_back(r.type);
            seen |= r.type == 20;
        }
        return t;
    };
    EXPECT_EQ(after_ccs(up), (std::vector<uint8_t>{22, 23, 23}));    // Finished, REGISTER, REGISTER
    EXPECT_EQ(after_ccs(down), (std::vector<uint8_t>{22, 23, 23}));  // Finished, 401, 200 OK
    // The phone's second flight is the capture's 93 bytes: CKE 42 (X25519) + CCS 6 + Finished 45 (AES-GCM);
    // the SBC's CCS + Finished 51.
    size_t client_flight = 0, server_finish = 0;
    for (const Record& r : up)
        if (r.type != 23 && !(r.type == 22 && r.body[0] == 1)) client_flight += 5 + r.body.size();
    for (size_t i = 0, seen = 0; i < down.size(); ++i) {
        seen |= down[i].type == 20;
        if (seen && down[i].type != 23) server_finish += 5 + down[i].body.size();
    }
    EXPECT_EQ(client_flight, 93u);
    EXPECT_EQ(server_finish, 51u);
    // Application data records are SIP-sized: a REGISTER of several hundred bytes plus 29 of GCM.
    for (const Record& r : up) {
        if (r.type == 23) {
            EXPECT_GT(r.body.size(), 600u);
        }
    }

    // The SBC's certificate names the chosen host and is valid at the capture's time.
    const std::vector<uint8_t>& cert_msg = server_hs[1].second;
    ASSERT_GT(cert_msg.size(), 6u);
    const size_t leaf_len = size_t(cert_msg[3]) << 16 | size_t(cert_msg[4]) << 8 | cert_msg[5];
    const unsigned char* p = cert_msg.data() + 6;
    X509* leaf = d2i_X509(nullptr, &p, long(leaf_len));
    ASSERT_NE(leaf, nullptr);
    EXPECT_EQ(X509_check_host(leaf, "hosted01aj-us10.bcld.webex.com", 0, 0, nullptr), 1);
    time_t at = time_t(t_syn / 1'000'000'000);
    EXPECT_LT(X509_cmp_time(X509_get0_notBefore(leaf), &at), 0);
    EXPECT_GT(X509_cmp_time(X509_get0_notAfter(leaf), &at), 0);
    X509_free(leaf);
}

}  // namespace

TEST(WxcRegistrationTlsFailed, ThePhoneAnswersTheSbcFlightWithAFatalUnknownCaAndCloses) {
    const std::vector<Frame> frames = generate("wxc-registration-tls-failed");
    std::vector<Pkt> pkts = decode_all(frames);
    std::vector<const Pkt*> from_phone;
    bool server_flight = false;
    for (const Pkt& p : pkts) {
        if (!p.v.is_tcp() || !p.v.payload_len) continue;
        if (p.v.sport == 8934) server_flight = true;
        if (p.v.dport == 8934) from_phone.push_back(&p);
    }
    ASSERT_TRUE(server_flight);
    ASSERT_EQ(from_phone.size(), 2u);  // ClientHello, then the alert: no ClientKeyExchange, no Finished
    const cs::PacketView& alert = from_phone[1]->v;
    ASSERT_EQ(alert.payload_len, 7u);
    const uint8_t want[7] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 48};  // fatal unknown_ca, in clear
    EXPECT_TRUE(std::equal(want, want + 7, alert.payload));
    // Both sides close after it.
    std::set<uint16_t> closers;
    for (const Pkt& p : pkts)
        if (p.v.is_tcp() && (p.v.tcp_flags & cs::kFin) && p.ts >= from_phone[1]->ts) closers.insert(p.v.sport);
    EXPECT_EQ(closers, (std::set<uint16_t>{5074, 8934}));
}
