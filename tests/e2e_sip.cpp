// End to end, SIP: the real binary on the generator's SIP captures (the
// guide's verbatim messages over TCP 5060/5065 and UDP 5060, one INVITE in IP
// fragments, seed 004's phone registering in clear) through the DPDK pcap
// vdev. Each failure yields exactly its code, with the call's (or the
// registration's) story; two vantages show the stripped call-type; worker
// count does not change the events. (SIGHUP reloads: e2e_live.cpp.)
#include <gtest/gtest.h>
#include <map>

#include "tests/e2e_support.h"
#include "tests/sip_expected_verdicts.h"

using namespace e2e;

namespace {

std::vector<std::string> codes(const Events& ev) {
    std::vector<std::string> out;
    for (const auto& f : ev.failures) out.emplace_back(parse(f)["event"]["code"].GetString());
    return out;
}

Events run_on(const std::vector<std::string>& extra, const std::string& name, unsigned workers = 1) {
    const std::string out = temp_dir() + "/sip-" + name + ".jsonl";
    std::remove(out.c_str());
    std::vector<std::string> args = {"--no-zmq", "--workers", std::to_string(workers)};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = run_callsentry(args, out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_events_file(out);
}

std::string evidence_text(const rapidjson::Document& d) {
    std::string all;
    for (const auto& e : d["callsentry"]["evidence"].GetArray()) all += std::string(e.GetString()) + "\n";
    return all;
}

}  // namespace

TEST(Sip, EachScenarioYieldsExactlyItsCodes) {
    for (const auto& [scenario, want] : kSipScenarioVerdicts) {
        if (scenario == "sip-calltype-stripped") continue;  // two vantages: its own test
        Events ev = run_on({"--pcap", generate(scenario)}, scenario);
        EXPECT_EQ(codes(ev), want) << scenario;
    }
}

TEST(Sip, CalltypeStrippedAcrossTwoVantagesNamesTheZone) {
    auto [outside, inside] = generate_two("sip-calltype-stripped");
    for (bool reversed : {false, true}) {
        std::vector<std::string> in = {"--pcap", "outside=" + outside, "--pcap", "inside=" + inside};
        if (reversed) in = {"--pcap", "inside=" + inside, "--pcap", "outside=" + outside};
        Events ev = run_on(in, reversed ? "stripped-b" : "stripped-a");
        ASSERT_EQ(codes(ev), std::vector<std::string>{"SIP_CALLTYPE_STRIPPED"});
        auto d = parse(ev.failures[0]);
        EXPECT_STREQ(d["callsentry"]["call"]["stripping_hop"].GetString(), "HybridCallServiceTraversal");
        const auto& legs = d["sip"]["legs"];
        ASSERT_EQ(legs.Size(), 2u);
        // The copy with the parameter came from Webex; the stripped copy is the next hop's.
        EXPECT_TRUE(legs[0]["call_type_squared"].GetBool());
        EXPECT_FALSE(legs[1]["call_type_squared"].GetBool());
        EXPECT_STREQ(legs[0]["vantage"].GetString(), "outside");
        EXPECT_STREQ(legs[1]["vantage"].GetString(), "inside");
    }
    // One vantage alone sees a healthy call: nothing was stripped in its view.
    Events alone = run_on({"--pcap", "outside=" + outside}, "stripped-alone");
    EXPECT_EQ(codes(alone), std::vector<std::string>{"CALL_OK"});
}

TEST(Sip, MessageTooLargeJoinsTheResetAndTheLate603) {
    Events ev = run_on({"--pcap", generate("sip-message-too-large")}, "too-large");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"SIP_MESSAGE_TOO_LARGE"});
    auto d = parse(ev.failures[0]);
    EXPECT_EQ(d["sip"]["status_code"].GetInt(), 603);
    const std::string evidence = evidence_text(d);
    EXPECT_NE(evidence.find("8804 bytes"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("RST from 192.168.1.21"), std::string::npos) << evidence;
    EXPECT_NE(evidence.find("603 Decline"), std::string::npos) << evidence;
    // A receiver that accepts larger messages: the same traffic is no longer that failure.
    Events lenient = run_on({"--pcap", generate("sip-message-too-large"), "--sip-max-message-bytes", "18000"}, "lenient");
    ASSERT_EQ(lenient.failures.size(), 1u);
    EXPECT_NE(codes(lenient)[0], "SIP_MESSAGE_TOO_LARGE");
}

TEST(Sip, CodecRejectedReportsOfferedCodecsAndTheCause) {
    Events ev = run_on({"--pcap", generate("sip-codec-rejected")}, "codec");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"SIP_CODEC_REJECTED"});
    auto d = parse(ev.failures[0]);
    const auto& offered = d["sip"]["codecs_offered"];
    ASSERT_GE(offered.Size(), 1u);
    EXPECT_STREQ(offered[0].GetString(), "G729/8000");
    EXPECT_NE(std::string(d["sip"]["reason"].GetString()).find("cause=47"), std::string::npos);
    EXPECT_STREQ(d["network"]["direction"].GetString(), "outbound");
}

TEST(Sip, HealthyCallsCarrySetupTimeAndTheirStory) {
    Events ev = run_on({"--pcap", generate("sip-healthy-tcp")}, "healthy");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"CALL_OK"});
    auto d = parse(ev.failures[0]);
    EXPECT_GT(d["sip"]["setup_ms"].GetDouble(), 0.0);
    const std::string ladder = d["sip"]["ladder"].GetString();
    EXPECT_NE(ladder.find("INVITE"), std::string::npos) << ladder;
    EXPECT_NE(ladder.find("BYE"), std::string::npos) << ladder;
    // --no-ok-events: healthy calls make no event at all.
    Events quiet = run_on({"--pcap", generate("sip-healthy-tcp"), "--no-ok-events"}, "healthy-quiet");
    EXPECT_TRUE(quiet.failures.empty());
}

TEST(Sip, FragmentedInvitesAreReassembledAndCounted) {
    Events ev = run_on({"--pcap", generate("sip-udp-fragmented-invite")}, "frag");
    EXPECT_EQ(codes(ev), (std::vector<std::string>{"CALL_OK", "CALL_OK"}));
    ASSERT_FALSE(ev.stats.empty());
    auto s = parse(ev.stats.back());
    EXPECT_GE(s["callsentry"]["stats"]["fragments"]["completed"].GetUint64(), 2u) << ev.stats.back();
}

TEST(Sip, RegistrationRejectedAfterCredentialsNamesTheLadderAndTheDecidingFrame) {
    const std::string pcap = generate("wxc-register-rejected");
    Events ev = run_on({"--pcap", pcap}, "register-rejected");
    ASSERT_EQ(codes(ev), std::vector<std::string>{"WXC_REGISTRATION_FAILED"});
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["event"]["action"].GetString(), "sip_register");
    EXPECT_STREQ(d["source"]["ip"].GetString(), "192.168.100.6");
    EXPECT_STREQ(d["destination"]["ip"].GetString(), "139.177.64.13");
    EXPECT_EQ(d["sip"]["status_code"].GetInt(), 403);
    EXPECT_STREQ(d["sip"]["call_id"].GetString(), "98126dba-9df06bd9@192.168.100.6");
    EXPECT_STREQ(d["sip"]["challenge"]["realm"].GetString(), "BroadWorks");
    EXPECT_STREQ(d["sip"]["auth_user"].GetString(), "+1XXXXXXXXXX");
    // Frames 4, 6, 8 and 10 of the capture (after the handshake, between the ACKs).
    const std::string ladder = d["sip"]["ladder"].GetString();
    EXPECT_NE(ladder.find("#4 L0 REGISTER ->"), std::string::npos) << ladder;
    EXPECT_NE(ladder.find("#6 L0 <- 401 Unauthorized"), std::string::npos) << ladder;
    EXPECT_NE(ladder.find("#8 L0 REGISTER with Authorization ->"), std::string::npos) << ladder;
    EXPECT_NE(ladder.find("#10 L0 <- 403 Forbidden"), std::string::npos) << ladder;
    const std::string evidence = evidence_text(d);
    EXPECT_NE(evidence.find("frame 10 (outside): 403 Forbidden from 139.177.64.13:5060"), std::string::npos) << evidence;
    // The attempt's steps: the connection, the first REGISTER, the refusal.
    std::vector<std::string> steps;
    for (const auto& st : d["callsentry"]["attempt"]["steps"].GetArray())
        steps.push_back(std::string(st["step"].GetString()) + "@" + std::to_string(st["frame"].GetUint()));
    EXPECT_EQ(steps, (std::vector<std::string>{"tcp_connect@1", "sip_register@4", "sip@10"}));
    // Two workers: the same event.
    Events two = run_on({"--pcap", pcap}, "register-rejected-2", 2);
    EXPECT_EQ(two.failures, ev.failures);
    // The healthy registration: nothing to report.
    EXPECT_TRUE(run_on({"--pcap", generate("wxc-register-healthy-clear")}, "register-ok").failures.empty());
}

TEST(Sip, MixedCallsAreTheSameWithOneAndTwoWorkers) {
    const std::string pcap = temp_dir() + "/sip-mixed.pcap";
    RunResult g = run({env_or_die("CALLSENTRY_GEN"), "--scenario", "sip-mixed", "--out", pcap, "--packets", "20000"});
    ASSERT_EQ(g.exit_code, 0) << g.err;
    Events one = run_on({"--pcap", pcap}, "mixed-1");
    Events two = run_on({"--pcap", pcap}, "mixed-2", 2);
    EXPECT_GE(one.failures.size(), 50u);
    EXPECT_EQ(one.failures, two.failures);
    std::map<std::string, int> by_code;
    for (const auto& c : codes(one)) ++by_code[c];
    EXPECT_GE(by_code.size(), 8u);  // every kind of call of the mix is recognised
}
