// The TLS path without DPDK: every TLS scenario of callsentry-gen (genuine
// OpenSSL handshakes) decoded and run through a FlowEngine with the real trust
// stores and Hyperscan identity rules; each must yield exactly its verdict,
// whatever the segmenting of its payload.
#include <gtest/gtest.h>

#include <map>

#include "tests/tls_expected_verdicts.h"

#include "pipeline/decode.h"
#include "tools/gen/scenarios.h"
#include "workers/flow_engine.h"
#include "workers/tls_setup.h"

using namespace cs;

namespace {

struct Collect : FactSink {
    std::vector<ConnFact> facts;
    std::vector<std::unique_ptr<TlsIncident>> incidents;
    bool push(const ConnFact& f) override {
        facts.push_back(f);
        return true;
    }
    bool push_incident(TlsIncident* i) override {
        incidents.emplace_back(i);
        return true;
    }
    bool push_sip(const SipFact&) override { return true; }  // SIP: test_sip_engine
    bool push_dns(const DnsFact&) override { return true; }  // DNS: test_dns_tracker
};

Config tls_config() {
    Config c;
    c.local_nets.push_back(*IpPrefix::parse("64.102.241.236/32"));
    c.local_nets.push_back(*IpPrefix::parse("172.16.2.0/24"));
    c.limits.flows_per_worker = 4096;
    return c;
}

std::vector<std::string> verdicts_of(const std::string& scenario, const Config& cfg, const TlsShared& tls) {
    const gen::Scenario* s = gen::find_scenario(scenario);
    EXPECT_NE(s, nullptr) << scenario;
    if (!s) return {};
    gen::ScenarioOptions opt;
    std::vector<gen::Frame> inside;
    if (s->two_vantage) opt.inside = &inside;
    std::vector<gen::Frame> frames = s->generate(opt);
    Collect sink;
    FlowEngine e(cfg, sink, &tls);
    uint32_t n = 0;
    for (const auto& fr : frames) {
        PacketView v;
        v.ts_ns = fr.ts_ns;
        v.frame = ++n;
        v.wire_len = uint32_t(fr.bytes.size());
        if (decode_packet(fr.bytes.data(), uint32_t(fr.bytes.size()), v) != DecodeStatus::kOk) continue;
        if (!cfg.monitor_ports.monitored(v.l4_proto, v.sport, v.dport)) continue;
        e.process(v);
    }
    e.flush();
    std::vector<std::string> out;
    for (const auto& i : sink.incidents) out.emplace_back(catalog_entry(i->verdict.code).name);
    for (const auto& f : sink.facts)
        if (f.kind == ConnFact::kFailure) out.emplace_back(catalog_entry(f.code).name);
    std::sort(out.begin(), out.end());
    return out;
}

class TlsEngine : public ::testing::Test {
protected:
    void SetUp() override {
        cfg = tls_config();
        std::string why;
        auto ps = PortSet::parse(PortSet::kDefaultSpec, &why);
        ASSERT_TRUE(ps) << why;
        cfg.monitor_ports = *ps;
        ASSERT_TRUE(load_tls_shared(cfg, &tls, &why)) << why;
    }
    Config cfg;
    TlsShared tls;
};

}  // namespace

TEST_F(TlsEngine, EveryScenarioYieldsExactlyItsVerdict) {
    const auto& expected = kTlsScenarioVerdicts;
    for (const auto& [scenario, want] : expected) EXPECT_EQ(verdicts_of(scenario, cfg, tls), want) << scenario;
}

TEST_F(TlsEngine, WithoutLocalNetworksTheCertificatesSayWhichSideIsTheCloud) {
    cfg.local_nets.clear();
    EXPECT_EQ(verdicts_of("tls-untrusted-cloud-ca", cfg, tls), std::vector<std::string>{"TLS_UNTRUSTED_CLOUD_CA"});
    EXPECT_EQ(verdicts_of("tls-incomplete-chain", cfg, tls), std::vector<std::string>{"TLS_INCOMPLETE_CHAIN"});
}

