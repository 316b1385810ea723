// DnsTransactionTracker and the DNS events: lookups made of the facts a
// DnsTracker draws from real frames (BIND's and unbound's answers for the
// guide's names, dig-shaped queries), paired and decided on packet time.
// Each code from its guide scenario (OUT-1's NAPTR then SRV to 5061, IN-1's
// SIP Destination with NXDOMAIN or no answer, seed 004's provisioning
// names); healthy lookups give no event but tell their addresses; the 2 s
// boundary and the end of the capture exactly; retransmissions, forwarders,
// truncation, malformed answers, folds, caps; two workers' facts in any
// interleaving give the same events byte for byte.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "tests/dns_test_fixtures.h"
#include "workers/dns_event_log.h"
#include "workers/dns_transactions.h"

using namespace cs;
using namespace cs::dnstest;

namespace {

constexpr uint64_t kT0 = 1505841530565000000ull;  // 2017-09-19 17:18:50.565 UTC (guide OUT-1)
constexpr uint64_t kMs = 1000000ull, kSec = 1000000000ull;
const IpAddr kExpe = ip("64.102.241.236");
const IpAddr kResolver = ip("8.8.8.8");
const IpAddr kCloudResolver = ip("146.20.193.45");
const IpAddr kAuth = ip("64.102.241.53");  // the enterprise's authoritative server
const IpAddr kPhone = ip("192.168.100.4");
const IpAddr kPhoneResolver = ip("192.168.100.3");
const EventContext kCtx{{"outside", "inside"}, {"net_pcap0", "net_pcap1"}};

// A resolver's SERVFAIL as unbound sends it: the query echoed with QR RD RA,
// rcode 2, no records, its own OPT (tests/test_dns_parser.cpp kUnboundServfail).
Bytes servfail_for(Bytes query) {
    query[2] = 0x81;
    query[3] = 0x82;
    return query;
}

// unbound's activate.cisco.com answer without its A record: the CNAME alone.
Bytes cname_only() {
    Bytes m = kUnboundCnameActivate;
    m.erase(m.begin() + 64, m.begin() + 80);
    m[7] = 1;  // ancount
    return m;
}

struct Events : DnsSink {
    std::vector<DnsEvent> events;
    std::vector<DnsFold> folds;
    std::vector<DnsAnswerSeen> answers;
    std::vector<std::string> rendered;  // every event and fold in order, as JSON
    const RuleSet* rules = nullptr;
    void dns_event(const DnsEvent& e) override {
        events.push_back(e);
        const RenderedEvent r = render_dns_event(e, kCtx, rules);
        rendered.push_back(r.topic + " " + r.json);
    }
    void dns_fold(const DnsFold& f) override {
        folds.push_back(f);
        const RenderedEvent r = render_dns_fold(f, kCtx);
        rendered.push_back(r.topic + " " + r.json);
    }
    void dns_answer(const DnsAnswerSeen& a) override {
        answers.push_back(a);
        std::string line = "answer " + a.qname;
        for (const DnsAnswerTarget& t : a.targets)
            line += " " + t.host + ":" + std::to_string(t.port) + "=" + (t.has_ip ? t.ip.to_string() : "?");
        rendered.push_back(line);
    }
    std::vector<std::string> codes() const {
        std::vector<std::string> out;
        for (const DnsEvent& e : events) out.emplace_back(catalog_entry(e.verdict.code).name);
        return out;
    }
};

// Facts from the wire, into a tracker, to the end of the capture.
struct Lookups {
    explicit Lookups(DnsLookupSettings s = {}) : settings(s), tracker(settings, out) { out.rules = shipped_rules().rules.get(); }
    void run(const std::vector<DnsFact>& facts, uint64_t last_packet_ns) {
        for (const DnsFact& f : facts) tracker.push(f);
        tracker.end_capture(last_packet_ns);
    }
    DnsLookupSettings settings;
    Events out;
    DnsTransactionTracker tracker;
};

rapidjson::Document parse(const std::string& topic_and_json) {
    rapidjson::Document d;
    d.Parse(topic_and_json.substr(topic_and_json.find(' ') + 1).c_str());
    EXPECT_FALSE(d.HasParseError());
    return d;
}

// OUT-1 as the Expressway-E's resolver traffic shows it: NAPTR, then the SRV of the subdomain, answered with 5061.
void out1(DnsWire& w, uint64_t t0, uint16_t port = 41023) {
    w.udp(t0, kExpe, port, kResolver, 53, dig_query(0x6e08, "dmzlab.call.ciscospark.com", dns::kTypeNAPTR));
    w.udp(t0 + 20 * kMs, kResolver, 53, kExpe, port, kBindNaptrDmzlab);
    w.udp(t0 + 153 * kMs, kExpe, uint16_t(port + 1), kResolver, 53,
          dig_query(0xff1d, "_sips._tcp.dmzlab.call.ciscospark.com", dns::kTypeSRV));
    w.udp(t0 + 230 * kMs, kResolver, 53, kExpe, uint16_t(port + 1), kBindSrvDmzlab5061);
}

}  // namespace

TEST(DnsLookups, Out1SubdomainSrvIsTheWrongDomainWithItsNaptrAndAnswer) {
    DnsWire w(&shipped_rules());
    out1(w, kT0);
    Lookups l;
    l.run(w.facts(), kT0 + 10 * kSec);
    ASSERT_EQ(l.out.codes(), std::vector<std::string>{"DNS_SRV_WRONG_DOMAIN"});
    const DnsEvent& e = l.out.events[0];
    EXPECT_EQ(e.verdict.subdomain, "dmzlab");
    EXPECT_EQ(e.lookup.outcome, DnsOutcome::kAnswered);
    EXPECT_NE(e.verdict.detail.find("port 5061"), std::string::npos) << e.verdict.detail;
    EXPECT_NE(e.verdict.detail.find("instead of _sips._tcp.callservice.ciscospark.com"), std::string::npos);
    ASSERT_TRUE(e.naptr.seen);
    EXPECT_EQ(e.naptr.qname, "dmzlab.call.ciscospark.com");
    EXPECT_EQ(e.naptr.frame, 1u);
    EXPECT_TRUE(e.naptr.settled);
    EXPECT_EQ(e.naptr.outcome, DnsOutcome::kAnswered);
    ASSERT_GE(e.verdict.evidence.size(), 3u);
    EXPECT_EQ(e.verdict.evidence[0].rfind("frame 1: 64.102.241.236 asked NAPTR dmzlab.call.ciscospark.com first", 0), 0u)
        << e.verdict.evidence[0];
    EXPECT_EQ(e.verdict.evidence[1].rfind("frame 3: 64.102.241.236 asked 8.8.8.8 SRV _sips._tcp.dmzlab.call.ciscospark.com", 0), 0u)
        << e.verdict.evidence[1];
    EXPECT_NE(e.verdict.evidence.back().find("SRV 5 10 5061 l2sip-cfa-01.wbx2.com"), std::string::npos) << e.verdict.evidence.back();
    EXPECT_NE(e.verdict.evidence.back().find("(+0.077 s)"), std::string::npos) << e.verdict.evidence.back();
    // Both answers are told (the NAPTR's and the SRV's), the SRV target with its port and no address yet.
    ASSERT_EQ(l.out.answers.size(), 2u);
    const DnsAnswerSeen& a = l.out.answers[1];
    EXPECT_EQ(a.qname, "_sips._tcp.dmzlab.call.ciscospark.com");
    EXPECT_EQ(a.client_ip, kExpe);
    ASSERT_EQ(a.targets.size(), 1u);
    EXPECT_EQ(a.targets[0].host, "l2sip-cfa-01.wbx2.com");
    EXPECT_EQ(a.targets[0].port, 5061);
    EXPECT_FALSE(a.targets[0].has_ip);

    // The event as the SIEM gets it.
    const rapidjson::Document d = parse(l.out.rendered[1]);
    EXPECT_EQ(l.out.rendered[1].rfind("callsentry.failure.DNS_SRV_WRONG_DOMAIN ", 0), 0u);
    EXPECT_STREQ(d["schema"].GetString(), "callsentry/1");
    EXPECT_STREQ(d["event"]["code"].GetString(), "DNS_SRV_WRONG_DOMAIN");
    EXPECT_STREQ(d["event"]["action"].GetString(), "dns_lookup");
    EXPECT_STREQ(d["event"]["outcome"].GetString(), "success");  // the lookup answered: the name asked is the fault
    EXPECT_STREQ(d["observer"]["vantage"].GetString(), "outside");
    EXPECT_STREQ(d["source"]["ip"].GetString(), "64.102.241.236");
    EXPECT_EQ(d["source"]["port"].GetInt(), 41024);
    EXPECT_STREQ(d["destination"]["ip"].GetString(), "8.8.8.8");
    EXPECT_EQ(d["destination"]["port"].GetInt(), 53);
    EXPECT_STREQ(d["network"]["protocol"].GetString(), "dns");
    EXPECT_STREQ(d["network"]["transport"].GetString(), "udp");
    EXPECT_STREQ(d["network"]["direction"].GetString(), "outbound");
    EXPECT_STREQ(d["dns"]["question"]["name"].GetString(), "_sips._tcp.dmzlab.call.ciscospark.com");
    EXPECT_STREQ(d["dns"]["question"]["type"].GetString(), "SRV");
    EXPECT_STREQ(d["dns"]["response_code"].GetString(), "NOERROR");
    EXPECT_STREQ(d["dns"]["id"].GetString(), "65309");
    ASSERT_EQ(d["dns"]["answers"].Size(), 1u);
    EXPECT_STREQ(d["dns"]["answers"][0]["data"].GetString(), "5 10 5061 l2sip-cfa-01.wbx2.com");
    EXPECT_STREQ(d["dns"]["answers"][0]["name"].GetString(), "_sips._tcp.dmzlab.call.ciscospark.com");
    EXPECT_EQ(d["dns"]["answers"][0]["ttl"].GetInt(), 300);
    const auto& cs = d["callsentry"];
    EXPECT_STREQ(cs["failure"].GetString(), "DNS_SRV_WRONG_DOMAIN");
    EXPECT_EQ(std::string(cs["guide"].GetString()).rfind("Outbound, Issue 1", 0), 0u);
    EXPECT_EQ(cs["evidence"].Size(), e.verdict.evidence.size());
    EXPECT_STREQ(cs["lookup"]["subdomain"].GetString(), "dmzlab");
    EXPECT_STREQ(cs["lookup"]["naptr"]["outcome"].GetString(), "answered");
    ASSERT_EQ(cs["rules"].Size(), 1u);
    EXPECT_EQ(cs["rules"][0]["id"].GetUint(), 3010u);
    EXPECT_STREQ(cs["rules"][0]["name"].GetString(), "webex_subdomain_srv");
}

TEST(DnsLookups, SubdomainSrvWithoutAnAnswerIsStillTheWrongDomain) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kExpe, 41024, kResolver, 53, dig_query(0xff1d, "_sips._tcp.dmzlab.call.ciscospark.com", dns::kTypeSRV));
    // The right label in the subdomain form is not the wrong domain: its failure is a failed lookup.
    w.udp(kT0 + kMs, kExpe, 41025, kResolver, 53, dig_query(0x4000, "_sips._tcp.callservice.call.ciscospark.com", dns::kTypeSRV));
    // Nor is a cloud resolver asking the enterprise's server about a subdomain.
    w.udp(kT0 + 2 * kMs, kCloudResolver, 40000, kAuth, 53, dig_query(0x4001, "_sips._tcp.dmzlab.call.ciscospark.com", dns::kTypeSRV));
    Lookups l;
    l.run(w.facts(), kT0 + 3 * kSec);
    ASSERT_EQ(l.out.codes(), (std::vector<std::string>{"DNS_SRV_WRONG_DOMAIN", "DNS_LOOKUP_FAILED", "DNS_LOOKUP_FAILED"}));
    EXPECT_EQ(l.out.events[0].lookup.outcome, DnsOutcome::kTimeout);
    EXPECT_FALSE(l.out.events[0].naptr.seen);
    EXPECT_NE(l.out.events[0].verdict.detail.find("no answer within 2.000 s"), std::string::npos);
    EXPECT_EQ(l.out.events[1].lookup.fact().qname.view(), "_sips._tcp.callservice.call.ciscospark.com");
    EXPECT_EQ(l.out.events[2].lookup.fact().direction, Direction::kInbound);
    EXPECT_TRUE(l.out.answers.empty());
}

TEST(DnsLookups, HealthyWatchedLookupsAreNoEventButTellTheirAddresses) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kExpe, 5001, kResolver, 53, dig_query(0x3469, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    w.udp(kT0 + 77 * kMs, kResolver, 53, kExpe, 5001, kBindSrvCallserviceWithA);
    w.udp(kT0 + 200 * kMs, kPhone, 33000, kPhoneResolver, 53, dig_query(0x5534, "activate.cisco.com", dns::kTypeA));
    w.udp(kT0 + 234 * kMs, kPhoneResolver, 53, kPhone, 33000, kUnboundCnameActivate);
    Lookups l;
    l.run(w.facts(), kT0 + 10 * kSec);
    EXPECT_TRUE(l.out.events.empty()) << l.out.rendered.front();
    EXPECT_EQ(l.tracker.counters().outcomes[size_t(DnsOutcome::kAnswered)], 2u);
    ASSERT_EQ(l.out.answers.size(), 2u);
    const DnsAnswerSeen& srv = l.out.answers[0];
    EXPECT_EQ(srv.qname, "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(srv.tags, uint32_t(kDnsTagWebexServiceSrv));
    ASSERT_EQ(srv.targets.size(), 2u);
    EXPECT_EQ(srv.targets[0].host, "l2sip-cfa-02.wbx2.com");
    EXPECT_EQ(srv.targets[0].port, 5062);
    EXPECT_EQ(srv.targets[0].ip, ip("146.20.193.70"));
    EXPECT_EQ(srv.targets[1].host, "l2sip-cfa-01.wbx2.com");
    EXPECT_EQ(srv.targets[1].ip, ip("146.20.193.64"));
    const DnsAnswerSeen& act = l.out.answers.back();
    EXPECT_EQ(act.qname, "activate.cisco.com");
    ASSERT_EQ(act.targets.size(), 1u);
    EXPECT_EQ(act.targets[0].host, "activate.xglb.cisco.com");  // the address belongs to the CNAME's target
    EXPECT_EQ(act.targets[0].port, 0);
    EXPECT_EQ(act.targets[0].ip, ip("72.163.10.5"));
}

TEST(DnsLookups, In1NxdomainJustBeforeTwoSecondsAndTimeoutAtExactlyTwo) {
    for (const uint64_t answer_at : {2 * kSec - 1, 2 * kSec}) {
        DnsWire w(&shipped_rules());
        w.udp(kT0, kCloudResolver, 40000, kAuth, 53, dig_query(0x6ae0, "_sips._tcp.mtls.rtp.ciscotac.net", dns::kTypeSRV));
        w.udp(kT0 + answer_at, kAuth, 53, kCloudResolver, 40000, kBindNxdomainMtls);
        Lookups l;
        l.run(w.facts(), kT0 + answer_at);
        ASSERT_EQ(l.out.codes(), std::vector<std::string>{"DNS_LOOKUP_FAILED"}) << answer_at;
        const DnsEvent& e = l.out.events[0];
        const rapidjson::Document d = parse(l.out.rendered[0]);
        EXPECT_STREQ(d["network"]["direction"].GetString(), "inbound");
        EXPECT_EQ(std::string(d["callsentry"]["guide"].GetString()).rfind("Inbound, Issue 1", 0), 0u);
        if (answer_at < 2 * kSec) {
            EXPECT_EQ(e.lookup.outcome, DnsOutcome::kNxDomain);
            EXPECT_EQ(e.lookup.decided_ns, kT0 + answer_at);
            EXPECT_EQ(e.verdict.detail, "SRV lookup of _sips._tcp.mtls.rtp.ciscotac.net by 146.20.193.45 failed: NXDOMAIN from 64.102.241.53");
            EXPECT_STREQ(d["dns"]["response_code"].GetString(), "NXDOMAIN");
            EXPECT_STREQ(d["callsentry"]["lookup"]["outcome"].GetString(), "nxdomain");
            EXPECT_EQ(l.tracker.counters().late_responses, 0u);
        } else {
            // The timer fires before a fact of the same packet time: the answer came too late.
            EXPECT_EQ(e.lookup.outcome, DnsOutcome::kTimeout);
            EXPECT_EQ(e.lookup.decided_ns, kT0 + 2 * kSec);
            EXPECT_FALSE(e.lookup.response.has_value());
            EXPECT_EQ(e.verdict.detail, "SRV lookup of _sips._tcp.mtls.rtp.ciscotac.net by 146.20.193.45 failed: no answer from 64.102.241.53 within 2.000 s");
            EXPECT_FALSE(d["dns"].HasMember("response_code"));
            EXPECT_EQ(l.tracker.counters().late_responses, 1u);
        }
    }
}

TEST(DnsLookups, TheEndOfTheCaptureBeforeTwoSecondsIsNoVerdict) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kCloudResolver, 40000, kAuth, 53, dig_query(0x6ae0, "_sips._tcp.mtls.rtp.ciscotac.net", dns::kTypeSRV));
    {
        Lookups l;
        l.run(w.facts(), kT0 + 2 * kSec - 1);
        EXPECT_TRUE(l.out.events.empty());
        EXPECT_EQ(l.tracker.counters().cut_by_end, 1u);
        EXPECT_EQ(l.tracker.open_lookups(), 0u);
    }
    {
        Lookups l;
        l.run(w.facts(), kT0 + 2 * kSec);  // the capture reached the deadline
        ASSERT_EQ(l.out.codes(), std::vector<std::string>{"DNS_LOOKUP_FAILED"});
        EXPECT_EQ(l.out.events[0].lookup.outcome, DnsOutcome::kTimeout);
        EXPECT_EQ(l.tracker.counters().cut_by_end, 0u);
    }
    {
        // The same through advance(): a watermark short of the deadline decides nothing yet.
        Lookups l;
        for (const DnsFact& f : w.facts()) l.tracker.push(f);
        l.tracker.advance(kT0 + 2 * kSec);
        EXPECT_TRUE(l.out.events.empty());
        l.tracker.advance(kT0 + 2 * kSec + 1);
        EXPECT_EQ(l.out.codes(), std::vector<std::string>{"DNS_LOOKUP_FAILED"});
    }
}

TEST(DnsLookups, RetransmissionsAreOneLookupAndNewIdsAreFolded) {
    DnsWire w(&shipped_rules());
    // nslookup against a server that never answers: each try a new id, dig-style retries reuse it.
    const std::string name = "_sips._tcp.mtls.rtp.ciscotac.net";
    w.udp(kT0, kCloudResolver, 40000, kAuth, 53, dig_query(0x0101, name, dns::kTypeSRV));
    w.udp(kT0 + kSec, kCloudResolver, 40000, kAuth, 53, dig_query(0x0101, name, dns::kTypeSRV));
    w.udp(kT0 + 3 * kSec, kCloudResolver, 40001, kAuth, 53, dig_query(0x0202, name, dns::kTypeSRV));
    w.udp(kT0 + 6 * kSec, kCloudResolver, 40002, kAuth, 53, dig_query(0x0303, name, dns::kTypeSRV));
    Lookups l;
    l.run(w.facts(), kT0 + 20 * kSec);
    ASSERT_EQ(l.out.codes(), std::vector<std::string>{"DNS_LOOKUP_FAILED"});
    const DnsEvent& e = l.out.events[0];
    EXPECT_EQ(e.lookup.queries, 2u);
    EXPECT_EQ(e.lookup.retransmit_frames[0], 2u);
    EXPECT_EQ(e.lookup.decided_ns, kT0 + 2 * kSec);  // two seconds from the first copy
    EXPECT_NE(e.verdict.detail.find("(2 queries)"), std::string::npos);
    EXPECT_EQ(l.tracker.counters().retransmissions, 1u);
    EXPECT_EQ(l.tracker.counters().lookups, 3u);
    ASSERT_EQ(l.out.folds.size(), 1u);
    const DnsFold& f = l.out.folds[0];
    EXPECT_EQ(f.count, 2u);
    EXPECT_EQ(f.by_outcome[size_t(DnsOutcome::kTimeout)], 2u);
    EXPECT_EQ(f.first_ns, kT0 + 3 * kSec);
    EXPECT_EQ(f.last_ns, kT0 + 6 * kSec);
    EXPECT_EQ(f.window_end_ns, kT0 + 20 * kSec);  // cut by the end of the capture
    const rapidjson::Document d = parse(l.out.rendered.back());
    EXPECT_STREQ(d["event"]["action"].GetString(), "folded");
    EXPECT_EQ(d["callsentry"]["fold"]["count"].GetUint(), 2u);
    EXPECT_EQ(d["callsentry"]["fold"]["outcomes"]["timeout"].GetUint(), 2u);
    // A lookup outside the window is published again.
    DnsWire later(&shipped_rules());
    later.udp(kT0, kCloudResolver, 40000, kAuth, 53, dig_query(0x0101, name, dns::kTypeSRV));
    later.udp(kT0 + 400 * kSec, kCloudResolver, 40005, kAuth, 53, dig_query(0x0505, name, dns::kTypeSRV));
    Lookups l2;
    l2.run(later.facts(), kT0 + 500 * kSec);
    EXPECT_EQ(l2.out.codes(), (std::vector<std::string>{"DNS_LOOKUP_FAILED", "DNS_LOOKUP_FAILED"}));
    EXPECT_TRUE(l2.out.folds.empty());
}

TEST(DnsLookups, ProvisioningNamesFailAsWebexCalling) {
    DnsWire w(&shipped_rules());
    // P-DNS-ACT: activate.cisco.com forwarded and never answered (the phone gives up after 8 s).
    w.udp(kT0, kPhone, 33000, kPhoneResolver, 53, dig_query(0x1001, "activate.cisco.com", dns::kTypeA));
    // P-DNS-SIPFLASH, answered SERVFAIL.
    const Bytes q = dig_query(0x1002, "cisco.sipflash.com", dns::kTypeA);
    w.udp(kT0 + 10 * kSec, kPhone, 33001, kPhoneResolver, 53, q);
    w.udp(kT0 + 10 * kSec + 40 * kMs, kPhoneResolver, 53, kPhone, 33001, servfail_for(q));
    // A registration host is a Webex name but not provisioning.
    const Bytes r = dig_query(0x1003, "hosted01aj-us10.bcld.webex.com", dns::kTypeA);
    w.udp(kT0 + 11 * kSec, kPhone, 33002, kPhoneResolver, 53, r);
    w.udp(kT0 + 11 * kSec + 5 * kMs, kPhoneResolver, 53, kPhone, 33002, servfail_for(r));
    Lookups l;
    l.run(w.facts(), kT0 + 20 * kSec);
    ASSERT_EQ(l.out.codes(), (std::vector<std::string>{"WXC_PROVISIONING_DNS_FAILED", "WXC_PROVISIONING_DNS_FAILED",
                                                       "DNS_LOOKUP_FAILED"}));
    EXPECT_EQ(l.out.events[0].lookup.outcome, DnsOutcome::kTimeout);
    EXPECT_EQ(l.out.events[0].verdict.detail,
              "Webex Calling provisioning: A lookup of activate.cisco.com by 192.168.100.4 failed: no answer from "
              "192.168.100.3 within 2.000 s");
    EXPECT_EQ(l.out.events[1].lookup.outcome, DnsOutcome::kServFail);
    const rapidjson::Document d = parse(l.out.rendered[1]);
    EXPECT_STREQ(d["dns"]["response_code"].GetString(), "SERVFAIL");
    EXPECT_EQ(std::string(d["callsentry"]["guide"].GetString()).find("Webex Calling"), 0u);
    EXPECT_EQ(l.out.rendered[1].rfind("callsentry.failure.WXC_PROVISIONING_DNS_FAILED ", 0), 0u);
}

TEST(DnsLookups, EmptyAnswerRefusedAndCnameOnly) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kCloudResolver, 40000, kAuth, 53, dig_query(0x6ae0, "_sips._tcp.mtls.rtp.ciscotac.net", dns::kTypeSRV));
    w.udp(kT0 + 10 * kMs, kAuth, 53, kCloudResolver, 40000, with_rcode(kBindNxdomainMtls, dns::kNoError));
    w.udp(kT0 + kSec, kCloudResolver, 40001, kAuth, 53, dig_query(0xf4b2, "_sips._tcp.mtls.example.com", dns::kTypeSRV));
    w.udp(kT0 + kSec + kMs, kAuth, 53, kCloudResolver, 40001, kBindRefused);
    // A CNAME and nothing else: the querier follows it with a lookup of its own.
    w.udp(kT0 + 2 * kSec, kPhone, 33000, kPhoneResolver, 53, dig_query(0x5534, "activate.cisco.com", dns::kTypeA));
    w.udp(kT0 + 2 * kSec + kMs, kPhoneResolver, 53, kPhone, 33000, cname_only());
    // NAPTR of a subdomain failing is context, never an event of its own.
    const Bytes naptr = dig_query(0x7777, "dmzlab.call.ciscospark.com", dns::kTypeNAPTR);
    w.udp(kT0 + 3 * kSec, kExpe, 41000, kResolver, 53, naptr);
    w.udp(kT0 + 3 * kSec + kMs, kResolver, 53, kExpe, 41000, servfail_for(naptr));
    Lookups l;
    l.run(w.facts(), kT0 + 10 * kSec);
    ASSERT_EQ(l.out.codes(), (std::vector<std::string>{"DNS_LOOKUP_FAILED", "DNS_LOOKUP_FAILED"}));
    EXPECT_EQ(l.out.events[0].lookup.outcome, DnsOutcome::kNoData);
    EXPECT_NE(l.out.events[0].verdict.detail.find("an empty answer (NOERROR, no SRV record)"), std::string::npos);
    EXPECT_NE(l.out.events[0].verdict.evidence.back().find("no records, SOA in authority"), std::string::npos);
    EXPECT_EQ(l.out.events[1].lookup.outcome, DnsOutcome::kRefused);
    EXPECT_EQ(l.tracker.counters().outcomes[size_t(DnsOutcome::kCnameOnly)], 1u);
    EXPECT_EQ(l.tracker.counters().outcomes[size_t(DnsOutcome::kServFail)], 1u);
}

TEST(DnsLookups, ForwardedLookupsAreSeparateAndTruncationLeavesItToTcp) {
    DnsWire w(&shipped_rules());
    const IpAddr upstream = ip("198.41.0.4");
    // The stub asks the resolver; the resolver asks upstream with its own id and port; both answer.
    w.udp(kT0, kExpe, 5001, kResolver, 53, dig_query(0x1111, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    w.udp(kT0 + 2 * kMs, kResolver, 6001, upstream, 53, dig_query(0x2222, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    w.udp(kT0 + 30 * kMs, upstream, 53, kResolver, 6001, with_id(kBindSrvCallserviceWithA, 0x2222));
    w.udp(kT0 + 31 * kMs, kResolver, 53, kExpe, 5001, with_id(kBindSrvCallserviceWithA, 0x1111));
    // Over UDP the answer is truncated; the stub asks again over TCP and gets it.
    w.udp(kT0 + kSec, kExpe, 5002, kResolver, 53, dig_query(0xc727, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    w.udp(kT0 + kSec + kMs, kResolver, 53, kExpe, 5002, with_tc(with_id(kBindSrvCallserviceWithA, 0xc727)));
    w.tcp(kT0 + kSec + 2 * kMs, kExpe, 44000, kResolver, 53, 1000, 0, kSyn, {});
    w.tcp(kT0 + kSec + 3 * kMs, kResolver, 53, kExpe, 44000, 9000, 1001, kSyn | kAck, {});
    w.tcp(kT0 + kSec + 4 * kMs, kExpe, 44000, kResolver, 53, 1001, 9001, kAck | kPsh, kTcpQuerySrv);
    w.tcp(kT0 + kSec + 5 * kMs, kResolver, 53, kExpe, 44000, 9001, 1001 + uint32_t(kTcpQuerySrv.size()), kAck | kPsh, kTcpAnswerSrv);
    Lookups l;
    l.run(w.facts(), kT0 + 10 * kSec);
    EXPECT_TRUE(l.out.events.empty());
    const DnsLookupCounters& n = l.tracker.counters();
    EXPECT_EQ(n.lookups, 4u);
    EXPECT_EQ(n.responses_without_query, 0u);
    EXPECT_EQ(n.outcomes[size_t(DnsOutcome::kTruncated)], 1u);
    EXPECT_EQ(n.outcomes[size_t(DnsOutcome::kAnswered)], 3u);
    ASSERT_EQ(l.out.answers.size(), 3u);
    EXPECT_EQ(l.out.answers[0].client_ip, kResolver);  // upstream answered the resolver first
    EXPECT_EQ(l.out.answers[1].client_ip, kExpe);
    EXPECT_EQ(l.out.answers[2].targets.size(), 2u);  // the TCP answer, its targets without glue addresses
    EXPECT_FALSE(l.out.answers[2].targets[0].has_ip);
}

TEST(DnsLookups, AMalformedAnswerIsIgnoredAndTheLookupTimesOut) {
    DnsWire w(&shipped_rules());
    w.udp(kT0, kCloudResolver, 40000, kAuth, 53, dig_query(0x6ae0, "_sips._tcp.mtls.rtp.ciscotac.net", dns::kTypeSRV));
    Bytes bad = kBindNxdomainMtls;
    bad[0x32] = 0xcf;  // the SOA owner's pointer, aimed past the end
    bad[0x33] = 0xff;
    w.udp(kT0 + 10 * kMs, kAuth, 53, kCloudResolver, 40000, bad);
    Lookups l;
    l.run(w.facts(), kT0 + 5 * kSec);
    ASSERT_EQ(l.out.codes(), std::vector<std::string>{"DNS_LOOKUP_FAILED"});
    const DnsEvent& e = l.out.events[0];
    EXPECT_EQ(e.lookup.outcome, DnsOutcome::kTimeout);
    EXPECT_EQ(e.lookup.unread_responses, 1u);
    EXPECT_EQ(e.lookup.unread_frame, 2u);
    bool cited = false;
    for (const auto& line : e.verdict.evidence) cited |= line == "frame 2: a response the querier cannot use (bad_compression_pointer), 1 in all";
    EXPECT_TRUE(cited) << ::testing::PrintToString(e.verdict.evidence);
    EXPECT_EQ(l.tracker.counters().unread_responses, 1u);
}

TEST(DnsLookups, LateCopiesOfASettledLookupStartNothing) {
    DnsWire w(&shipped_rules());
    const Bytes q = dig_query(0x6ae0, "_sips._tcp.mtls.rtp.ciscotac.net", dns::kTypeSRV);
    w.udp(kT0, kCloudResolver, 40000, kAuth, 53, q);
    w.udp(kT0 + 10 * kMs, kAuth, 53, kCloudResolver, 40000, kBindNxdomainMtls);
    w.udp(kT0 + 20 * kMs, kCloudResolver, 40000, kAuth, 53, q);                   // a retransmission crossing the answer
    w.udp(kT0 + 30 * kMs, kAuth, 53, kCloudResolver, 40000, kBindNxdomainMtls);  // and its answer
    Lookups l;
    l.run(w.facts(), kT0 + 10 * kSec);
    EXPECT_EQ(l.out.codes(), std::vector<std::string>{"DNS_LOOKUP_FAILED"});
    EXPECT_EQ(l.tracker.counters().late_queries, 1u);
    EXPECT_EQ(l.tracker.counters().late_responses, 1u);
    EXPECT_EQ(l.tracker.counters().lookups, 1u);
}

TEST(DnsLookups, TwoWorkersInAnyInterleavingGiveTheSameEvents) {
    // Each "worker" sees its own flows: worker A the Expressway-E's, worker B the phones' and the cloud's.
    DnsWire a(&shipped_rules()), b(&shipped_rules());
    out1(a, kT0);
    a.udp(kT0 + 500 * kMs, kExpe, 5001, kResolver, 53, dig_query(0x3469, "_sips._tcp.callservice.ciscospark.com", dns::kTypeSRV));
    a.udp(kT0 + 577 * kMs, kResolver, 53, kExpe, 5001, kBindSrvCallserviceWithA);
    out1(a, kT0 + 30 * kSec, 42000);
    b.udp(kT0 + 153 * kMs, kPhone, 33000, kPhoneResolver, 53, dig_query(0x1001, "activate.cisco.com", dns::kTypeA));
    b.udp(kT0 + 230 * kMs, kCloudResolver, 40000, kAuth, 53, dig_query(0x6ae0, "_sips._tcp.mtls.rtp.ciscotac.net", dns::kTypeSRV));
    b.udp(kT0 + 2300 * kMs, kAuth, 53, kCloudResolver, 40000, kBindNxdomainMtls);  // after the timeout: late
    b.udp(kT0 + 31 * kSec, kPhone, 33001, kPhoneResolver, 53, dig_query(0x1002, "activate.cisco.com", dns::kTypeA));
    const std::vector<DnsFact>& fa = a.facts();
    const std::vector<DnsFact>& fb = b.facts();
    const uint64_t end = kT0 + 60 * kSec;

    auto sequential = [&](bool a_first) {
        Lookups l;
        for (const DnsFact& f : a_first ? fa : fb) l.tracker.push(f);
        for (const DnsFact& f : a_first ? fb : fa) l.tracker.push(f);
        l.tracker.end_capture(end);
        return l.out.rendered;
    };
    // As the publisher sees them: each worker's facts in its own order, the
    // watermark the older of the two workers' clocks, advanced between arrivals.
    auto interleaved = [&](size_t step_a, size_t step_b) {
        Lookups l;
        size_t ia = 0, ib = 0;
        uint64_t wa = 0, wb = 0;
        while (ia < fa.size() || ib < fb.size()) {
            for (size_t k = 0; k < step_a && ia < fa.size(); ++k) {
                wa = fa[ia].ts_ns;
                l.tracker.push(fa[ia++]);
            }
            for (size_t k = 0; k < step_b && ib < fb.size(); ++k) {
                wb = fb[ib].ts_ns;
                l.tracker.push(fb[ib++]);
            }
            // A worker with nothing left has seen packets up to the capture's clock.
            const uint64_t clock = std::max(wa, wb);
            l.tracker.advance(std::min(ia < fa.size() ? wa : clock, ib < fb.size() ? wb : clock));
        }
        l.tracker.end_capture(end);
        return l.out.rendered;
    };
    const std::vector<std::string> want = sequential(true);
    ASSERT_GE(want.size(), 5u);
    EXPECT_EQ(sequential(false), want);
    EXPECT_EQ(interleaved(1, 1), want);
    EXPECT_EQ(interleaved(3, 1), want);
    EXPECT_EQ(interleaved(1, 4), want);
    size_t events = 0;
    for (const auto& line : want) events += line.rfind("callsentry.failure.", 0) == 0;
    // The wrong-domain SRV, the activation timeout, the SIP destination timeout;
    // then the folds of the second wrong-domain SRV and the second activation.
    EXPECT_EQ(events, 5u);
}

TEST(DnsLookups, CapsAreCountedAndHeld) {
    DnsWire w(&shipped_rules());
    for (uint16_t i = 0; i < 6; ++i)
        w.udp(kT0 + i * kMs, kCloudResolver, uint16_t(40000 + i), kAuth, 53,
              dig_query(uint16_t(0x100 + i), "_sips._tcp.mtls.rtp.ciscotac.net", dns::kTypeSRV));
    {
        DnsLookupSettings s;
        s.max_lookups = 4;
        Lookups l(s);
        for (const DnsFact& f : w.facts()) l.tracker.push(f);
        l.tracker.advance(kT0 + kSec);
        EXPECT_EQ(l.tracker.open_lookups(), 4u);
        EXPECT_EQ(l.tracker.counters().lookups_dropped, 2u);
        l.tracker.end_capture(kT0 + 10 * kSec);
        EXPECT_EQ(l.out.events.size(), 1u);
        ASSERT_EQ(l.out.folds.size(), 1u);
        EXPECT_EQ(l.out.folds[0].count, 3u);
    }
    {
        DnsLookupSettings s;
        s.max_pending_facts = 3;
        Lookups l(s);
        for (const DnsFact& f : w.facts()) l.tracker.push(f);
        EXPECT_EQ(l.tracker.pending_facts(), 3u);
        EXPECT_EQ(l.tracker.counters().facts_dropped, 3u);
    }
    {
        DnsLookupSettings s;
        s.max_folds = 0;  // nothing folded: every verdict is published on its own
        Lookups l(s);
        l.run(w.facts(), kT0 + 10 * kSec);
        EXPECT_EQ(l.out.events.size(), 6u);
        EXPECT_EQ(l.tracker.counters().folds_dropped, 6u);
    }
    {
        // A pushed twice (a fact duplicated on the way) is taken once.
        Lookups l;
        l.tracker.push(w.facts()[0]);
        l.tracker.push(w.facts()[0]);
        l.tracker.end_capture(kT0 + 10 * kSec);
        EXPECT_EQ(l.tracker.counters().facts_duplicate, 1u);
        EXPECT_EQ(l.out.events.size(), 1u);
    }
}
