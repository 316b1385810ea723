// tcp_reassembly: one direction of a TCP connection turned back into its byte
// stream, delivered in order to a StreamSink in bounded pieces, with gaps and
// anomalies told rather than hidden. Out-of-order bytes wait in fixed-size chunks
// of a per-worker ReassemblyPool, allocated once at construction (no heap per packet).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace cs {

enum class ReassemblyAnomaly : uint8_t {
    kDifferingOverlap,  // a copy of bytes held in the buffer came again with other content (first copy kept)
    kStreamCap,         // the direction's out-of-order buffer hit its cap: the hole before it was skipped
    kPoolExhausted,     // the worker's pool had no free chunk: bytes dropped (a gap follows later)
    kOutOfWindow,       // a segment or ACK more than 2^30 away from the stream position: ignored
    kDataAfterFin,      // payload at or beyond the FIN's sequence number: dropped
    kFinConflict,       // a FIN at another seq than the first, or behind bytes already delivered
    kCount,
};
const char* reassembly_anomaly_name(ReassemblyAnomaly a);

// What a direction's bytes become. Called from inside the StreamReassembler's
// calls; a sink must not call back into the same reassembler.
class StreamSink {
public:
    virtual ~StreamSink() = default;
    // The next bytes of the stream: at most one packet's payload or one pool chunk.
    // The pointer is valid only during the call (it points into the packet or the pool).
    virtual void on_data(const uint8_t* data, uint32_t len) = 0;
    // `missing_bytes` of the stream will never come; the next on_data follows them.
    virtual void on_gap(uint32_t missing_bytes) = 0;
    virtual void on_anomaly(ReassemblyAnomaly a) = 0;
    // The FIN was reached in order: every byte before it was delivered or reported as a gap.
    virtual void on_end() {}
};

// Per pool (so per worker). Bytes unless named otherwise.
struct ReassemblyCounters {
    uint64_t bytes_delivered = 0;     // handed to on_data
    uint64_t bytes_buffered = 0;      // stored out of order (cumulative)
    uint64_t bytes_held = 0;          // stored out of order now
    uint64_t bytes_dropped_cap = 0;   // not stored: pool exhausted
    uint64_t bytes_overlap = 0;       // arrived again (retransmissions, overlaps): the first copy was kept
    uint64_t overlaps = 0;            // segments that carried such bytes
    uint64_t differing_overlaps = 0;  // segments whose overlapping bytes differed from the held copy
    uint64_t gaps = 0;                // on_gap calls
    uint64_t gap_bytes = 0;
    uint64_t cap_skips = 0;           // holes skipped because a direction's buffer was full
    uint64_t ack_skips = 0;           // holes skipped because the peer acknowledged past them
    uint64_t bytes_out_of_window = 0;
    uint64_t bytes_after_fin = 0;
    uint64_t bytes_discarded = 0;     // held when release() threw them away
    uint64_t anomalies[size_t(ReassemblyAnomaly::kCount)] = {};
};

// A worker's memory for out-of-order bytes: `capacity()` chunks of kChunkBytes,
// carved out of a byte budget at construction, handed out from a free list.
// The pool is the global cap; `stream_cap_bytes` is the cap of one direction.
class ReassemblyPool {
public:
    static constexpr uint32_t kChunkBytes = 2048;   // one MSS-sized segment plus room to coalesce the next
    static constexpr size_t kDefaultBudgetBytes = size_t(64) << 20;  // per worker
    static constexpr uint32_t kDefaultStreamCapBytes = 128u << 10;   // per direction
    static constexpr uint32_t kNone = UINT32_MAX;

    // Capacity = budget / (chunk + its 12 bytes of bookkeeping), so the pool never
    // takes more than the budget. The stream cap is rounded up to whole chunks,
    // at least one, at most the pool and 65535 chunks.
    explicit ReassemblyPool(size_t budget_bytes = kDefaultBudgetBytes,
                            uint32_t stream_cap_bytes = kDefaultStreamCapBytes);
    ReassemblyPool(const ReassemblyPool&) = delete;
    ReassemblyPool& operator=(const ReassemblyPool&) = delete;

    uint32_t capacity() const { return capacity_; }
    uint32_t free_chunks() const { return free_count_; }
    uint32_t stream_cap_chunks() const { return stream_cap_chunks_; }
    size_t memory_bytes() const { return size_t(capacity_) * (kChunkBytes + sizeof(Meta)); }
    const ReassemblyCounters& counters() const { return ctr_; }

private:
    friend class StreamReassembler;
    struct Meta {
        uint32_t seq;   // sequence number of data[0]
        uint32_t next;  // next chunk of the same direction (by seq), or of the free list
        uint32_t len;   // bytes used, <= kChunkBytes
    };
    uint32_t alloc();
    void free(uint32_t idx);
    Meta& meta(uint32_t idx) { return meta_[idx]; }
    uint8_t* data(uint32_t idx) { return data_.get() + size_t(idx) * kChunkBytes; }

    std::unique_ptr<Meta[]> meta_;
    std::unique_ptr<uint8_t[]> data_;
    uint32_t capacity_ = 0;
    uint32_t free_head_ = kNone;
    uint32_t free_count_ = 0;
    uint32_t stream_cap_chunks_ = 1;
    ReassemblyCounters ctr_;
};

// One direction's reassembly state: 20 bytes of plain data, kept inside the flow
// record. Chunks it holds belong to the pool passed to every call (always the
// same one); release() gives them back and must precede the record's reuse.
//
// Sequence numbers are compared serially (RFC 1982), so the stream may wrap
// 2^32. Callers pass the seq of the first payload byte (a SYN's payload starts at
// its seq + 1). On RST, close or idle timeout: flush() then release().
class StreamReassembler {
public:
    // From a SYN: start(isn + 1, false). Picked up mid-stream: start(first seq, true).
    // Only on a fresh or released reassembler.
    void start(uint32_t next_seq, bool midstream);

    // Payload bytes at `seq`. May be called several times for one packet whose
    // payload is split over chained buffers. In-order bytes go straight from
    // `data` to the sink; bytes ahead of a hole are copied into pool chunks.
    // Not started yet: starts mid-stream at `seq`.
    void segment(ReassemblyPool& pool, uint32_t seq, const uint8_t* data, uint32_t len, StreamSink& sink);

    // A FIN at sequence number `seq` (packet seq + payload length). on_end()
    // comes when every byte before it is delivered or skipped.
    void fin(ReassemblyPool& pool, uint32_t seq, StreamSink& sink);

    // The other direction acknowledged `ack`: the peer has what lies before it,
    // so a hole there will not be filled by a retransmission. Skip it: gap,
    // then what follows. Pass ACKs of packets with the ACK flag only.
    void ack_seen(ReassemblyPool& pool, uint32_t ack, StreamSink& sink);

    // Close or timeout: deliver everything held, holes reported as gaps (up to
    // the FIN when one was seen). Chunks go back to the pool as they are delivered.
    void flush(ReassemblyPool& pool, StreamSink& sink);

    // Gives every chunk back without delivering (counted as discarded) and
    // returns to the unstarted state.
    void release(ReassemblyPool& pool);

    bool started() const { return flags_ & kStarted; }
    bool midstream() const { return flags_ & kMidstream; }
    bool fin_seen() const { return flags_ & kFinSeen; }
    bool finished() const { return flags_ & kFinished; }  // FIN reached in order
    uint32_t next_seq() const { return next_seq_; }       // next byte expected (past the FIN once finished)
    uint32_t held_chunks() const { return chunks_; }

    // Further than this from the stream position (TCP's largest window) a
    // segment or ACK belongs to another connection or is forged.
    static constexpr uint32_t kMaxWindow = 1u << 30;

private:
    static constexpr uint8_t kStarted = 1, kMidstream = 2, kFinSeen = 4, kFinished = 8;

    void deliver_in_order(ReassemblyPool& pool, const uint8_t* data, uint32_t len, StreamSink& sink, bool& overlapped,
                          bool& differed);
    uint32_t insert(ReassemblyPool& pool, uint32_t seq, const uint8_t* data, uint32_t len, bool& overlapped,
                    bool& differed, bool& exhausted);
    void advance_to(ReassemblyPool& pool, uint32_t target, StreamSink& sink);
    void deliver_head(ReassemblyPool& pool, StreamSink& sink);
    void drain(ReassemblyPool& pool, StreamSink& sink);
    void gap(ReassemblyPool& pool, uint32_t n, StreamSink& sink);
    void check_fin(StreamSink& sink);
    void anomaly(ReassemblyPool& pool, ReassemblyAnomaly a, StreamSink& sink);
    void trim_after_fin(ReassemblyPool& pool, StreamSink& sink);

    uint32_t next_seq_ = 0;
    uint32_t fin_seq_ = 0;
    uint32_t head_ = ReassemblyPool::kNone;  // held chunks, sorted by seq, non-overlapping, all ahead of next_seq_
    uint32_t tail_ = ReassemblyPool::kNone;
    uint16_t chunks_ = 0;
    uint8_t flags_ = 0;
};

}  // namespace cs
