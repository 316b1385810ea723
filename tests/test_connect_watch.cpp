// ConnectWatch: an answer for a Webex service name with no connection from
// the querier to any answered address within 15 s of packet time is
// CONNECT_NOT_ATTEMPTED; a connection in the window, or one still live when
// the answer came, settles it; the end of the capture before the window ends decides
// nothing; the result does not depend on the order facts arrive in.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "workers/connect_watch.h"
#include "workers/dns_facts.h"

using namespace cs;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
const uint64_t t0 = 1505830715ull * kSec;  // the guide's OUT-2 lookup, 2017-09-19

struct Recorder : ConnectWatchSink {
    std::vector<NotAttempted> out;
    void not_attempted(const NotAttempted& n) override { out.push_back(n); }
};

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

// The guide's answer: callservice SRV -> l2sip-cfa-02 146.20.193.70 and -01 .64, port 5062.
DnsAnswerSeen callservice_answer(uint64_t ts, uint32_t tags = kDnsTagWebexServiceSrv) {
    DnsAnswerSeen a;
    a.client_ip = ip("64.102.241.236");
    a.server_ip = ip("8.8.8.8");
    a.direction = Direction::kOutbound;
    a.ts_ns = ts;
    a.frame = 2;
    a.qname = "_sips._tcp.callservice.ciscospark.com";
    a.qtype = 33;
    a.tags = tags;
    a.targets = {{"l2sip-cfa-02.wbx2.com", 5062, true, ip("146.20.193.70")},
                 {"l2sip-cfa-01.wbx2.com", 5062, true, ip("146.20.193.64")}};
    return a;
}

ConnFact started(const char* from, const char* to, uint64_t ts) {
    ConnFact f;
    f.kind = ConnFact::kStarted;
    f.client_ip = ip(from);
    f.server_ip = ip(to);
    f.client_port = 25026;
    f.server_port = 5062;
    f.start_ns = f.decided_ns = ts;
    return f;
}

// Its worker forgot the connection at `decided`; its last packet was at `last`.
ConnFact ended(ConnFact f, uint64_t last, uint64_t decided) {
    f.kind = ConnFact::kSeen;
    f.last_ns = f.server_last_ns = last;
    f.decided_ns = decided;
    return f;
}

// A watch and the ledger it asks.
struct Watch {
    Recorder r;
    AttemptLedger ledger;
    ConnectWatch w{{}, ledger, r};
};

}  // namespace

TEST(ConnectWatch, NoConnectWithinFifteenSecondsIsTheFailure) {
    Watch x;
    auto& [r, ledger, w] = x;
    w.answer(callservice_answer(t0));
    w.advance(t0 + 15 * kSec);  // the window is still open at its last instant
    EXPECT_TRUE(r.out.empty());
    w.advance(t0 + 15 * kSec + 1);
    ASSERT_EQ(r.out.size(), 1u);
    EXPECT_EQ(r.out[0].deadline_ns, t0 + 15 * kSec);
    EXPECT_EQ(w.counters().not_attempted, 1u);
    const RenderedEvent e = render_not_attempted(r.out[0], EventContext{{"outside"}, {"net_pcap0"}});
    rapidjson::Document d;
    ASSERT_FALSE(d.Parse(e.json.c_str()).HasParseError()) << e.json;
    EXPECT_STREQ(d["event"]["code"].GetString(), "CONNECT_NOT_ATTEMPTED");
    EXPECT_EQ(d["dns"]["resolved_ip"].Size(), 2u);
    EXPECT_EQ(e.topic, "callsentry.failure.CONNECT_NOT_ATTEMPTED");
}

TEST(ConnectWatch, AConnectToAnyAnsweredAddressSettlesIt) {
    for (const char* target : {"146.20.193.70", "146.20.193.64"}) {
        Watch x;
        auto& [r, ledger, w] = x;
        w.answer(callservice_answer(t0));
        ledger.connection(started("64.102.241.236", target, t0 + 350'000'000));  // the guide's first SYN
        w.advance(UINT64_MAX);
        EXPECT_TRUE(r.out.empty()) << target;
        EXPECT_EQ(w.counters().settled, 1u);
    }
    // Another host's connection, or one to an address not in the answer, does not.
    Watch x;
    auto& [r, ledger, w] = x;
    w.answer(callservice_answer(t0));
    ledger.connection(started("64.102.241.237", "146.20.193.70", t0 + kSec));
    ledger.connection(started("64.102.241.236", "146.20.193.99", t0 + kSec));
    ledger.connection(started("64.102.241.236", "146.20.193.70", t0 + 16 * kSec));  // too late
    w.advance(UINT64_MAX);
    EXPECT_EQ(r.out.size(), 1u);
}

TEST(ConnectWatch, ALiveConnectionSettlesItHoweverOldAndOrderDoesNotMatter) {
    // Facts from workers arrive in any order; only packet times count. A
    // connection its worker still holds is live, however long ago it started
    // (the Expressway-E keeps its mutual-TLS connection to Webex up for hours).
    const ConnFact old = started("64.102.241.236", "146.20.193.64", t0 - 3600 * kSec);
    Watch a, b;
    a.ledger.connection(old);
    a.w.answer(callservice_answer(t0));
    b.w.answer(callservice_answer(t0));
    b.ledger.connection(old);
    a.w.advance(UINT64_MAX);
    b.w.advance(UINT64_MAX);
    EXPECT_TRUE(a.r.out.empty());
    EXPECT_TRUE(b.r.out.empty());
    // Ended before the answer (its last packet 50 s before, forgotten 10 s
    // before): not live, the failure stands, whichever order the facts came in.
    for (bool end_first : {true, false}) {
        Watch c;
        c.ledger.connection(old);
        if (end_first) c.ledger.connection(ended(old, t0 - 50 * kSec, t0 - 10 * kSec));
        c.w.answer(callservice_answer(t0));
        if (!end_first) c.ledger.connection(ended(old, t0 - 50 * kSec, t0 - 10 * kSec));
        c.w.advance(UINT64_MAX);
        EXPECT_EQ(c.r.out.size(), 1u) << end_first;
    }
    // Still held by its worker at the deadline (forgotten only after it): live.
    Watch d;
    d.ledger.connection(old);
    d.ledger.connection(ended(old, t0 - 50 * kSec, t0 + 15 * kSec + 1));
    d.w.answer(callservice_answer(t0));
    d.w.advance(UINT64_MAX);
    EXPECT_TRUE(d.r.out.empty());
    // Open when the capture ended: the view at the end is no end.
    Watch e;
    e.ledger.connection(old);
    ConnFact at_end = ended(old, t0 - 50 * kSec, t0 - 50 * kSec);
    at_end.at_capture_end = true;
    e.ledger.connection(at_end);
    e.w.answer(callservice_answer(t0));
    e.w.end_capture(t0 + 20 * kSec);
    EXPECT_TRUE(e.r.out.empty());
}

TEST(ConnectWatch, OnlyWebexServiceAnswersWithAddressesAreWatched) {
    Watch x;
    auto& [r, ledger, w] = x;
    w.answer(callservice_answer(t0, kDnsTagWebexSubdomainSrv));  // OUT-1's name: DNS_SRV_WRONG_DOMAIN's business
    w.answer(callservice_answer(t0, kDnsTagWxcActivation));
    DnsAnswerSeen no_ip = callservice_answer(t0);
    for (auto& t : no_ip.targets) t.has_ip = false;
    w.answer(no_ip);
    w.advance(UINT64_MAX);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(w.counters().watches, 0u);
}

TEST(ConnectWatch, TheEndOfTheCaptureDecidesOnlyWindowsThatEnded) {
    Watch x;
    auto& [r, ledger, w] = x;
    w.answer(callservice_answer(t0));
    w.answer(callservice_answer(t0 + 36 * kSec));  // the last packet of the capture
    w.end_capture(t0 + 36 * kSec);
    ASSERT_EQ(r.out.size(), 1u);
    EXPECT_EQ(r.out[0].answer.ts_ns, t0);
    EXPECT_EQ(w.counters().cut_by_end, 1u);
}

TEST(ConnectWatch, WatchesAreBounded) {
    ConnectWatchSettings s;
    s.max_watches = 8;
    Recorder r;
    AttemptLedger ledger;
    ConnectWatch w(s, ledger, r);
    for (int i = 0; i < 100; ++i) w.answer(callservice_answer(t0 + uint64_t(i)));
    EXPECT_EQ(w.counters().watches, 8u);
    EXPECT_EQ(w.counters().watches_dropped, 92u);
}
