// AttemptJoin: the wrong-domain SRV lookup and the unanswered connects to
// 5061 that follow it (guide Outbound 1) leave as one TCP_WRONG_PORT_5061
// event; a lookup nobody follows leaves alone after the window; attempts to
// other ports, by other hosts or to addresses the answer did not give pass.
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include <cstring>

#include "workers/attempt_join.h"

using namespace cs;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
const uint64_t t0 = 1505830000ull * kSec;
IpAddr ip(const char* s) { return *IpAddr::parse(s); }

DnsEvent wrong_domain(const char* querier = "64.102.241.236") {
    DnsEvent e;
    e.verdict.code = FailureCode::kDnsSrvWrongDomain;
    DnsFact q;
    q.client_ip = ip(querier);
    q.ts_ns = t0;
    const std::string_view name = "_sips._tcp.dmzlab.call.ciscospark.com";
    std::memcpy(q.qname.text, name.data(), name.size());
    q.qname.length = uint8_t(name.size());
    DnsFact r = q;
    r.is_response = true;
    r.ts_ns = t0 + 77'000'000;
    r.srv_count = 1;
    r.srv[0].port = 5061;
    r.address_count = 1;
    r.address[0].ip = ip("146.20.193.64");
    r.address[0].srv = 0;
    q.frame = 3;
    r.frame = 4;
    e.lookup.query = q;
    e.lookup.response = r;
    e.naptr.seen = true;
    e.naptr.qname = "dmzlab.call.ciscospark.com";
    e.naptr.ns = t0 - 153'000'000;
    e.naptr.frame = 1;
    e.naptr.settled = true;
    e.naptr.outcome = DnsOutcome::kNoData;
    e.lookup.first_ns = q.ts_ns;
    e.lookup.decided_ns = r.ts_ns;
    return e;
}

FailedAttempt unanswered(uint16_t port, const char* to = "146.20.193.64", const char* from = "64.102.241.236") {
    FailedAttempt a;
    a.key = {FailureCode::kTcpSynUnanswered, Direction::kOutbound, 0, ip(from), port};
    ConnFact c;
    c.client_ip = ip(from);
    c.server_ip = ip(to);
    c.client_port = 25010;
    c.server_port = port;
    c.start_ns = t0 + 350'000'000;
    a.connections.push_back(c);
    a.first_ns = a.last_ns = c.start_ns;
    return a;
}

RenderedEvent json_event(const char* code, const char* evidence) {
    return {"t", std::string("{\"@timestamp\":\"x\",\"event\":{\"code\":\"") + code +
                     "\",\"reason\":\"r\",\"start\":\"s\"},\"dns\":{\"question\":{\"name\":\"n\"}},"
                     "\"callsentry\":{\"failure\":\"f\",\"guide\":\"g\",\"evidence\":[\"" + evidence +
                     "\"],\"candidate_causes\":[],\"remediation\":\"m\"}}"};
}

struct Out {
    std::vector<std::pair<FailureCode, std::string>> events;
    AttemptJoin::Out fn() {
        return [this](const RenderedEvent& e, FailureCode c) { events.emplace_back(c, e.json); };
    }
};

const EventContext kCtx{{"outside"}, {"net_pcap0"}};

}  // namespace

TEST(AttemptJoin, TheLookupAndTheConnectsTo5061BecomeOneEvent) {
    Out out;
    AttemptJoin j(70 * kSec, kCtx, out.fn());
    j.dns(wrong_domain(), json_event("DNS_SRV_WRONG_DOMAIN", "frame 3: SRV"));
    EXPECT_TRUE(out.events.empty());  // held for the attempt
    // The TCP attempt's story as the ledger tells it: the SRV answer, the connect, the failure.
    AttemptStory story;
    story.service = "_sips._tcp.dmzlab.call.ciscospark.com";
    story.steps = {{t0 + 77'000'000, 0, 4, "dns_answer", "SRV answer"},
                   {t0 + 350'000'000, 0, 5, "tcp_connect", "SYN"},
                   {t0 + 10 * kSec, 0, 8, "tcp", "TCP_SYN_UNANSWERED"}};
    j.tcp(unanswered(5061), json_event("TCP_SYN_UNANSWERED", "frame 5: SYN"), story);
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_EQ(out.events[0].first, FailureCode::kTcpWrongPort5061);
    rapidjson::Document d;
    ASSERT_FALSE(d.Parse(out.events[0].second.c_str()).HasParseError());
    EXPECT_STREQ(d["event"]["code"].GetString(), "TCP_WRONG_PORT_5061");
    EXPECT_STREQ(d["callsentry"]["evidence"][0].GetString(), "frame 3: SRV");
    EXPECT_STREQ(d["callsentry"]["evidence"][1].GetString(), "frame 5: SYN");
    EXPECT_GT(d["callsentry"]["candidate_causes"].Size(), 0u);
    // The lookup's queries join the steps in time order: NAPTR, SRV query, answer, connect, failure.
    std::vector<uint32_t> frames;
    for (const auto& st : d["callsentry"]["attempt"]["steps"].GetArray()) frames.push_back(st["frame"].GetUint());
    EXPECT_EQ(frames, (std::vector<uint32_t>{1, 3, 4, 5, 8}));
    EXPECT_STREQ(d["callsentry"]["attempt"]["steps"][0]["detail"].GetString(),
                 "NAPTR dmzlab.call.ciscospark.com asked by 64.102.241.236: nodata");
    EXPECT_EQ(j.joined(), 1u);
    j.flush();
    EXPECT_EQ(out.events.size(), 1u);  // nothing left behind
}

TEST(AttemptJoin, ALookupNobodyFollowsLeavesAloneAfterTheWindow) {
    Out out;
    AttemptJoin j(70 * kSec, kCtx, out.fn());
    j.dns(wrong_domain(), json_event("DNS_SRV_WRONG_DOMAIN", "a"));
    j.advance(t0 + 77'000'000 + 70 * kSec);  // the window's last instant
    EXPECT_TRUE(out.events.empty());
    j.advance(t0 + 77'000'000 + 70 * kSec + 1);
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_EQ(out.events[0].first, FailureCode::kDnsSrvWrongDomain);
}

TEST(AttemptJoin, OtherPortsHostsAndAddressesPassThrough) {
    Out out;
    AttemptJoin j(70 * kSec, kCtx, out.fn());
    j.dns(wrong_domain(), json_event("DNS_SRV_WRONG_DOMAIN", "a"));
    j.tcp(unanswered(5062), json_event("TCP_SYN_UNANSWERED", "b"), {});                       // OUT-2's port
    j.tcp(unanswered(5061, "146.20.193.70"), json_event("TCP_SYN_UNANSWERED", "c"), {});      // not answered
    j.tcp(unanswered(5061, "146.20.193.64", "64.102.241.237"), json_event("TCP_SYN_UNANSWERED", "d"), {});  // another host
    ASSERT_EQ(out.events.size(), 3u);
    for (const auto& [code, json] : out.events) EXPECT_EQ(code, FailureCode::kTcpSynUnanswered);
    j.flush();
    ASSERT_EQ(out.events.size(), 4u);
    EXPECT_EQ(out.events[3].first, FailureCode::kDnsSrvWrongDomain);
    // Other DNS verdicts are never held.
    DnsEvent failed = wrong_domain();
    failed.verdict.code = FailureCode::kDnsLookupFailed;
    j.dns(failed, json_event("DNS_LOOKUP_FAILED", "e"));
    EXPECT_EQ(out.events.size(), 5u);
}
