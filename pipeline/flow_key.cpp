#include "pipeline/flow_key.h"

#include <cstring>

namespace cs {

static_assert(sizeof(FlowKey) == 40, "FlowKey is hashed as five 64-bit words; no hidden padding");

FlowKey flow_key_of(const PacketView& v, bool* from_lo) {
    FlowKey k;  // pad[] is value-initialised to zero
    int c = std::memcmp(v.src.b, v.dst.b, 16);
    bool src_lo = c < 0 || (c == 0 && v.sport <= v.dport);
    if (src_lo) {
        k.lo_ip = v.src; k.lo_port = v.sport;
        k.hi_ip = v.dst; k.hi_port = v.dport;
    } else {
        k.lo_ip = v.dst; k.lo_port = v.dport;
        k.hi_ip = v.src; k.hi_port = v.sport;
    }
    k.proto = v.l4_proto;
    if (from_lo) *from_lo = src_lo;
    return k;
}

namespace {

inline uint64_t rotl(uint64_t x, int r) { return x << r | x >> (64 - r); }

// MurmurHash3's 64-bit finaliser: every input bit affects every output bit.
inline uint64_t fmix64(uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

}  // namespace

// The key is already canonical, so hashing its bytes is symmetric by
// construction; no need for an order-insensitive (and weaker) XOR of endpoints.
uint32_t flow_hash(const FlowKey& k) {
    uint64_t w[5];
    std::memcpy(w, &k, sizeof w);
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (uint64_t x : w) {
        x *= 0x87c37b91114253d5ULL;
        x = rotl(x, 31);
        x *= 0x4cf5ad432745937fULL;
        h ^= x;
        h = rotl(h, 27) * 5 + 0x52dce729;
    }
    h = fmix64(h ^ sizeof w);
    return uint32_t(h ^ (h >> 32));
}

}  // namespace cs
