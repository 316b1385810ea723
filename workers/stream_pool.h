// stream_pool: a worker's per-flow stream buffers for a framer over TCP
// reassembly (SIP messages, DNS over TCP): `count` slots of two directions
// each (a framer state and its buffer), allocated once at start; a flow holds
// one slot while it lives, so nothing is allocated per packet. And the step
// every such framer takes to move reassembled bytes into its buffer.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace cs {

// One step of a framer taking reassembled bytes into its buffer: first the
// bytes it asked to skip (the rest of a message too large to hold) are
// dropped, else as many as fit are appended. Returns whether any were
// appended (then the framer looks for complete messages).
inline bool skip_or_append(uint8_t* buf, uint32_t cap, uint32_t& used, uint32_t& skip, const uint8_t*& data,
                           uint32_t& len) {
    const uint32_t k = skip ? std::min(skip, len) : std::min(cap - used, len);
    if (skip) {
        skip -= k;
    } else {
        std::memcpy(buf + used, data, k);
        used += k;
    }
    data += k;
    len -= k;
    return !skip && k;
}

template <class Dir>
class StreamPool {
public:
    static constexpr uint32_t kNone = UINT32_MAX;
    StreamPool(uint32_t count, uint32_t buffer_bytes)
        : buffer_bytes_(buffer_bytes),
          bufs_(new uint8_t[size_t(count) * 2 * buffer_bytes]),
          dirs_(new Dir[size_t(count) * 2]),
          free_(new uint32_t[count]),
          free_count_(count) {
        for (uint32_t i = 0; i < count; ++i) free_[i] = count - 1 - i;
    }
    uint32_t alloc() { return free_count_ ? free_[--free_count_] : kNone; }
    void free(uint32_t slot) { free_[free_count_++] = slot; }
    Dir& dir(uint32_t slot, int d) { return dirs_[size_t(slot) * 2 + size_t(d)]; }
    uint8_t* buffer(uint32_t slot, int d) { return bufs_.get() + (size_t(slot) * 2 + size_t(d)) * buffer_bytes_; }
    uint32_t buffer_bytes() const { return buffer_bytes_; }

private:
    uint32_t buffer_bytes_;
    std::unique_ptr<uint8_t[]> bufs_;
    std::unique_ptr<Dir[]> dirs_;
    std::unique_ptr<uint32_t[]> free_;
    uint32_t free_count_ = 0;
};

}  // namespace cs
