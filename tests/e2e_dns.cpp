// End to end, DNS: the real binary on the generator's DNS captures (the
// guide's OUT-1 and IN-1 lookups, seed 004's phones) through the DPDK pcap
// vdev. Failed lookups of watched names yield their codes with the answer's
// evidence; a phone's healthy registration yields no failure; a failure after
// a lookup carries the attempt's steps (lookup, connects, failed step).
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

// The attempt's steps as "step@frame" ("step" when no frame names it), in order.
std::vector<std::string> steps_of(const rapidjson::Document& d) {
    std::vector<std::string> out;
    for (const auto& st : d["callsentry"]["attempt"]["steps"].GetArray()) {
        std::string s = st["step"].GetString();
        if (st.HasMember("frame")) s += "@" + std::to_string(st["frame"].GetUint());
        out.push_back(s);
    }
    return out;
}

std::string evidence_of(const rapidjson::Document& d) {
    std::string all;
    for (const auto& e : d["callsentry"]["evidence"].GetArray()) all += std::string(e.GetString()) + "\n";
    return all;
}

}  // namespace

TEST(Dns, TheWrongDomainLookupAndTheConnectsTo5061AreOneAttempt) {
    Events ev = run_on("dns-out-wrong-domain-5061");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"TCP_WRONG_PORT_5061"});
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["dns"]["question"]["name"].GetString(), "_sips._tcp.dmzlab.call.ciscospark.com");
    const std::string evidence = evidence_of(d);
    // The whole story in order: NAPTR, the SRV question and its 5061 answer, the SYNs and the retry.
    const size_t naptr = evidence.find("NAPTR"), srv = evidence.find("SRV 5 10 5061"),
                 syn = evidence.find("SYN 64.102.241.236:25010 -> 146.20.193.64:5061"),
                 retry = evidence.find("SYN 64.102.241.236:25011");
    ASSERT_NE(naptr, std::string::npos) << evidence;
    ASSERT_NE(srv, std::string::npos) << evidence;
    ASSERT_NE(syn, std::string::npos) << evidence;
    ASSERT_NE(retry, std::string::npos) << evidence;
    EXPECT_LT(naptr, srv);
    EXPECT_LT(srv, syn);
    EXPECT_LT(syn, retry);
    EXPECT_EQ(d["callsentry"]["attempt"]["connections"].Size(), 2u);
    EXPECT_NE(std::string(d["callsentry"]["remediation"].GetString()).find("Modify DNS request On"), std::string::npos);
    // The same story as steps with their timing: NAPTR, SRV query and answer, both connects, the failure.
    EXPECT_EQ(steps_of(d), (std::vector<std::string>{"dns_query@1", "dns_query@3", "dns_answer@4", "tcp_connect@5",
                                                     "tcp_connect@9", "tcp@12"}));
    EXPECT_STREQ(d["callsentry"]["attempt"]["service"].GetString(), "_sips._tcp.dmzlab.call.ciscospark.com");
    // Two workers: the lookup and the connects are on different flows; the same single event.
    const std::string out = temp_dir() + "/dns-wrong-2.jsonl";
    std::remove(out.c_str());
    ASSERT_EQ(run_callsentry({"--no-zmq", "--workers", "2", "--pcap", generate("dns-out-wrong-domain-5061"), "--local-net",
                              "64.102.241.0/24", "--local-net", "172.16.2.0/24", "--local-net", "192.168.100.0/24"},
                             out)
                  .exit_code,
              0);
    EXPECT_EQ(read_events_file(out).failures, ev.failures);
}

TEST(Dns, UnansweredSipDestinationLookupFails) {
    Events ev = run_on("dns-in-srv-unresolvable");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"DNS_LOOKUP_FAILED"});
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["dns"]["question"]["name"].GetString(), "_sips._tcp.mtls.rtp.ciscotac.net");
    // The lookup is the attempt: the query, then the 2 s of silence that failed it.
    EXPECT_EQ(steps_of(d), (std::vector<std::string>{"dns_query@1", "dns"}));
    EXPECT_DOUBLE_EQ(d["callsentry"]["attempt"]["steps"][1]["offset_s"].GetDouble(), 2.0);
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
    EXPECT_EQ(steps_of(d), (std::vector<std::string>{"dns_answer@2", "tcp"}));
    // OUT-2: the same answer, then SYNs to it (that die): the connect was
    // attempted, and the failover event tells the lookup, both connects and
    // the failure, each with its time since the answer.
    Events out2 = run_on("tcp-out-syn-failover");
    ASSERT_EQ(codes(out2), std::vector<std::string>{"TCP_SYN_UNANSWERED"});
    auto f = parse(out2.failures[0]);
    EXPECT_STREQ(f["callsentry"]["attempt"]["service"].GetString(), "_sips._tcp.callservice.ciscospark.com");
    EXPECT_EQ(steps_of(f), (std::vector<std::string>{"dns_answer@2", "tcp_connect@3", "tcp_connect@7", "tcp@10"}));
    const auto& steps = f["callsentry"]["attempt"]["steps"];
    EXPECT_DOUBLE_EQ(steps[0]["offset_s"].GetDouble(), 0.0);
    EXPECT_NEAR(steps[1]["offset_s"].GetDouble(), 0.348, 0.001);   // the first SYN after the answer
    EXPECT_NEAR(steps[2]["offset_s"].GetDouble(), 10.681, 0.001);  // failover to the next target
    EXPECT_NE(std::string(steps[2]["detail"].GetString()).find("146.20.193.64:5062: unanswered after 4 SYNs"),
              std::string::npos);
}

TEST(Dns, AnAnswerWhileTheConnectionIsLiveIsNoFailure) {
    // The Exp-E's connection to l2sip-cfa-01 started ten minutes before the
    // answer (longer than the TCP idle time) and is still in use: live.
    EXPECT_EQ(codes(run_on("dns-answer-while-connected")), std::vector<std::string>{"TLS_OK"});
}

TEST(Dns, APhoneRefusingTheSbcChainIsARegistrationFailure) {
    Events ev = run_on("wxc-registration-tls-failed");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"WXC_REGISTRATION_FAILED"});
    auto d = parse(ev.failures[0]);
    EXPECT_EQ(d["destination"]["port"].GetInt(), 8934);
    EXPECT_STREQ(d["tls"]["alert"]["description"].GetString(), "unknown_ca");
    EXPECT_STREQ(d["tls"]["alert"]["from"].GetString(), "on-prem");  // the phone gave up
    EXPECT_NE(std::string(d["event"]["reason"].GetString()).find("registration"), std::string::npos);
    // The attempt: the SRV lookup of the registration name, the connect to one target, the refused handshake.
    EXPECT_STREQ(d["callsentry"]["attempt"]["service"].GetString(), "_sips._tcp.da02.hosted-us10.bcld.webex.com");
    EXPECT_EQ(steps_of(d), (std::vector<std::string>{"dns_answer@2", "tcp_connect@3", "tls@14"}));
}
