// Benchmark of the SIP path: messages per second through parse (SIP + SDP),
// the Hyperscan scan of the shipped SIP signatures, and the call state. The
// traffic is the generator's sip-mixed capture (every SIP scenario of the
// guide, TCP and UDP, IPv4 and IPv6, fragmented INVITEs, distinct Call-IDs).
// - BM_SipParse: parse_sip_message + SDP summary on each message of the mix.
// - BM_SipScan: one scan of the SIP signatures per message.
// - BM_SipWorkerPath: decoded frames through a worker's FlowEngine (content
//   detection, reassembly, framing, parse, scan, SipFact).
// - BM_SipCallState: those SipFacts through the publisher's SipCallTracker
//   (ordering, transactions, diagnosis) without rendering.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "pipeline/admission.h"
#include "pipeline/decode.h"
#include "tools/gen/scenarios.h"
#include "workers/flow_engine.h"
#include "workers/sip_calls.h"
#include "workers/sip_setup.h"
#include "workers/sip_summary.h"

namespace {

using namespace cs;

Config bench_config() {
    Config c;
    c.local_nets.push_back(*IpPrefix::parse("64.102.241.236/32"));
    c.limits.flows_per_worker = 65536;
    std::string why;
    c.monitor_ports = *PortSet::parse(PortSet::kDefaultSpec, &why);
    c.cache_dir.clear();
    c.sip.rules = CS_SIGNATURES_DIR "/sip.rules.yaml";
    c.inputs = {InputSpec{}};
    return c;
}

struct Mix {
    Config cfg = bench_config();
    SipShared sip;
    std::vector<gen::Frame> frames;
    std::vector<std::vector<uint8_t>> messages;  // every SIP message of the mix, as sent
    std::vector<SipFact> facts;                  // what the worker path makes of the mix

    Mix() {
        std::string why;
        if (!load_sip_shared(cfg, &sip, &why)) throw std::runtime_error(why);
        gen::ScenarioOptions opt;
        opt.packets = 20000;
        frames = gen::find_scenario("sip-mixed")->generate(opt);
        struct Keep : FactSink {
            std::vector<SipFact>& out;
            explicit Keep(std::vector<SipFact>& o) : out(o) {}
            bool push(const ConnFact&) override { return true; }
            bool push_incident(TlsIncident* i) override {
                delete i;
                return true;
            }
            bool push_sip(const SipFact& f) override {
                out.push_back(f);
                return true;
            }
            bool push_dns(const DnsFact&) override { return true; }
        } keep(facts);
        run_worker_path(keep);
        // The messages as bytes: re-framed from the facts' sizes is not possible,
        // so collect them from UDP datagrams and TCP payloads that frame whole.
        for (const auto& fr : frames) {
            PacketView v;
            v.wire_len = uint32_t(fr.bytes.size());
            if (decode_packet(fr.bytes.data(), v.wire_len, v) != DecodeStatus::kOk || v.fragment || !v.payload_len) continue;
            const std::span<const uint8_t> p(v.payload, v.payload_len);
            const SipFrame f = sip_frame(p, 65536, 1u << 20);
            if (f.status == SipFrame::kComplete && f.length == p.size()) messages.emplace_back(p.begin(), p.end());
        }
    }

    size_t run_worker_path(FactSink& sink) const {
        FlowEngine e(cfg, sink, nullptr, &sip);
        return feed(e);
    }
    size_t feed(FlowEngine& e) const {
        uint32_t n = 0;
        for (const auto& fr : frames) {
            PacketView v;
            v.ts_ns = fr.ts_ns;
            v.frame = ++n;
            v.wire_len = uint32_t(fr.bytes.size());
            const DecodeStatus st = decode_packet(fr.bytes.data(), v.wire_len, v);
            if (admission_of(cfg, st, v) == Admission::kAdmit) e.process(v);
        }
        e.flush();
        return e.sip_counters().messages;
    }
};

const Mix& mix() {
    static const Mix m;
    return m;
}

void BM_SipParse(benchmark::State& state) {
    const Mix& m = mix();
    size_t ok = 0;
    for (auto _ : state) {
        for (const auto& msg : m.messages) {
            SipMessage sm;
            if (parse_sip_message(msg, sm) != SipParseStatus::kOk) continue;
            SipFact f;
            summarise_sip_message(sm, IpAddr{}, f);
            benchmark::DoNotOptimize(f.audio.codec_count);
            ++ok;
        }
    }
    state.SetItemsProcessed(int64_t(ok));
    state.counters["messages"] = double(m.messages.size());
}

void BM_SipScan(benchmark::State& state) {
    const Mix& m = mix();
    Scratch scratch = m.sip.rules->make_scratch();
    for (auto _ : state) {
        for (const auto& msg : m.messages) {
            MatchSet hits;
            m.sip.rules->scan(scratch, Field::kMessage, {reinterpret_cast<const char*>(msg.data()), msg.size()}, hits);
            benchmark::DoNotOptimize(hits);
        }
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(m.messages.size()));
}

struct Count : FactSink {
    size_t sip = 0;
    bool push(const ConnFact&) override { return true; }
    bool push_incident(TlsIncident* i) override {
        delete i;
        return true;
    }
    bool push_sip(const SipFact&) override {
        ++sip;
        return true;
    }
    bool push_dns(const DnsFact&) override { return true; }
};

void BM_SipWorkerPath(benchmark::State& state) {
    const Mix& m = mix();
    size_t messages = 0;
    for (auto _ : state) {
        // A fresh engine per pass (its tables and pools are sized at start: not timed).
        state.PauseTiming();
        Count c;
        auto e = std::make_unique<FlowEngine>(m.cfg, c, nullptr, &m.sip);
        state.ResumeTiming();
        messages += m.feed(*e);
        state.PauseTiming();
        e.reset();
        state.ResumeTiming();
    }
    state.SetItemsProcessed(int64_t(messages));
    state.counters["frames"] = double(m.frames.size());
}

struct Discard : SipCallSink {
    size_t events = 0;
    void sip_call(const SipCallEvent&) override { ++events; }
};

void BM_SipCallState(benchmark::State& state) {
    const Mix& m = mix();
    size_t events = 0;
    for (auto _ : state) {
        Discard d;
        SipCallTracker t(SipCallSettings{}, d);
        for (const SipFact& f : m.facts) t.push(f);
        t.advance(UINT64_MAX);
        events += d.events;
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(m.facts.size()));
    state.counters["calls_per_iter"] = double(events) / double(state.iterations());
}

}  // namespace

BENCHMARK(BM_SipParse)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SipScan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SipWorkerPath)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SipCallState)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
