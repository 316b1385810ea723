// libFuzzer target for IP fragment reassembly, through decode: the input sets
// the limits, then a sequence of operations on eight datagram keys (IPv4/IPv6,
// two sources, two ids; two vantages): planned datagrams sent piece by piece or
// all at once in some order, altered copies, fragments at any offset and
// length, other protocols, raw frames, chained frames, expiry, packet time
// stepping back and forth. Checks: every verdict is counted once; a completed
// datagram lies within the limit with consistent lengths and, unless altered
// or raw bytes were sent under its key, holds exactly the bytes sent; slots and
// memory never grow; everything is freed at the end.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

// Compiled into this unit, not taken from cs_core: the fuzz build instruments
// only the target's own sources (see fuzz_decode.cpp).
#include "pipeline/decode.cpp"
#include "pipeline/ip_reassembly.cpp"

namespace {

using cs::IpReassembler;
using cs::PacketView;
using Result = IpReassembler::Result;

constexpr uint32_t kMaxData = 9000;  // a jumbo fragment
constexpr int kKeys = 8;

struct Reader {
    const uint8_t* p;
    size_t n;
    uint8_t u8() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    uint16_t u16() { return uint16_t(u8() | u8() << 8); }
};

// Key k: bit 0 IPv6, bit 1 the second source, bit 2 the second id.
bool key_v6(int k) { return k & 1; }
// IPv6's two ids differ only above the low 16 bits, where an IPv4 id has none.
uint32_t key_id(int k) { return (k & 4) ? (key_v6(k) ? 0x10004u : 5u) : 4u; }

// Every copy of datagram byte `i` of key `k` carries this, unless deliberately
// altered; bytes 4-5 (the UDP length) carry the plan's length instead.
uint8_t content(int k, uint32_t i) { return uint8_t(((i + 1) * 2654435761u + uint32_t(k) * 40503u) >> 11); }

void put16(uint8_t* p, uint16_t v) {
    p[0] = uint8_t(v >> 8);
    p[1] = uint8_t(v);
}

// Ethernet + IPv4, or IPv6 + fragment header, + `len` data bytes; returns the frame length.
size_t make_frame(uint8_t* f, int k, uint8_t proto, uint32_t off, bool more, uint32_t len, const uint8_t* data) {
    const uint8_t host = uint8_t(1 + ((k >> 1) & 1));
    std::memset(f, 0, key_v6(k) ? 14 + 48 : 14 + 20);
    size_t at = 14;
    if (key_v6(k)) {
        put16(f + 12, 0x86dd);
        f[at] = 0x60;
        put16(f + at + 4, uint16_t(8 + len));
        f[at + 6] = 44;
        f[at + 7] = 64;
        f[at + 8] = 0x20;
        f[at + 9] = 0x01;
        f[at + 23] = host;
        f[at + 24] = 0x20;
        f[at + 25] = 0x01;
        f[at + 39] = 9;
        at += 40;
        f[at] = proto;
        put16(f + at + 2, uint16_t((off & 0xfff8) | (more ? 1 : 0)));
        put16(f + at + 4, uint16_t(key_id(k) >> 16));
        put16(f + at + 6, uint16_t(key_id(k)));
        at += 8;
    } else {
        put16(f + 12, 0x0800);
        f[at] = 0x45;
        put16(f + at + 2, uint16_t(20 + len));
        put16(f + at + 4, uint16_t(key_id(k)));
        put16(f + at + 6, uint16_t((more ? 0x2000 : 0) | ((off / 8) & 0x1fff)));
        f[at + 8] = 64;
        f[at + 9] = proto;
        f[at + 12] = 10;
        f[at + 15] = host;
        f[at + 16] = 10;
        f[at + 19] = 9;
        at += 20;
    }
    std::memcpy(f + at, data, len);
    return at + len;
}

struct Plan {
    uint32_t total = 0;  // 0: none yet
    uint32_t piece = 8;  // multiple of 8
    uint16_t ulen = 0;   // what its UDP header says (usually the total)
    uint32_t pieces() const { return (total + piece - 1) / piece; }
};

class Run {
public:
    explicit Run(const cs::IpReassemblyLimits& l) : r_(l), memory_(r_.memory_bytes()) {
        const uint32_t limit = r_.limits().max_datagram_bytes;
        if (limit < 8 || limit > 65535 || r_.limits().slots != l.slots) std::abort();
        for (int c = 0; c < kKeys; ++c) {
            static const uint8_t eight[8] = {};
            uint8_t probe[128];
            cs::decode_packet(probe, uint32_t(make_frame(probe, c, 17, 8, false, 8, eight)), probes_[c]);
            truthful_[c] = true;
        }
    }

    IpReassembler& reassembler() { return r_; }

    // Piece j of key k's plan; `flip`: one byte altered at that position (mod len).
    void piece(int k, const Plan& p, uint32_t j, uint64_t now, uint16_t vantage, int flip = -1) {
        const uint32_t off = j * p.piece;
        if (p.total == 0 || off >= p.total) return;
        const uint32_t len = std::min({p.piece, p.total - off, kMaxData});
        for (uint32_t i = 0; i < len; ++i) data_[i] = content(k, off + i);
        if (off == 0 && len >= 6) put16(data_ + 4, p.ulen);
        if (flip >= 0) {
            data_[uint32_t(flip) % len] ^= 0x5a;
            truthful_[k] = false;
        }
        feed(make_frame(frame_, k, 17, off, off + len < p.total, len, data_), now, vantage, false);
    }

    // Any offset (8-byte aligned, as the header carries it) and length, true content.
    void anywhere(int k, uint32_t off, uint32_t len, bool more, uint64_t now, uint16_t vantage) {
        for (uint32_t i = 0; i < len; ++i) data_[i] = content(k, off + i);
        feed(make_frame(frame_, k, 17, off, more, len, data_), now, vantage, false);
    }

    void other_protocol(int k, uint8_t proto, uint32_t off, uint32_t len, bool more, uint64_t now) {
        std::memset(data_, 0x45, len);
        feed(make_frame(frame_, k, proto == 17 ? 6 : proto, off, more, len, data_), now, 0, false);
    }

    void raw(const uint8_t* bytes, size_t n, uint64_t now) {
        std::memcpy(frame_, bytes, n);
        feed(n, now, 0, true);
    }

    // A first fragment of which decode sees only the first half (the rest in a chained mbuf).
    void chained(int k, const Plan& p, uint64_t now) {
        if (p.total == 0) return;
        const uint32_t len = std::min<uint32_t>(p.piece, p.total);
        for (uint32_t i = 0; i < len; ++i) data_[i] = content(k, i);
        if (len >= 6) put16(data_ + 4, p.ulen);
        const size_t flen = make_frame(frame_, k, 17, 0, len < p.total, len, data_);
        PacketView v;
        v.ts_ns = now;
        v.wire_len = uint32_t(flen);
        cs::decode_packet(frame_, uint32_t(flen / 2), v);
        PacketView d;
        const Result res = r_.feed(v, d);
        if (v.fragment && v.more_fragments && v.frag_data == nullptr && res != Result::kDropped) std::abort();
        count(res);
        check();
    }

    void expire(uint64_t now) {
        if (r_.expire(now) > r_.limits().slots) std::abort();
        check();
    }

    void finish() {
        r_.expire(UINT64_MAX);
        if (r_.slots_in_use() != 0) std::abort();
        check();
    }

private:
    int key_of(const PacketView& v) const {
        for (int c = 0; c < kKeys; ++c) {
            const PacketView& p = probes_[c];
            if (p.ip_version == v.ip_version && p.src == v.src && p.dst == v.dst && p.frag_id == v.frag_id) return c;
        }
        return -1;
    }

    void feed(size_t flen, uint64_t now, uint16_t vantage, bool raw) {
        PacketView v;
        v.ts_ns = now;
        v.vantage = vantage;
        cs::decode_packet(frame_, uint32_t(flen), v);
        if (v.frag_data && (v.frag_data < frame_ || v.frag_data + v.frag_len > frame_ + flen)) std::abort();
        const int k = key_of(v);
        if (raw && k >= 0) truthful_[k] = false;  // arbitrary bytes under one of our keys
        PacketView d;
        d.frame = 0xdeadbeef;  // untouched unless complete
        const Result res = r_.feed(v, d);
        count(res);
        if (res == Result::kComplete) check_datagram(v, d, k);
        else if (d.frame != 0xdeadbeef) std::abort();
        check();
    }

    void check_datagram(const PacketView& last, const PacketView& d, int k) const {
        const uint32_t n = d.frag_len;
        if (!d.frag_data || n < 8 || n > r_.limits().max_datagram_bytes || d.payload != d.frag_data + 8 ||
            d.payload_len != n - 8 || d.payload_wire_len != n - 8 || d.more_fragments || d.frag_offset != 0 ||
            !d.is_udp() || !d.fragment)
            std::abort();
        if ((uint32_t(d.frag_data[4]) << 8 | d.frag_data[5]) != n) std::abort();
        if (d.src != last.src || d.dst != last.dst || d.frag_id != last.frag_id || d.vantage != last.vantage ||
            d.ts_ns != last.ts_ns || d.ip_version != last.ip_version)
            std::abort();
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < n; ++i) {
            sink = uint8_t(sink + d.frag_data[i]);
            if (k >= 0 && truthful_[k] && (i < 4 || i >= 6) && d.frag_data[i] != content(k, i)) std::abort();
        }
        (void)sink;
    }

    void count(Result res) {
        switch (res) {
        case Result::kNotFragment: break;
        case Result::kOtherProtocol: ++other_; break;
        case Result::kHeld: ++held_; break;
        case Result::kComplete: ++complete_; break;
        case Result::kDropped: ++dropped_; break;
        default: std::abort();
        }
    }

    void check() const {
        const cs::IpReassemblyCounters& c = r_.counters();
        uint64_t drops = 0;
        for (uint64_t d : c.drops) drops += d;
        if (c.fragments != c.held + c.duplicates + c.completed + drops) std::abort();
        if (held_ != c.held + c.duplicates || complete_ != c.completed || dropped_ != drops ||
            other_ != c.other_protocol)
            std::abort();
        if (r_.slots_in_use() > r_.limits().slots || r_.memory_bytes() != memory_) std::abort();
    }

    IpReassembler r_;
    const size_t memory_;
    PacketView probes_[kKeys];  // what decode makes of each key's headers
    bool truthful_[kKeys];
    uint64_t held_ = 0, complete_ = 0, dropped_ = 0, other_ = 0;
    uint8_t data_[kMaxData];
    uint8_t frame_[kMaxData + 64];
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t size) {
    Reader rd{in, size};
    cs::IpReassemblyLimits limits;
    limits.slots = 1 + rd.u8() % 8;
    // Mostly a few KiB; sometimes anything (the constructor clamps to [8, 65535]).
    const uint16_t l = rd.u16();
    limits.max_datagram_bytes = (l & 1) ? l : 512u * (1 + l % 40);
    limits.timeout_ns = uint64_t(1 + rd.u8()) * 100'000'000ull;
    Run run(limits);
    const uint32_t limit = run.reassembler().limits().max_datagram_bytes;

    Plan plan[kKeys];
    uint64_t now = uint64_t(1) << 40;
    while (rd.n > 0) {
        const uint8_t op = rd.u8();
        const int k = op & 7;
        const uint16_t vantage = (op >> 3) & 1;
        // Packet time mostly moves on, sometimes steps back (several inputs interleaved).
        now += uint64_t(int64_t(int8_t(rd.u8())) * 10'000'000ll);
        switch (op >> 4) {
        case 0: {  // plan key k's datagram: mostly within the limit, sometimes a wrong UDP length
            Plan& p = plan[k];
            p.total = 8 + rd.u16() % (limit + 64);
            p.piece = 8 * (1 + rd.u8() % 200);
            const uint8_t u = rd.u8();
            p.ulen = uint16_t(u < 240 ? p.total : p.total + int8_t(u));
            break;
        }
        case 1: case 2: case 3: case 4:
            run.piece(k, plan[k], rd.u8(), now, vantage, (op >> 4) == 4 ? rd.u16() : -1);
            break;
        case 5: {  // every piece: in order, reversed, or by a stride
            const Plan& p = plan[k];
            const uint32_t n = p.pieces();
            if (n == 0 || n > 4096) break;
            const uint8_t how = rd.u8();
            uint32_t stride = 1 + how % 97;
            while (n % stride == 0 && stride > 1) --stride;  // coprime-ish; repeats are duplicates
            for (uint32_t i = 0; i < n; ++i) {
                const uint32_t j = how < 64 ? i : how < 128 ? n - 1 - i : (i * stride) % n;
                run.piece(k, p, j, now + i, vantage);
            }
            break;
        }
        case 6: case 7: {
            const uint32_t off = uint32_t(rd.u16()) & 0xfff8;
            const uint32_t len = rd.u16() % (kMaxData + 1);
            run.anywhere(k, off, len, rd.u8() & 1, now, vantage);
            break;
        }
        case 8: {
            const uint8_t proto = rd.u8();
            const uint32_t off = uint32_t(rd.u16()) & 0xfff8;
            run.other_protocol(k, proto, off, rd.u16() % 2000, rd.u8() & 1, now);
            break;
        }
        case 9: {
            const size_t n = std::min<size_t>(rd.u16() % 1600, rd.n);
            run.raw(rd.p, n, now);
            rd.p += n;
            rd.n -= n;
            break;
        }
        case 10:
            run.expire(now);
            break;
        case 11:
            run.chained(k, plan[k], now);
            break;
        default:
            run.piece(k, plan[k], rd.u8() % 8, now, vantage);
            break;
        }
    }
    run.finish();
    return 0;
}
