// Micro-benchmark of the per-packet front of the path: decode_packet, then
// flow_key_of and flow_hash (what the rx lcore does before handing a packet to
// a worker), over a pre-built mix of realistic frames laid out at mbuf stride.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <vector>

#include "pipeline/decode.h"
#include "pipeline/flow_key.h"
#include "tools/gen/packet_builder.h"

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

void mixes(benchmark::internal::Benchmark* b) {
    b->ArgNames({"mix", "frames"});
    for (int mix : {kMixed, kSynOnly, kDataOnly, kDnsOnly, kVlanOnly, kIpv6Only}) b->Args({mix, 256});
    b->Args({kMixed, 16384});
}

BENCHMARK(BM_Decode)->Apply(mixes);
BENCHMARK(BM_DecodeKeyHash)->Apply(mixes);
BENCHMARK(BM_FlowKeyHash)->Arg(256)->Arg(16384);

}  // namespace

BENCHMARK_MAIN();
