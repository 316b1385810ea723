// End to end, DNS: the real binary on the generator's DNS captures (the
// guide's OUT-1 and IN-1 lookups, seed 004's phones) through the DPDK pcap
// vdev. Failed lookups of watched names yield their codes with the answer's
// evidence; a phone's healthy registration yields no failure.
#include <gtest/gtest.h>

#include "tests/e2e_support.h"

using namespace e2e;

namespace {

std::vector<std::string> codes(const Events& ev) {
    std::vector<std::string> out;
    for (const auto& f : ev.failures) out.emplace_back(parse(f)["event"]["code"].GetString());
    return out;
}

Events run_on(const std::string& scenario) {
    const std::string out = temp_dir() + "/dns-" + scenario + ".jsonl";
    std::remove(out.c_str());
    // On-prem: the Expressway-E's networks, the enterprise's DNS server, the phones' LAN.
    RunResult r = run_callsentry({"--no-zmq", "--pcap", generate(scenario), "--local-net", "64.102.241.0/24",
                                  "--local-net", "172.16.2.0/24", "--local-net", "192.168.100.0/24"},
                                 out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_events_file(out);
}

std::string evidence_of(const rapidjson::Document& d) {
    std::string all;
    for (const auto& e : d["callsentry"]["evidence"].GetArray()) all += std::string(e.GetString()) + "\n";
    return all;
}

}  // namespace

TEST(Dns, SrvOnTheSubdomainIsTheWrongDomainAndNamesPort5061) {
    Events ev = run_on("dns-out-wrong-domain-5061");
    const auto c = codes(ev);
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(c[0], "DNS_SRV_WRONG_DOMAIN");
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["dns"]["question"]["name"].GetString(), "_sips._tcp.dmzlab.call.ciscospark.com");
    const std::string evidence = evidence_of(d);
    EXPECT_NE(evidence.find("5061"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("NAPTR"), std::string::npos) << evidence;
    // The SYNs to the answered target on 5061 fail too (the attempt joining both is still to come).
    EXPECT_NE(std::find(c.begin(), c.end(), "TCP_SYN_UNANSWERED"), c.end());
}

TEST(Dns, UnansweredSipDestinationLookupFails) {
    Events ev = run_on("dns-in-srv-unresolvable");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"DNS_LOOKUP_FAILED"});
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["dns"]["question"]["name"].GetString(), "_sips._tcp.mtls.rtp.ciscotac.net");
}

TEST(Dns, PhonesFailingTheirProvisioningLookups) {
    for (const char* s : {"wxc-provisioning-dns-failed", "wxc-profile-dns-failed"}) {
        Events ev = run_on(s);
        ASSERT_EQ(codes(ev), std::vector<std::string>{"WXC_PROVISIONING_DNS_FAILED"}) << s;
        // Four sends of one query 2 s apart are one failed lookup.
        auto d = parse(ev.failures[0]);
        EXPECT_STREQ(d["source"]["ip"].GetString(), "192.168.100.6") << s;
    }
}

TEST(Dns, AHealthyPhoneRegistrationIsNoFailure) {
    // SRV with six 8934 targets, then TLS to one of them: the handshake is healthy.
    EXPECT_EQ(codes(run_on("wxc-registration-healthy")), std::vector<std::string>{"TLS_OK"});
}

TEST(Dns, AnAnswerNobodyConnectsToIsConnectNotAttempted) {
    // Two answers for callservice and no SYN at all; the second answer is the
    // last packet, so its 15 s never pass inside the capture and it decides nothing.
    Events ev = run_on("dns-connect-not-attempted");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"CONNECT_NOT_ATTEMPTED"});
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["dns"]["question"]["name"].GetString(), "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(d["dns"]["resolved_ip"].Size(), 2u);
    // OUT-2: the same answer, then SYNs to it (that die): the connect was attempted.
    EXPECT_EQ(codes(run_on("tcp-out-syn-failover")), std::vector<std::string>{"TCP_SYN_UNANSWERED"});
}
