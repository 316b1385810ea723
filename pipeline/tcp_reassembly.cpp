#include "pipeline/tcp_reassembly.h"

#include <algorithm>
#include <cstring>

namespace cs {

namespace {

// Serial-number order (RFC 1982): a is before b when b is less than 2^31 ahead.
inline bool seq_lt(uint32_t a, uint32_t b) { return int32_t(a - b) < 0; }

constexpr uint32_t kNone = ReassemblyPool::kNone;

}  // namespace

const char* reassembly_anomaly_name(ReassemblyAnomaly a) {
    switch (a) {
    case ReassemblyAnomaly::kDifferingOverlap: return "differing_overlap";
    case ReassemblyAnomaly::kStreamCap: return "stream_cap";
    case ReassemblyAnomaly::kPoolExhausted: return "pool_exhausted";
    case ReassemblyAnomaly::kOutOfWindow: return "out_of_window";
    case ReassemblyAnomaly::kDataAfterFin: return "data_after_fin";
    case ReassemblyAnomaly::kFinConflict: return "fin_conflict";
    case ReassemblyAnomaly::kCount: break;
    }
    return "unknown";
}

// ---- pool ----

ReassemblyPool::ReassemblyPool(size_t budget_bytes, uint32_t stream_cap_bytes) {
    size_t n = budget_bytes / (kChunkBytes + sizeof(Meta));
    capacity_ = uint32_t(std::min<size_t>(n, kNone - 1));
    // Value-initialised: the pages are touched now, not on the packet path.
    meta_ = std::make_unique<Meta[]>(capacity_);
    data_ = std::make_unique<uint8_t[]>(size_t(capacity_) * kChunkBytes);
    for (uint32_t i = 0; i < capacity_; ++i) meta_[i].next = i + 1 < capacity_ ? i + 1 : kNone;
    free_head_ = capacity_ ? 0 : kNone;
    free_count_ = capacity_;
    uint64_t cap = (uint64_t(stream_cap_bytes) + kChunkBytes - 1) / kChunkBytes;
    cap = std::min<uint64_t>({cap, capacity_, UINT16_MAX});
    stream_cap_chunks_ = uint32_t(std::max<uint64_t>(cap, 1));
}

uint32_t ReassemblyPool::alloc() {
    uint32_t idx = free_head_;
    if (idx == kNone) return kNone;
    free_head_ = meta_[idx].next;
    --free_count_;
    return idx;
}

void ReassemblyPool::free(uint32_t idx) {
    meta_[idx].next = free_head_;
    meta_[idx].len = 0;
    free_head_ = idx;
    ++free_count_;
}

// ---- one direction ----

void StreamReassembler::start(uint32_t next_seq, bool midstream) {
    *this = StreamReassembler{};
    next_seq_ = next_seq;
    flags_ = uint8_t(kStarted | (midstream ? kMidstream : 0));
}

void StreamReassembler::anomaly(ReassemblyPool& pool, ReassemblyAnomaly a, StreamSink& sink) {
    ++pool.ctr_.anomalies[size_t(a)];
    sink.on_anomaly(a);
}

void StreamReassembler::gap(ReassemblyPool& pool, uint32_t n, StreamSink& sink) {
    ++pool.ctr_.gaps;
    pool.ctr_.gap_bytes += n;
    next_seq_ += n;
    sink.on_gap(n);
}

void StreamReassembler::deliver_head(ReassemblyPool& pool, StreamSink& sink) {
    uint32_t idx = head_;
    ReassemblyPool::Meta& m = pool.meta(idx);
    uint32_t len = m.len;
    next_seq_ = m.seq + len;
    head_ = m.next;
    if (head_ == kNone) tail_ = kNone;
    --chunks_;
    pool.ctr_.bytes_delivered += len;
    pool.ctr_.bytes_held -= len;
    sink.on_data(pool.data(idx), len);  // before the chunk goes back: the pointer must stay valid
    pool.free(idx);
}

void StreamReassembler::drain(ReassemblyPool& pool, StreamSink& sink) {
    while (head_ != kNone && pool.meta(head_).seq == next_seq_) deliver_head(pool, sink);
}

void StreamReassembler::check_fin(StreamSink& sink) {
    if ((flags_ & (kFinSeen | kFinished)) == kFinSeen && next_seq_ == fin_seq_) {
        ++next_seq_;  // the FIN takes one sequence number
        flags_ |= kFinished;
        sink.on_end();
    }
}

// Everything before `target` is either delivered from the buffer or reported
// missing; then whatever is contiguous after it follows.
void StreamReassembler::advance_to(ReassemblyPool& pool, uint32_t target, StreamSink& sink) {
    while (seq_lt(next_seq_, target)) {
        if (head_ != kNone && seq_lt(pool.meta(head_).seq, target)) {
            uint32_t hs = pool.meta(head_).seq;
            if (hs != next_seq_) gap(pool, hs - next_seq_, sink);
            deliver_head(pool, sink);
        } else {
            gap(pool, target - next_seq_, sink);
        }
    }
    drain(pool, sink);
}

// In-order bytes go to the sink straight from the packet, except where the
// buffer already holds a copy: that copy came first, so it is the one delivered.
void StreamReassembler::deliver_in_order(ReassemblyPool& pool, const uint8_t* data, uint32_t len, StreamSink& sink,
                                         bool& overlapped, bool& differed) {
    ReassemblyCounters& c = pool.ctr_;
    while (len > 0) {
        if (head_ != kNone && pool.meta(head_).seq == next_seq_) {
            const ReassemblyPool::Meta& m = pool.meta(head_);
            uint32_t n = std::min(len, m.len);
            if (std::memcmp(data, pool.data(head_), n) != 0) differed = true;
            overlapped = true;
            c.bytes_overlap += n;
            data += n;
            len -= n;
            deliver_head(pool, sink);
        } else {
            uint32_t n = len;
            if (head_ != kNone) n = std::min(n, pool.meta(head_).seq - next_seq_);
            c.bytes_delivered += n;
            next_seq_ += n;
            sink.on_data(data, n);
            data += n;
            len -= n;
        }
    }
    drain(pool, sink);
}

// Copies the parts of [seq, seq+len) that the buffer lacks into chunks, in
// seq order, appending to the chunk just before when it ends where the new
// bytes start (a run after a hole fills chunks instead of taking one each).
// Returns the bytes dealt with; less than len when the direction's cap stopped it.
uint32_t StreamReassembler::insert(ReassemblyPool& pool, uint32_t seq, const uint8_t* data, uint32_t len,
                                   bool& overlapped, bool& differed, bool& exhausted) {
    constexpr uint32_t kChunk = ReassemblyPool::kChunkBytes;
    ReassemblyCounters& c = pool.ctr_;
    const uint32_t base = next_seq_;  // offsets below are relative to it: all held data is ahead
    const uint32_t s0 = seq - base;
    const uint32_t e = s0 + len;      // <= 2^31: callers keep both terms <= 2^30
    uint32_t s = s0;
    uint32_t prev = kNone, cur = head_;
    if (tail_ != kNone) {  // the common case, a run growing after a hole: start from the end
        const ReassemblyPool::Meta& t = pool.meta(tail_);
        if (t.seq - base + t.len <= s) prev = tail_, cur = kNone;
    }
    while (s < e) {
        while (cur != kNone && pool.meta(cur).seq - base + pool.meta(cur).len <= s) {
            prev = cur;
            cur = pool.meta(cur).next;
        }
        if (cur != kNone && pool.meta(cur).seq - base <= s) {  // held bytes cover s: first copy wins
            const uint32_t mo = pool.meta(cur).seq - base;
            const uint32_t n = std::min(e, mo + pool.meta(cur).len) - s;
            if (std::memcmp(data + (s - s0), pool.data(cur) + (s - mo), n) != 0) differed = true;
            overlapped = true;
            c.bytes_overlap += n;
            s += n;
            continue;
        }
        const uint32_t hole_end = cur != kNone ? std::min(e, pool.meta(cur).seq - base) : e;
        while (s < hole_end) {
            if (prev != kNone) {
                ReassemblyPool::Meta& p = pool.meta(prev);
                if (p.seq - base + p.len == s && p.len < kChunk) {
                    uint32_t n = std::min(hole_end - s, kChunk - p.len);
                    std::memcpy(pool.data(prev) + p.len, data + (s - s0), n);
                    p.len += n;
                    s += n;
                    c.bytes_buffered += n;
                    c.bytes_held += n;
                    continue;
                }
            }
            if (chunks_ >= pool.stream_cap_chunks_) return s - s0;
            uint32_t idx = pool.alloc();
            if (idx == kNone) {
                exhausted = true;
                c.bytes_dropped_cap += hole_end - s;
                s = hole_end;
                break;
            }
            ReassemblyPool::Meta& m = pool.meta(idx);
            uint32_t n = std::min(hole_end - s, kChunk);
            m.seq = base + s;
            m.len = n;
            m.next = cur;
            std::memcpy(pool.data(idx), data + (s - s0), n);
            if (prev == kNone) head_ = idx;
            else pool.meta(prev).next = idx;
            if (cur == kNone) tail_ = idx;
            prev = idx;
            ++chunks_;
            s += n;
            c.bytes_buffered += n;
            c.bytes_held += n;
        }
    }
    return len;
}

void StreamReassembler::segment(ReassemblyPool& pool, uint32_t seq, const uint8_t* data, uint32_t len,
                                StreamSink& sink) {
    if (len == 0 || data == nullptr) return;
    if (!started()) start(seq, true);
    ReassemblyCounters& c = pool.ctr_;
    bool overlapped = false, differed = false, exhausted = false;
    while (len > 0) {
        const int32_t d = int32_t(seq - next_seq_);
        if (len > kMaxWindow || (d >= 0 ? uint32_t(d) > kMaxWindow : uint32_t(0) - uint32_t(d) > kMaxWindow)) {
            c.bytes_out_of_window += len;
            anomaly(pool, ReassemblyAnomaly::kOutOfWindow, sink);
            break;
        }
        if (flags_ & kFinSeen) {  // nothing may follow the FIN (>= -1: once finished, next_seq_ is past it)
            const int64_t fo = int32_t(fin_seq_ - next_seq_);
            const int64_t end = int64_t(d) + len;
            if (end > fo) {
                const uint32_t excess = uint32_t(end - std::max<int64_t>(d, fo));
                len -= excess;
                c.bytes_after_fin += excess;
                anomaly(pool, ReassemblyAnomaly::kDataAfterFin, sink);
                if (len == 0) break;
            }
        }
        if (d < 0) {  // bytes before the stream position were delivered (or skipped) already
            const uint32_t old = std::min(uint32_t(0) - uint32_t(d), len);
            overlapped = true;
            c.bytes_overlap += old;
            seq += old;
            data += old;
            len -= old;
            if (len == 0) break;
        }
        if (seq == next_seq_) {
            deliver_in_order(pool, data, len, sink, overlapped, differed);
            check_fin(sink);
            break;
        }
        const uint32_t done = insert(pool, seq, data, len, overlapped, differed, exhausted);
        if (done == len) break;
        // The direction's buffer is full: stop waiting for the first hole. Skip to
        // the first held chunk, or to the rest of this segment if it comes first.
        seq += done;
        data += done;
        len -= done;
        ++c.cap_skips;
        anomaly(pool, ReassemblyAnomaly::kStreamCap, sink);
        uint32_t target = seq;
        if (head_ != kNone && seq_lt(pool.meta(head_).seq, target)) target = pool.meta(head_).seq;
        advance_to(pool, target, sink);
        check_fin(sink);
    }
    if (overlapped) ++c.overlaps;
    if (differed) {
        ++c.differing_overlaps;
        anomaly(pool, ReassemblyAnomaly::kDifferingOverlap, sink);
    }
    if (exhausted) anomaly(pool, ReassemblyAnomaly::kPoolExhausted, sink);
}

// Held bytes at or past the FIN cannot belong to the stream.
void StreamReassembler::trim_after_fin(ReassemblyPool& pool, StreamSink& sink) {
    const uint32_t fo = fin_seq_ - next_seq_;  // >= 0 here: the FIN is not behind the position
    uint64_t cut = 0;
    uint32_t prev = kNone, cur = head_;
    while (cur != kNone) {
        ReassemblyPool::Meta& m = pool.meta(cur);
        const uint32_t mo = m.seq - next_seq_;
        if (mo >= fo) break;
        if (mo + m.len > fo) {
            cut += mo + m.len - fo;
            m.len = fo - mo;
        }
        prev = cur;
        cur = m.next;
    }
    if (cur == kNone && cut == 0) return;
    while (cur != kNone) {
        const uint32_t next = pool.meta(cur).next;
        cut += pool.meta(cur).len;
        pool.free(cur);
        --chunks_;
        cur = next;
    }
    if (prev == kNone) head_ = kNone;
    else pool.meta(prev).next = kNone;
    tail_ = prev;
    pool.ctr_.bytes_after_fin += cut;
    pool.ctr_.bytes_held -= cut;
    anomaly(pool, ReassemblyAnomaly::kDataAfterFin, sink);
}

void StreamReassembler::fin(ReassemblyPool& pool, uint32_t seq, StreamSink& sink) {
    if (!started()) start(seq, true);
    if (flags_ & kFinSeen) {
        if (seq != fin_seq_) anomaly(pool, ReassemblyAnomaly::kFinConflict, sink);
        return;  // a retransmitted FIN
    }
    const int32_t d = int32_t(seq - next_seq_);
    if (d < 0) {  // bytes past this FIN were delivered already
        anomaly(pool, ReassemblyAnomaly::kFinConflict, sink);
        return;
    }
    if (uint32_t(d) > kMaxWindow) {
        anomaly(pool, ReassemblyAnomaly::kOutOfWindow, sink);
        return;
    }
    fin_seq_ = seq;
    flags_ |= kFinSeen;
    trim_after_fin(pool, sink);
    check_fin(sink);
}

void StreamReassembler::ack_seen(ReassemblyPool& pool, uint32_t ack, StreamSink& sink) {
    if (!started() || finished()) return;
    const int32_t d = int32_t(ack - next_seq_);
    if (d <= 0) return;  // nothing acknowledged that we lack
    if (uint32_t(d) > kMaxWindow) {
        anomaly(pool, ReassemblyAnomaly::kOutOfWindow, sink);
        return;
    }
    uint32_t target = ack;
    if ((flags_ & kFinSeen) && seq_lt(fin_seq_, target)) target = fin_seq_;  // the ACK covers the FIN too
    if (target != next_seq_) {
        ++pool.ctr_.ack_skips;
        advance_to(pool, target, sink);
    }
    check_fin(sink);
}

void StreamReassembler::flush(ReassemblyPool& pool, StreamSink& sink) {
    if (!started()) return;
    while (head_ != kNone) {
        const uint32_t hs = pool.meta(head_).seq;
        if (hs != next_seq_) gap(pool, hs - next_seq_, sink);
        deliver_head(pool, sink);
    }
    if ((flags_ & (kFinSeen | kFinished)) == kFinSeen && next_seq_ != fin_seq_) gap(pool, fin_seq_ - next_seq_, sink);
    check_fin(sink);
}

void StreamReassembler::release(ReassemblyPool& pool) {
    uint32_t cur = head_;
    while (cur != kNone) {
        const uint32_t next = pool.meta(cur).next;
        pool.ctr_.bytes_discarded += pool.meta(cur).len;
        pool.ctr_.bytes_held -= pool.meta(cur).len;
        pool.free(cur);
        cur = next;
    }
    *this = StreamReassembler{};
}

}  // namespace cs
