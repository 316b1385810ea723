// End to end, TLS: the real binary on pcaps of genuine OpenSSL handshakes
// through the DPDK pcap vdev. Each mutual-TLS failure of the guide yields
// exactly its code, with the evidence that decided it; a healthy handshake
// yields TLS_OK only; two vantages prove a forged reset in either input order.
#include <gtest/gtest.h>

#include <map>

#include "tests/tls_expected_verdicts.h"

#include "tests/e2e_support.h"

using namespace e2e;

namespace {

std::vector<std::string> codes(const Events& ev) {
    std::vector<std::string> out;
    for (const auto& f : ev.failures) out.emplace_back(parse(f)["event"]["code"].GetString());
    return out;
}

Events run_on(const std::vector<std::string>& extra, const std::string& name, unsigned workers = 1) {
    const std::string out = temp_dir() + "/tls-" + name + ".jsonl";
    std::remove(out.c_str());
    std::vector<std::string> args = {"--local-net", "172.16.2.0/24", "--no-zmq", "--workers", std::to_string(workers)};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = run_callsentry(args, out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return read_events_file(out);
}

}  // namespace

TEST(Tls, EachFailureOfTheGuideYieldsExactlyItsCode) {
    const auto& expected = kTlsScenarioVerdicts;
    for (const auto& [scenario, want] : expected) {
        Events ev = run_on({"--pcap", generate(scenario)}, scenario);
        EXPECT_EQ(codes(ev), want) << scenario;
    }
}

TEST(Tls, UntrustedCloudCaCarriesWhoAlertedAfterWhichCertificate) {
    Events ev = run_on({"--pcap", generate("tls-untrusted-cloud-ca")}, "tls1-detail");
    ASSERT_EQ(ev.failures.size(), 1u);
    auto d = parse(ev.failures[0]);
    const auto& tls = d["tls"];
    EXPECT_STREQ(tls["version"].GetString(), "1.2");
    EXPECT_FALSE(tls["established"].GetBool());
    EXPECT_TRUE(tls["mutual"].GetBool());
    EXPECT_STREQ(tls["alert"]["from"].GetString(), "on-prem");
    EXPECT_STREQ(tls["alert"]["level"].GetString(), "fatal");
    EXPECT_STREQ(tls["alert"]["description"].GetString(), "unknown_ca");
    // The cloud's whole chain, leaf first, with the guide's 25 SANs.
    const auto& chain = tls["client"]["chain"]["certificates"];
    ASSERT_EQ(chain.Size(), 3u);
    EXPECT_STREQ(chain[0]["subject"]["common_name"].GetString(), "l2sip-cfa-01.ciscospark.com");
    EXPECT_EQ(chain[0]["alternative_names"].Size(), 25u);
    EXPECT_GT(d["callsentry"]["handshake"]["certificate_to_alert_ms"].GetDouble(), 0.0);
    std::string history = tls["history"].GetString();
    EXPECT_EQ(history.back(), 'l') << history;  // the server's alert ends it
    bool alert_line = false;
    for (const auto& e : d["callsentry"]["evidence"].GetArray())
        alert_line |= std::string(e.GetString()).find("Alert fatal unknown_ca from on-prem") != std::string::npos;
    EXPECT_TRUE(alert_line) << ev.failures[0];
    // The attempt: Webex's connect, then the handshake that failed at the alert.
    const auto& steps = d["callsentry"]["attempt"]["steps"];
    ASSERT_EQ(steps.Size(), 2u) << ev.failures[0];
    EXPECT_STREQ(steps[0]["step"].GetString(), "tcp_connect");
    EXPECT_EQ(steps[0]["frame"].GetUint(), 1u);
    EXPECT_STREQ(steps[1]["step"].GetString(), "tls");
    EXPECT_EQ(steps[1]["frame"].GetUint(), tls["alert"]["frame"].GetUint());
    EXPECT_EQ(std::string(steps[1]["detail"].GetString()).rfind(d["event"]["code"].GetString(), 0), 0u);
}

TEST(Tls, MixedTrafficIsTheSameWithOneAndTwoWorkers) {
    const std::string pcap = generate("tls-mixed");
    Events one = run_on({"--pcap", pcap}, "mixed-1");
    Events two = run_on({"--pcap", pcap}, "mixed-2", 2);
    EXPECT_GE(one.failures.size(), 10u);
    EXPECT_EQ(one.failures, two.failures);
}

TEST(Tls, TwoVantagesProveTheForgedResetInEitherOrder) {
    auto [outside, inside] = generate_two("tls-forged-rst-two-vantage");
    Events a = run_on({"--pcap", "outside=" + outside, "--pcap", "inside=" + inside, "--local-net", "64.102.241.236/32"},
                      "pair-a");
    Events b = run_on({"--pcap", "inside=" + inside, "--pcap", "outside=" + outside, "--local-net", "64.102.241.236/32"},
                      "pair-b");
    ASSERT_EQ(codes(a), std::vector<std::string>{"FIREWALL_FORGED_RST"});
    // The vantage indexes follow the command line; the verdict and its story do not.
    auto da = parse(a.failures[0]), db = parse(b.failures[0]);
    EXPECT_STREQ(db["event"]["code"].GetString(), "FIREWALL_FORGED_RST");
    EXPECT_STREQ(da["observer"]["vantage"].GetString(), "inside");
    EXPECT_STREQ(db["observer"]["vantage"].GetString(), "inside");
    EXPECT_EQ(std::string(da["callsentry"]["evidence"][da["callsentry"]["evidence"].Size() - 2].GetString()),
              std::string(db["callsentry"]["evidence"][db["callsentry"]["evidence"].Size() - 2].GetString()));
    // One vantage alone can only say the reset does not fit its sender.
    Events alone = run_on({"--pcap", "inside=" + inside}, "pair-alone");
    EXPECT_EQ(codes(alone), std::vector<std::string>{"TLS_MIDPATH_RESET"});
}
