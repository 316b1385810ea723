// libFuzzer target for TCP reassembly: the input is a small pool set-up then a
// sequence of operations (segments near or far from the stream position,
// identical or altered copies, FINs, ACKs, flushes, restarts) on two directions
// sharing one pool. After every operation the accounting must close: bytes
// delivered + gaps (+ the FIN) == sequence space advanced, chunks held never over
// a cap and always the pool's missing ones; after release the pool is full.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

// Compiled into this unit, not taken from cs_core: the fuzz build instruments
// only the target's own sources (see fuzz_decode.cpp).
#include "pipeline/tcp_reassembly.cpp"

namespace {

using cs::ReassemblyPool;
using cs::StreamReassembler;

constexpr uint32_t kMaxLen = 6000;  // beyond a chunk, like a GRO'd packet

struct Reader {
    const uint8_t* p;
    size_t n;
    uint8_t u8() {
        if (n == 0) return 0;
        --n;
        return *p++;
    }
    uint16_t u16() { return uint16_t(u8() | u8() << 8); }
    uint32_t u32() { return uint32_t(u16()) | uint32_t(u16()) << 16; }
};

// Every copy of the byte at `seq` carries this, unless deliberately altered.
uint8_t content(uint32_t seq) { return uint8_t((seq * 2654435761u) >> 13); }

struct CheckingSink : cs::StreamSink {
    uint32_t pos = 0;       // seq the next delivered byte or gap starts at
    bool truthful = true;   // no altered copy sent: every delivered byte must be content()
    bool ended = false;
    uint32_t limit = ReassemblyPool::kChunkBytes;
    uint64_t data = 0;

    void on_data(const uint8_t* d, uint32_t n) override {
        if (n == 0 || n > limit || ended) std::abort();
        volatile uint8_t sink = 0;
        for (uint32_t i = 0; i < n; ++i) {
            if (truthful && d[i] != content(pos + i)) std::abort();
            sink = uint8_t(sink + d[i]);
        }
        (void)sink;
        pos += n;
        data += n;
    }
    void on_gap(uint32_t n) override {
        if (n == 0 || ended) std::abort();
        pos += n;
    }
    void on_anomaly(cs::ReassemblyAnomaly a) override {
        if (size_t(a) >= size_t(cs::ReassemblyAnomaly::kCount)) std::abort();
    }
    void on_end() override {
        if (ended) std::abort();
        ended = true;
        pos += 1;  // the FIN's sequence number
    }
};

void check(const ReassemblyPool& pool, const StreamReassembler (&r)[2], const CheckingSink (&s)[2]) {
    for (int k = 0; k < 2; ++k) {
        if (r[k].started() && s[k].pos != r[k].next_seq()) std::abort();
        if (r[k].held_chunks() > pool.stream_cap_chunks()) std::abort();
        if (s[k].ended != r[k].finished()) std::abort();
    }
    const uint32_t held = r[0].held_chunks() + r[1].held_chunks();
    if (pool.free_chunks() + held != pool.capacity()) std::abort();
    if (pool.counters().bytes_held > uint64_t(held) * ReassemblyPool::kChunkBytes) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t size) {
    Reader rd{in, size};
    const uint32_t pool_chunks = 1 + rd.u8() % 64;
    const uint32_t cap_chunks = 1 + rd.u8() % 16;
    ReassemblyPool pool(size_t(pool_chunks) * (ReassemblyPool::kChunkBytes + 12), cap_chunks * ReassemblyPool::kChunkBytes);
    if (pool.capacity() != pool_chunks) std::abort();

    StreamReassembler r[2];
    CheckingSink s[2];
    uint64_t passed = 0;
    static uint8_t buf[kMaxLen];

    while (rd.n > 0) {
        const uint8_t op = rd.u8();
        const int k = op & 1;
        StreamReassembler& dir = r[k];
        CheckingSink& sink = s[k];
        switch ((op >> 1) % 8) {
        case 0: case 1: case 2: case 3: {  // a segment: near the position, or anywhere
            const bool far = ((op >> 1) % 8) == 3;
            const uint32_t base = dir.started() ? dir.next_seq() : sink.pos;
            const uint32_t seq = far ? rd.u32() : base + uint32_t(int32_t(int16_t(rd.u16())));
            const uint32_t len = rd.u16() % (kMaxLen + 1);
            for (uint32_t i = 0; i < len; ++i) buf[i] = content(seq + i);
            if (len && (op & 0x80)) {  // an altered copy: from now on the first copy may be it
                buf[rd.u16() % len] ^= 0x5a;
                sink.truthful = false;
            }
            if (!dir.started()) sink.pos = seq;  // picked up mid-stream here
            sink.limit = len > ReassemblyPool::kChunkBytes ? len : ReassemblyPool::kChunkBytes;
            passed += len;
            dir.segment(pool, seq, buf, len, sink);
            sink.limit = ReassemblyPool::kChunkBytes;
            break;
        }
        case 4: {
            const uint32_t seq = (dir.started() ? dir.next_seq() : sink.pos) + uint32_t(int32_t(int16_t(rd.u16())));
            if (!dir.started()) sink.pos = seq;
            dir.fin(pool, seq, sink);
            break;
        }
        case 5: {
            const uint32_t ack = (op & 0x80) ? rd.u32() : dir.next_seq() + rd.u16();
            dir.ack_seen(pool, ack, sink);
            break;
        }
        case 6:
            dir.flush(pool, sink);
            break;
        case 7: {  // the flow record is reused: release, then a new connection
            dir.release(pool);
            sink = CheckingSink{};
            sink.pos = rd.u32();
            dir.start(sink.pos, op & 0x80);
            break;
        }
        }
        check(pool, r, s);
    }
    for (int k = 0; k < 2; ++k) {
        if (s[k].ended && !r[k].finished()) std::abort();
        r[k].flush(pool, s[k]);
        check(pool, r, s);
        r[k].release(pool);
        s[k] = CheckingSink{};
    }
    const cs::ReassemblyCounters& c = pool.counters();
    if (pool.free_chunks() != pool.capacity() || c.bytes_held != 0) std::abort();
    // Every byte handed in was delivered, a copy, dropped, cut after a FIN, out of window or discarded.
    if (passed != c.bytes_delivered + c.bytes_overlap + c.bytes_dropped_cap + c.bytes_after_fin + c.bytes_out_of_window +
                      c.bytes_discarded)
        std::abort();
    return 0;
}
