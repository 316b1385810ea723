// The SIP path without DPDK: the generator's SIP scenarios, decoded frame by
// frame (fragments included), through the worker's FlowEngine (content
// detection, stream framing, parse, signatures, SipFacts) into the
// publisher's SipCallTracker. Each scenario yields exactly its codes; the
// facts of two engines (two workers' shares of the flows) give the same calls
// in either arrival order.
#include <gtest/gtest.h>

#include <algorithm>

#include "pipeline/decode.h"
#include "pipeline/admission.h"
#include "tests/sip_expected_verdicts.h"
#include "tools/gen/scenarios.h"
#include "workers/flow_engine.h"
#include "workers/sip_calls.h"
#include "workers/sip_setup.h"

using namespace cs;

namespace {

struct Collect : FactSink {
    std::vector<SipFact> sip;
    bool push(const ConnFact&) override { return true; }
    bool push_incident(TlsIncident* i) override {
        delete i;
        return true;
    }
    bool push_sip(const SipFact& f) override {
        sip.push_back(f);
        return true;
    }
    bool push_dns(const DnsFact&) override { return true; }
};

struct Calls : SipCallSink {
    std::vector<std::string> codes;
    void sip_call(const SipCallEvent& e) override { codes.emplace_back(catalog_entry(e.verdict.code).name); }
    void sip_registration(const SipRegistrationEvent& e) override { codes.emplace_back(catalog_entry(e.code).name); }
};

Config sip_config() {
    Config c;
    c.local_nets.push_back(*IpPrefix::parse("64.102.241.236/32"));
    c.limits.flows_per_worker = 4096;
    std::string why;
    c.monitor_ports = *PortSet::parse(PortSet::kDefaultSpec, &why);
    c.inputs = {InputSpec{InputSpec::kPcap, "outside", ""}, InputSpec{InputSpec::kPcap, "inside", ""}};
    return c;
}

// The frames of a scenario (both vantages when it has two), in time order.
std::vector<std::pair<uint16_t, gen::Frame>> frames_of(const std::string& scenario, uint64_t packets = 0) {
    const gen::Scenario* s = gen::find_scenario(scenario);
    EXPECT_NE(s, nullptr) << scenario;
    if (!s) return {};
    gen::ScenarioOptions opt;
    if (packets) opt.packets = packets;
    std::vector<gen::Frame> inside;
    if (s->two_vantage) opt.inside = &inside;
    std::vector<std::pair<uint16_t, gen::Frame>> out;
    for (auto& f : s->generate(opt)) out.emplace_back(0, std::move(f));
    for (auto& f : inside) out.emplace_back(1, std::move(f));
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second.ts_ns < b.second.ts_ns; });
    return out;
}

// The engines' SIP facts for a scenario; `engines` splits flows the way rx
// dispatch splits them over workers.
std::vector<std::vector<SipFact>> facts_of(const std::string& scenario, const Config& cfg, const SipShared& sip,
                                           unsigned engines = 1, uint64_t packets = 0) {
    std::vector<Collect> sinks(engines);
    std::vector<std::unique_ptr<FlowEngine>> e;
    for (unsigned i = 0; i < engines; ++i) e.push_back(std::make_unique<FlowEngine>(cfg, sinks[i], nullptr, &sip));
    uint32_t frame[2] = {};
    for (const auto& [vantage, fr] : frames_of(scenario, packets)) {
        PacketView v;
        v.ts_ns = fr.ts_ns;
        v.vantage = vantage;
        v.frame = ++frame[vantage];
        v.wire_len = uint32_t(fr.bytes.size());
        const DecodeStatus st = decode_packet(fr.bytes.data(), uint32_t(fr.bytes.size()), v);
        if (admission_of(cfg, st, v) != Admission::kAdmit) continue;
        e[worker_of(dispatch_hash(v), engines)]->process(v);
    }
    std::vector<std::vector<SipFact>> out;
    for (unsigned i = 0; i < engines; ++i) {
        e[i]->flush();
        out.push_back(std::move(sinks[i].sip));
    }
    return out;
}

std::vector<std::string> calls_of(const std::vector<std::vector<SipFact>>& per_engine, bool reverse = false) {
    Calls sink;
    SipCallTracker t(SipCallSettings{}, sink);
    std::vector<size_t> order(per_engine.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = reverse ? order.size() - 1 - i : i;
    for (size_t i : order)
        for (const SipFact& f : per_engine[i]) t.push(f);
    t.advance(UINT64_MAX);
    return sink.codes;
}

class SipEngine : public ::testing::Test {
protected:
    void SetUp() override {
        cfg = sip_config();
        std::string why;
        ASSERT_TRUE(load_sip_shared(cfg, &sip, &why)) << why;
    }
    Config cfg;
    SipShared sip;
};

}  // namespace

TEST_F(SipEngine, EveryScenarioYieldsExactlyItsCodes) {
    for (const auto& [scenario, want] : kSipScenarioVerdicts) EXPECT_EQ(calls_of(facts_of(scenario, cfg, sip)), want) << scenario;
}

TEST_F(SipEngine, SignaturesTagTheMessagesTheDiagnosisReads) {
    const auto facts = facts_of("sip-in-preloaded-route-404", cfg, sip)[0];
    uint32_t tags = 0;
    bool preloaded = false;
    for (const SipFact& f : facts) {
        tags |= f.tags;
        preloaded |= f.route_preloaded;
    }
    EXPECT_TRUE(tags & kTagPolicyResponse);
    EXPECT_TRUE(tags & kTagFromWebex);
    EXPECT_FALSE(tags & kTagWebexCallUri);  // the Request-URI is the enterprise's, not the cloud's
    EXPECT_TRUE(preloaded);
    // Without signatures the tags are gone and the 404 is only a failed call.
    SipShared none;
    EXPECT_EQ(calls_of(facts_of("sip-in-preloaded-route-404", cfg, none)), std::vector<std::string>{"SIP_CALL_FAILED"});
}

TEST_F(SipEngine, TwoWorkersGiveTheSameCallsInEitherArrivalOrder) {
    const auto one = calls_of(facts_of("sip-mixed", cfg, sip, 1, 20000));
    const auto two = facts_of("sip-mixed", cfg, sip, 2, 20000);
    ASSERT_FALSE(two[0].empty());
    ASSERT_FALSE(two[1].empty());
    EXPECT_GE(one.size(), 50u);
    EXPECT_EQ(calls_of(two), one);
    EXPECT_EQ(calls_of(two, true), one);
}
