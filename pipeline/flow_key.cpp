#include "pipeline/flow_key.h"

#include <cstring>

namespace cs {

static_assert(sizeof(FlowKey) == 40, "FlowKey is hashed as five 64-bit words; no hidden padding");

namespace {

// Byte-wise (memcmp) order of two addresses, as two big-endian 64-bit compares:
// the same order IpAddr's operator< gives, without a library call per packet.
inline uint64_t be64(const uint8_t* p) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    return __builtin_bswap64(x);
}

inline bool endpoint_le(const IpAddr& a, uint16_t ap, const IpAddr& b, uint16_t bp) {
    uint64_t a0 = be64(a.b), b0 = be64(b.b);
    if (a0 != b0) return a0 < b0;
    uint64_t a1 = be64(a.b + 8), b1 = be64(b.b + 8);
    if (a1 != b1) return a1 < b1;
    return ap <= bp;
}

}  // namespace

FlowKey flow_key_of(const PacketView& v, bool* from_lo) {
    FlowKey k;  // pad[] is value-initialised to zero
    bool src_lo = endpoint_le(v.src, v.sport, v.dst, v.dport);
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

FlowKey address_pair_key_of(const PacketView& v) {
    FlowKey k;
    const bool src_lo = endpoint_le(v.src, 0, v.dst, 0);
    k.lo_ip = src_lo ? v.src : v.dst;
    k.hi_ip = src_lo ? v.dst : v.src;
    k.proto = 17;
    return k;
}

namespace {

// wyhash's multiply-fold: the 128-bit product of two words, its halves XORed.
__extension__ typedef unsigned __int128 u128;
inline uint64_t mum(uint64_t a, uint64_t b) {
    u128 r = u128(a) * b;
    return uint64_t(r) ^ uint64_t(r >> 64);
}

}  // namespace

// The key is already canonical, so hashing its bytes is symmetric by
// construction; no need for an order-insensitive (and weaker) XOR of endpoints.
// Three independent multiply-folds (wyhash-style, secrets from wyhash) then one
// to combine: short dependency chains, full avalanche.
uint32_t flow_hash(const FlowKey& k) {
    constexpr uint64_t s0 = 0xa0761d6478bd642fULL, s1 = 0xe7037ed1a0b428dbULL, s2 = 0x8ebc6af09c88c6e3ULL,
                       s3 = 0x589965cc75374cc3ULL, s4 = 0x1d8e4e27c47d124fULL;
    uint64_t w[5];
    std::memcpy(w, &k, sizeof w);
    uint64_t a = mum(w[0] ^ s1, w[1] ^ s0);
    uint64_t b = mum(w[2] ^ s2, w[3] ^ s3);
    uint64_t c = mum(w[4] ^ s4, sizeof w ^ s1);
    uint64_t h = mum(a ^ s0, b ^ c ^ s2);
    return uint32_t(h ^ (h >> 32));
}

}  // namespace cs
