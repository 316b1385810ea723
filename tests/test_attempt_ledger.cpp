// AttemptLedger: the story of an attempt is the lookups by the same host that
// named the server (within the reach before its first connect, the SRV behind
// an address lookup included), then its connects on the same port to any
// address those lookups named, each with how it ended as far as was known at
// the question's time; nothing decided later, nobody else's lookups, and
// bounded memory.
#include <gtest/gtest.h>

#include "workers/attempt_ledger.h"
#include "workers/dns_facts.h"

using namespace cs;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
constexpr uint64_t kMs = 1'000'000ull;
const uint64_t t0 = 1505830715ull * kSec;  // the guide's OUT-2 lookup, 2017-09-19

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

const char* kExpE = "64.102.241.236";
const char* kCfa02 = "146.20.193.70";
const char* kCfa01 = "146.20.193.64";

DnsAnswerSeen srv_answer(uint64_t ts, const char* querier = kExpE) {
    DnsAnswerSeen a;
    a.client_ip = ip(querier);
    a.server_ip = ip("8.8.8.8");
    a.ts_ns = ts;
    a.frame = 2;
    a.qname = "_sips._tcp.callservice.ciscospark.com";
    a.qtype = 33;
    a.tags = kDnsTagWebexServiceSrv;
    a.targets = {{"l2sip-cfa-02.wbx2.com", 5062, true, ip(kCfa02)}, {"l2sip-cfa-01.wbx2.com", 5062, true, ip(kCfa01)}};
    return a;
}

ConnFact started(const char* to, uint64_t ts, uint16_t sport, uint32_t frame, uint16_t dport = 5062) {
    ConnFact f;
    f.kind = ConnFact::kStarted;
    f.client_ip = ip(kExpE);
    f.server_ip = ip(to);
    f.client_port = sport;
    f.server_port = dport;
    f.start_ns = f.decided_ns = ts;
    f.first_frame = frame;
    return f;
}

ConnFact ended(ConnFact f, uint64_t last, uint64_t decided, bool server_answered, bool rst = false) {
    f.kind = ConnFact::kSeen;
    f.last_ns = last;
    f.server_last_ns = server_answered ? last : 0;
    f.rst_seen = rst;
    f.packets = server_answered ? 9 : 4;
    f.decided_ns = decided;
    return f;
}

std::vector<std::string> kinds(const AttemptStory& s) {
    std::vector<std::string> out;
    for (const AttemptStep& st : s.steps) out.push_back(st.step);
    return out;
}

}  // namespace

TEST(AttemptLedger, OutboundTwoTheLookupTheFailedConnectAndTheFailover) {
    AttemptLedger l;
    l.answer(srv_answer(t0));
    const ConnFact first = started(kCfa02, t0 + 350 * kMs, 25026, 3);
    l.connection(first);
    l.connection(ended(first, t0 + 7480 * kMs, t0 + 10350 * kMs, false));
    const ConnFact failover = started(kCfa01, t0 + 10683 * kMs, 25027, 7);
    l.connection(failover);
    const AttemptStory s = l.story(ip(kExpE), ip(kCfa01), 5062, failover.start_ns, t0 + 21 * kSec);
    EXPECT_EQ(s.service, "_sips._tcp.callservice.ciscospark.com");
    ASSERT_EQ(kinds(s), (std::vector<std::string>{"dns_answer", "tcp_connect", "tcp_connect"}));
    EXPECT_EQ(s.steps[0].frame, 2u);
    EXPECT_EQ(s.steps[0].detail,
              "SRV _sips._tcp.callservice.ciscospark.com answered by 8.8.8.8: l2sip-cfa-02.wbx2.com:5062 146.20.193.70, "
              "l2sip-cfa-01.wbx2.com:5062 146.20.193.64");
    EXPECT_EQ(s.steps[1].detail, "64.102.241.236:25026 -> 146.20.193.70:5062: no answer from the server");
    EXPECT_EQ(s.steps[1].frame, 3u);
    EXPECT_EQ(s.steps[2].detail, "64.102.241.236:25027 -> 146.20.193.64:5062");  // still open at the question
    EXPECT_EQ(s.steps[2].ns, failover.start_ns);
}

TEST(AttemptLedger, OnlyThisHostsLookupsThatNamedTheServerWithinTheReach) {
    AttemptLedger l;
    const uint64_t connect = t0 + 100 * kSec;
    l.answer(srv_answer(connect - 61 * kSec));           // beyond the 60 s reach
    l.answer(srv_answer(connect - 30 * kSec, "10.9.9.9"));  // another host's
    DnsAnswerSeen other = srv_answer(connect - 20 * kSec);
    other.targets = {{"l2sip-ash-01.wbx2.com", 5062, true, ip("146.20.1.1")}};
    l.answer(other);                                     // named another address
    DnsAnswerSeen port_5061 = srv_answer(connect - 10 * kSec);
    for (auto& t : port_5061.targets) t.port = 5061;
    l.answer(port_5061);                                 // named the server on another port
    l.answer(srv_answer(connect + 1));                   // after the connect
    l.connection(started(kCfa01, connect, 25027, 7));
    const AttemptStory s = l.story(ip(kExpE), ip(kCfa01), 5062, connect, connect + 20 * kSec);
    EXPECT_EQ(s.service, "");
    EXPECT_EQ(kinds(s), (std::vector<std::string>{"tcp_connect"}));
    // At exactly the reach it is the attempt's lookup.
    l.answer(srv_answer(connect - 60 * kSec));
    EXPECT_EQ(kinds(l.story(ip(kExpE), ip(kCfa01), 5062, connect, connect + 20 * kSec)),
              (std::vector<std::string>{"dns_answer", "tcp_connect"}));
}

TEST(AttemptLedger, AnSrvWithoutAddressesJoinsThroughTheTargetsAddressLookup) {
    AttemptLedger l;
    DnsAnswerSeen srv = srv_answer(t0);
    for (auto& t : srv.targets) t.has_ip = false;
    DnsAnswerSeen a;
    a.client_ip = ip(kExpE);
    a.server_ip = ip("8.8.8.8");
    a.ts_ns = t0 + 20 * kMs;
    a.frame = 4;
    a.qname = "l2sip-cfa-01.wbx2.com";
    a.qtype = 1;
    a.targets = {{"l2sip-cfa-01.wbx2.com", 0, true, ip(kCfa01)}};
    l.answer(a);
    l.answer(srv);
    l.connection(started(kCfa01, t0 + 40 * kMs, 25027, 6));
    const AttemptStory s = l.story(ip(kExpE), ip(kCfa01), 5062, t0 + 40 * kMs, t0 + kSec);
    EXPECT_EQ(s.service, "_sips._tcp.callservice.ciscospark.com");  // the SRV names the service, not the A lookup
    ASSERT_EQ(kinds(s), (std::vector<std::string>{"dns_answer", "dns_answer", "tcp_connect"}));
    EXPECT_EQ(s.steps[0].frame, 2u);
    EXPECT_EQ(s.steps[1].frame, 4u);
}

TEST(AttemptLedger, NothingDecidedAfterTheQuestionCounts) {
    AttemptLedger l;
    l.answer(srv_answer(t0));
    const ConnFact first = started(kCfa02, t0 + kSec, 25026, 3);
    l.connection(first);
    l.connection(ended(first, t0 + 2 * kSec, t0 + 5 * kSec, true, true));
    l.connection(started(kCfa01, t0 + 6 * kSec, 25027, 9));
    // Asked at 4 s: the end (decided at 5 s) and the later connect are not known yet.
    AttemptStory early = l.story(ip(kExpE), ip(kCfa02), 5062, t0 + kSec, t0 + 4 * kSec);
    ASSERT_EQ(kinds(early), (std::vector<std::string>{"dns_answer", "tcp_connect"}));
    EXPECT_EQ(early.steps[1].detail, "64.102.241.236:25026 -> 146.20.193.70:5062");
    AttemptStory late = l.story(ip(kExpE), ip(kCfa02), 5062, t0 + kSec, t0 + 7 * kSec);
    ASSERT_EQ(kinds(late), (std::vector<std::string>{"dns_answer", "tcp_connect", "tcp_connect"}));
    EXPECT_EQ(late.steps[1].detail, "64.102.241.236:25026 -> 146.20.193.70:5062: reset after 9 packets");
    // Connects on another port are another service.
    l.connection(started(kCfa01, t0 + 6 * kSec, 25028, 10, 443));
    EXPECT_EQ(l.story(ip(kExpE), ip(kCfa02), 5062, t0 + kSec, t0 + 7 * kSec).steps.size(), 3u);
}

TEST(AttemptLedger, LiveConnectionsAndEndsInAnyOrder) {
    AttemptLedger l;
    const ConnFact c = started(kCfa01, t0, 25027, 7);
    const ConnFact end = ended(c, t0 + 10 * kSec, t0 + 12 * kSec, true);
    l.connection(end);  // its start not known: counted, ignored
    EXPECT_EQ(l.counters().ends_unmatched, 1u);
    l.connection(c);
    const std::vector<IpAddr> servers{ip(kCfa01)};
    EXPECT_TRUE(l.connected(ip(kExpE), servers, t0 + 100 * kSec, t0 + 115 * kSec));  // no end known: live
    l.connection(end);
    EXPECT_FALSE(l.connected(ip(kExpE), servers, t0 + 100 * kSec, t0 + 115 * kSec));
    EXPECT_TRUE(l.connected(ip(kExpE), servers, t0 + 5 * kSec, t0 + 6 * kSec));    // live at 5 s
    EXPECT_TRUE(l.connected(ip(kExpE), servers, t0 + 11 * kSec, t0 + 11 * kSec));  // end decided after the question
    EXPECT_FALSE(l.connected(ip("10.0.0.1"), servers, t0 + 5 * kSec, t0 + 6 * kSec));
    EXPECT_FALSE(l.connected(ip(kExpE), {ip(kCfa02)}, t0 + 5 * kSec, t0 + 6 * kSec));
}

TEST(AttemptLedger, BoundedTheOldestMakesRoomAndPrunedOnPacketTime) {
    AttemptLedgerSettings s;
    s.max_answers = 4;
    s.max_connections = 8;
    AttemptLedger l(s);
    // Ten answers: the six oldest made room for the newest.
    for (int i = 0; i < 10; ++i) l.answer(srv_answer(t0 + uint64_t(i) * kSec));
    EXPECT_EQ(l.counters().answers, 10u);
    EXPECT_EQ(l.counters().answers_evicted, 6u);
    const ConnFact probe = started(kCfa01, t0 + 9 * kSec + 1, 50000, 50);
    // Ten ended connections: the two that ended first made room.
    for (uint16_t i = 0; i < 10; ++i) {
        const ConnFact c = started(kCfa02, t0 + i, uint16_t(30000 + i), i);
        l.connection(c);
        l.connection(ended(c, t0 + i + 1, t0 + i + 2, true));
    }
    EXPECT_EQ(l.counters().connections, 10u);
    EXPECT_EQ(l.counters().connections_evicted, 2u);
    EXPECT_EQ(l.counters().connections_dropped, 0u);
    EXPECT_EQ(l.counters().ends_unmatched, 0u);
    l.connection(probe);  // evicts the third
    EXPECT_EQ(l.counters().connections_evicted, 3u);
    // The newest answer is the one the story finds.
    const AttemptStory st = l.story(ip(kExpE), ip(kCfa01), 5062, probe.start_ns, probe.start_ns);
    ASSERT_EQ(kinds(st), (std::vector<std::string>{"dns_answer", "dns_answer", "dns_answer", "dns_answer", "tcp_connect"}));
    EXPECT_EQ(st.steps[0].ns, t0 + 6 * kSec);
    // More than ten minutes of packet time later the answers and the ended connections are gone.
    l.advance(t0 + 9 * kSec + 600 * kSec);
    EXPECT_EQ(kinds(l.story(ip(kExpE), ip(kCfa01), 5062, probe.start_ns, probe.start_ns)),
              (std::vector<std::string>{"dns_answer", "tcp_connect"}));  // the answer at 9 s is kept to the ns
    l.advance(t0 + 9 * kSec + 600 * kSec + 1);
    EXPECT_EQ(kinds(l.story(ip(kExpE), ip(kCfa01), 5062, probe.start_ns, probe.start_ns)),
              (std::vector<std::string>{"tcp_connect"}));  // the probe: live, kept
    EXPECT_FALSE(l.connected(ip(kExpE), {ip(kCfa02)}, t0, t0 + 20 * kSec));
    // All live: a new connection has nowhere to go and is dropped, counted.
    AttemptLedger live(s);
    for (uint16_t i = 0; i < 9; ++i) live.connection(started(kCfa01, t0 + i, uint16_t(30000 + i), i));
    EXPECT_EQ(live.counters().connections, 8u);
    EXPECT_EQ(live.counters().connections_dropped, 1u);
    // A live connection is never pruned.
    live.advance(t0 + 3600 * kSec);
    EXPECT_TRUE(live.connected(ip(kExpE), {ip(kCfa01)}, t0 + 3600 * kSec, t0 + 3615 * kSec));
}
