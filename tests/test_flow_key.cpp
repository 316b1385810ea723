// flow_key: both directions of a flow give one key and one hash; different
// flows give different keys; the hash spreads flows evenly over workers.
#include "pipeline/flow_key.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "pipeline/decode.h"
#include "tools/gen/packet_builder.h"

namespace cs {
namespace {

IpAddr ip(const char* text) { return IpAddr::parse(text).value(); }

PacketView view(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t proto = 6) {
    PacketView v;
    v.src = ip(src);
    v.dst = ip(dst);
    v.sport = sport;
    v.dport = dport;
    v.l4_proto = proto;
    return v;
}

PacketView reversed(PacketView v) {
    std::swap(v.src, v.dst);
    std::swap(v.sport, v.dport);
    return v;
}

TEST(FlowKey, BothDirectionsGiveTheSameKeyV4) {
    PacketView out = view("146.20.193.73", 58531, "172.16.2.2", 5062);
    bool out_lo = false, back_lo = false;
    FlowKey a = flow_key_of(out, &out_lo);
    FlowKey b = flow_key_of(reversed(out), &back_lo);
    EXPECT_EQ(a, b);
    EXPECT_EQ(0, std::memcmp(&a, &b, sizeof a));
    EXPECT_EQ(flow_hash(a), flow_hash(b));
    EXPECT_NE(out_lo, back_lo);
    // 146.x < 172.x, so the cloud side is lo.
    EXPECT_TRUE(out_lo);
    EXPECT_EQ(a.lo_ip, ip("146.20.193.73"));
    EXPECT_EQ(a.lo_port, 58531);
    EXPECT_EQ(a.hi_ip, ip("172.16.2.2"));
    EXPECT_EQ(a.hi_port, 5062);
    EXPECT_EQ(a.proto, 6);
}

TEST(FlowKey, BothDirectionsGiveTheSameKeyV6) {
    PacketView out = view("2001:db8::ff", 5061, "2001:db8::1", 40000, 17);
    bool out_lo = true, back_lo = false;
    FlowKey a = flow_key_of(out, &out_lo);
    FlowKey b = flow_key_of(reversed(out), &back_lo);
    EXPECT_EQ(a, b);
    EXPECT_EQ(flow_hash(a), flow_hash(b));
    EXPECT_FALSE(out_lo);
    EXPECT_TRUE(back_lo);
    EXPECT_EQ(a.lo_ip, ip("2001:db8::1"));
    EXPECT_EQ(a.proto, 17);
}

TEST(FlowKey, SameAddressOrdersByPort) {
    PacketView v = view("127.0.0.1", 5061, "127.0.0.1", 40000);
    bool lo = false;
    FlowKey a = flow_key_of(v, &lo);
    EXPECT_TRUE(lo);
    EXPECT_EQ(a.lo_port, 5061);
    EXPECT_EQ(a.hi_port, 40000);
    bool lo2 = true;
    EXPECT_EQ(flow_key_of(reversed(v), &lo2), a);
    EXPECT_FALSE(lo2);
    // A packet to itself: one endpoint, and from_lo is well defined.
    PacketView self = view("10.0.0.1", 7, "10.0.0.1", 7);
    bool self_lo = false;
    flow_key_of(self, &self_lo);
    EXPECT_TRUE(self_lo);
    flow_key_of(self, nullptr);  // from_lo is optional
}

TEST(FlowKey, PadIsZeroed) {
    // Fill the stack where the key will live with garbage first.
    alignas(FlowKey) unsigned char junk[sizeof(FlowKey)];
    std::memset(junk, 0xab, sizeof junk);
    FlowKey* k = new (junk) FlowKey(flow_key_of(view("10.0.0.1", 1, "10.0.0.2", 2), nullptr));
    EXPECT_EQ(k->pad[0], 0);
    EXPECT_EQ(k->pad[1], 0);
    EXPECT_EQ(k->pad[2], 0);
}

TEST(FlowKey, DifferentFlowsGetDifferentKeysAndHashes) {
    PacketView base = view("146.20.193.73", 58531, "172.16.2.2", 5062);
    std::vector<PacketView> variants = {
        view("146.20.193.74", 58531, "172.16.2.2", 5062),
        view("146.20.193.73", 58532, "172.16.2.2", 5062),
        view("146.20.193.73", 58531, "172.16.2.3", 5062),
        view("146.20.193.73", 58531, "172.16.2.2", 5061),
        view("146.20.193.73", 58531, "172.16.2.2", 5062, 17),
        // Ports swapped between the endpoints: a different flow, not a reversal.
        view("146.20.193.73", 5062, "172.16.2.2", 58531),
        // The same 32 bits as an IPv6 address (not v4-mapped).
        view("::9214:c149", 58531, "::ac10:202", 5062),
    };
    FlowKey k = flow_key_of(base, nullptr);
    std::set<uint32_t> hashes = {flow_hash(k)};
    for (const PacketView& v : variants) {
        FlowKey o = flow_key_of(v, nullptr);
        EXPECT_FALSE(o == k);
        hashes.insert(flow_hash(o));
    }
    EXPECT_EQ(hashes.size(), variants.size() + 1);
}

TEST(FlowKey, KeyFromDecodedFramesOfBothDirections) {
    gen::IpSpec fwd;
    fwd.src = ip("2001:db8::1");
    fwd.dst = ip("2001:db8::2");
    gen::IpSpec rev;
    rev.src = fwd.dst;
    rev.dst = fwd.src;
    gen::TcpSpec syn;
    syn.sport = 40000;
    syn.dport = 5061;
    syn.flags = kSyn;
    gen::TcpSpec synack;
    synack.sport = 5061;
    synack.dport = 40000;
    synack.flags = kSyn | kAck;
    auto a = gen::build_tcp({}, fwd, syn);
    auto b = gen::build_tcp({}, rev, synack);
    PacketView va, vb;
    ASSERT_EQ(decode_packet(a.data(), uint32_t(a.size()), va), DecodeStatus::kOk);
    ASSERT_EQ(decode_packet(b.data(), uint32_t(b.size()), vb), DecodeStatus::kOk);
    EXPECT_EQ(flow_key_of(va, nullptr), flow_key_of(vb, nullptr));
    EXPECT_EQ(flow_hash(flow_key_of(va, nullptr)), flow_hash(flow_key_of(vb, nullptr)));
}

// Random flows into worker buckets: every bucket near the mean, for the low
// bits (hash % n) and the high bits alike.
void expect_even(const std::vector<uint32_t>& hashes, unsigned buckets, bool high_bits) {
    std::vector<unsigned> count(buckets);
    for (uint32_t h : hashes) count[high_bits ? (uint64_t(h) * buckets) >> 32 : h % buckets]++;
    double mean = double(hashes.size()) / buckets;
    for (unsigned i = 0; i < buckets; ++i) {
        EXPECT_LT(count[i], 2 * mean) << "bucket " << i;
        EXPECT_GT(count[i], mean / 2) << "bucket " << i;
    }
}

TEST(FlowHash, RandomFlowsSpreadEvenly) {
    std::mt19937_64 rng(20260101);
    std::vector<uint32_t> hashes;
    for (int i = 0; i < 100000; ++i) {
        PacketView v;
        v.src = i % 2 ? IpAddr::v4(uint32_t(rng())) : IpAddr{};
        v.dst = i % 2 ? IpAddr::v4(uint32_t(rng())) : IpAddr{};
        if (i % 2 == 0) {
            for (auto& byte : v.src.b) byte = uint8_t(rng());
            for (auto& byte : v.dst.b) byte = uint8_t(rng());
        }
        v.sport = uint16_t(rng());
        v.dport = uint16_t(rng());
        v.l4_proto = rng() % 2 ? 6 : 17;
        hashes.push_back(flow_hash(flow_key_of(v, nullptr)));
    }
    expect_even(hashes, 64, false);
    expect_even(hashes, 64, true);
    expect_even(hashes, 6, false);
}

TEST(FlowHash, RealisticNarrowFlowsSpreadEvenly) {
    // The hard case: one Expressway, one server port, a few cloud addresses and
    // sequential ephemeral ports, as the firewall outside interface sees them.
    std::vector<uint32_t> hashes;
    std::set<uint32_t> distinct;
    for (uint32_t host = 0; host < 16; ++host) {
        for (uint32_t port = 32768; port < 32768 + 6250; ++port) {
            PacketView v;
            v.src = IpAddr::v4(0x9214c100 + host);  // 146.20.193.x
            v.dst = IpAddr::v4(0xac100202);         // 172.16.2.2
            v.sport = uint16_t(port);
            v.dport = 5062;
            v.l4_proto = 6;
            uint32_t h = flow_hash(flow_key_of(v, nullptr));
            hashes.push_back(h);
            distinct.insert(h);
        }
    }
    ASSERT_EQ(hashes.size(), 100000u);
    EXPECT_GT(distinct.size(), 99990u);  // 32-bit hash: a handful of collisions at most
    expect_even(hashes, 64, false);
    expect_even(hashes, 64, true);
    expect_even(hashes, 3, false);
}

TEST(FlowHash, SingleBitChangesFlipAboutHalfTheOutputBits) {
    PacketView base = view("146.20.193.73", 58531, "172.16.2.2", 5062);
    FlowKey k = flow_key_of(base, nullptr);
    uint32_t h0 = flow_hash(k);
    double total = 0;
    int n = 0;
    unsigned char* bytes = reinterpret_cast<unsigned char*>(&k);
    for (size_t byte = 0; byte < offsetof(FlowKey, pad); ++byte) {
        for (int bit = 0; bit < 8; ++bit) {
            FlowKey m = k;
            reinterpret_cast<unsigned char*>(&m)[byte] = uint8_t(bytes[byte] ^ (1u << bit));
            total += __builtin_popcount(flow_hash(m) ^ h0);
            ++n;
        }
    }
    double mean = total / n;
    EXPECT_GT(mean, 14.0);
    EXPECT_LT(mean, 18.0);
}

}  // namespace
}  // namespace cs
