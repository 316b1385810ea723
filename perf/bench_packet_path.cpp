// Micro-benchmark of the per-packet front of the path: decode_packet, then
// flow_key_of and flow_hash (what the rx lcore does before handing a packet to
// a worker), over a pre-built mix of realistic frames laid out at mbuf stride;
// and the rx lcore's admission of perf-mix frames, whose kinds come in random
// order as on a real span port (the fixed mixes above repeat every ten frames,
// which a branch predictor learns).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "pipeline/admission.h"
#include "pipeline/decode_frame.h"
#include "pipeline/flow_key.h"
#include "tools/gen/packet_builder.h"
#include "tools/gen/scenarios.h"

namespace {

using namespace cs;

// Frames sit 2 KiB apart, as in DPDK mbufs (RTE_MBUF_DEFAULT_DATAROOM), so the
// large set walks memory the way an rx burst over a big mempool does.
constexpr size_t kStride = 2048;

struct FrameSet {
    std::vector<uint8_t> arena;
    std::vector<uint32_t> len;
    uint64_t bytes = 0;
    const uint8_t* frame(size_t i) const { return arena.data() + i * kStride; }
};

enum Mix : int { kMixed = 0, kSynOnly, kDataOnly, kDnsOnly, kVlanOnly, kIpv6Only };

std::vector<uint8_t> make_frame(int kind, std::mt19937& rng) {
    gen::IpSpec v4;
    v4.src = IpAddr::v4(0x9214c100 | (rng() & 0xff));  // cloud 146.20.193.x
    v4.dst = IpAddr::v4(0xac100202);                   // Expressway-E 172.16.2.2
    v4.ip_id = uint16_t(rng());
    gen::IpSpec v6;
    uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    a6[15] = uint8_t(rng());
    v6.src = IpAddr::v6_bytes(a6);
    a6[7] = 1;
    a6[15] = 2;
    v6.dst = IpAddr::v6_bytes(a6);
    uint16_t eph = uint16_t(32768 + rng() % 28000);

    gen::TcpSpec syn;
    syn.sport = eph;
    syn.dport = 5062;
    syn.seq = rng();
    syn.flags = kSyn;
    syn.window = 64240;
    syn.mss = 1460;
    syn.sack_perm = true;
    syn.tsval = rng();
    syn.wscale = 7;

    gen::TcpSpec data;
    data.sport = 5062;
    data.dport = eph;
    data.seq = rng();
    data.ack = rng();
    data.flags = kAck | kPsh;
    data.window = 501;
    data.tsval = rng();
    data.tsecr = rng();

    switch (kind) {
        case kSynOnly:
            return gen::build_tcp({}, v4, syn);
        case kDataOnly: {
            std::vector<uint8_t> payload(1388, 0x17);  // TLS application data, 1454-byte frame
            std::swap(v4.src, v4.dst);
            return gen::build_tcp({}, v4, data, payload);
        }
        case kDnsOnly: {
            std::vector<uint8_t> q = {0x4a, 0x21, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
            for (const char* label : {"\x0b" "callservice", "\x09" "ciscospark", "\x03" "com"}) {
                q.insert(q.end(), label, label + std::strlen(label));
            }
            q.insert(q.end(), {0, 0, 0x21, 0, 1});  // SRV IN
            return gen::build_udp({}, v4, {eph, 53}, q);
        }
        case kVlanOnly: {
            gen::L2Spec l2;
            l2.vlans = {uint16_t(100 + rng() % 4)};
            std::vector<uint8_t> sip(620, 'S');  // a cleartext SIP message on the inside trunk
            data.dport = 5060;
            return gen::build_tcp(l2, v4, data, sip);
        }
        case kIpv6Only:
        default: {
            std::vector<uint8_t> payload(900, 0x16);
            return gen::build_tcp({}, v6, data, payload);
        }
    }
}

// Mixed: 10% SYN, 50% ~1450-byte data, 20% DNS, 10% VLAN SIP, 10% IPv6.
int mixed_kind(size_t i) {
    static constexpr int pattern[10] = {kDataOnly, kDnsOnly, kDataOnly, kSynOnly, kDataOnly,
                                        kVlanOnly, kDataOnly, kDnsOnly, kIpv6Only, kDataOnly};
    return pattern[i % 10];
}

FrameSet build_set(int mix, size_t n) {
    std::mt19937 rng(12345 + mix);
    FrameSet s;
    s.arena.assign(n * kStride, 0);
    for (size_t i = 0; i < n; ++i) {
        std::vector<uint8_t> f = make_frame(mix == kMixed ? mixed_kind(i) : mix, rng);
        std::memcpy(s.arena.data() + i * kStride, f.data(), f.size());
        s.len.push_back(uint32_t(f.size()));
        s.bytes += f.size();
    }
    return s;
}

void report(benchmark::State& state, const FrameSet& s) {
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(s.len.size()));
    state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(s.bytes));
    state.counters["mean_frame_B"] = double(s.bytes) / double(s.len.size());
}

// Args: mix, number of frames (256 stays in L1/L2; 16384 is 32 MiB of mbufs).
void BM_Decode(benchmark::State& state) {
    FrameSet s = build_set(int(state.range(0)), size_t(state.range(1)));
    PacketView v;
    for (auto _ : state) {
        for (size_t i = 0; i < s.len.size(); ++i) {
            DecodeStatus st = decode_packet(s.frame(i), s.len[i], v);
            benchmark::DoNotOptimize(st);
            benchmark::DoNotOptimize(v);
        }
    }
    report(state, s);
}

void BM_DecodeKeyHash(benchmark::State& state) {
    FrameSet s = build_set(int(state.range(0)), size_t(state.range(1)));
    PacketView v;
    size_t ok = 0;
    for (auto _ : state) {
        uint32_t acc = 0;
        for (size_t i = 0; i < s.len.size(); ++i) {
            if (decode_packet(s.frame(i), s.len[i], v) != DecodeStatus::kOk) continue;
            bool from_lo;
            FlowKey k = flow_key_of(v, &from_lo);
            acc += flow_hash(k) + from_lo;
            ++ok;
        }
        benchmark::DoNotOptimize(acc);
    }
    if (ok != size_t(state.iterations()) * s.len.size()) state.SkipWithError("a benchmark frame did not decode");
    report(state, s);
}

void BM_FlowKeyHash(benchmark::State& state) {
    FrameSet s = build_set(kMixed, size_t(state.range(0)));
    std::vector<PacketView> views(s.len.size());
    for (size_t i = 0; i < s.len.size(); ++i) decode_packet(s.frame(i), s.len[i], views[i]);
    for (auto _ : state) {
        uint32_t acc = 0;
        for (const PacketView& v : views) acc += flow_hash(flow_key_of(v, nullptr));
        benchmark::DoNotOptimize(acc);
    }
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(views.size()));
}

// The rx lcore's per-frame decision (filter.h admit_packet without the mbuf):
// decode, then admission by the default monitored ports. Frames of
// callsentry-gen's perf-mix, headers only, 256 bytes apart (2 MiB, so they
// stay in cache as a burst just copied in does); 8 Ki of them, in random
// order of kinds. Arg: 1 decodes as rx does (DecodeFill::kAdmission), 0 fills
// the whole view (what admission cost before it had a mode of its own).
void BM_Admission(benchmark::State& state) {
    constexpr size_t kHeadStride = 256;
    static const auto frames = [] {
        gen::ScenarioOptions o;
        o.packets = 8192;
        return gen::find_scenario("perf-mix")->generate(o);
    }();
    std::vector<uint8_t> arena(frames.size() * kHeadStride);
    std::vector<uint32_t> len, wire_len;  // bytes here; the frame's (decode's bound for the rest)
    for (size_t i = 0; i < frames.size(); ++i) {
        const auto& b = frames[i].bytes;
        std::memcpy(arena.data() + i * kHeadStride, b.data(), std::min(b.size(), kHeadStride));
        len.push_back(uint32_t(std::min(b.size(), kHeadStride)));
        wire_len.push_back(uint32_t(b.size()));
    }
    Config cfg;
    std::string why;
    cfg.monitor_ports = *PortSet::parse(PortSet::kDefaultSpec, &why);
    size_t admitted = 0;
    for (auto _ : state) {
        for (size_t i = 0; i < len.size(); ++i) {
            __builtin_prefetch(arena.data() + (i + 8) * kHeadStride);
            PacketView probe;
            probe.wire_len = wire_len[i];
            const DecodeStatus st =
                state.range(0) ? decode_frame<DecodeFill::kAdmission>(arena.data() + i * kHeadStride, len[i], probe)
                               : decode_frame(arena.data() + i * kHeadStride, len[i], probe);
            admitted += admission_of(cfg, st, probe) == Admission::kAdmit;
        }
    }
    benchmark::DoNotOptimize(admitted);
    state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(len.size()));
    state.counters["admitted"] = double(admitted) / double(state.iterations() * len.size());
}

void mixes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"mix", "frames"});
    for (int mix : {kMixed, kSynOnly, kDataOnly, kDnsOnly, kVlanOnly, kIpv6Only}) b->Args({mix, 256});
    b->Args({kMixed, 16384});
}

BENCHMARK(BM_Decode)->Apply(mixes);
BENCHMARK(BM_DecodeKeyHash)->Apply(mixes);
BENCHMARK(BM_FlowKeyHash)->Arg(256)->Arg(16384);
BENCHMARK(BM_Admission)->ArgName("admission_fill")->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
