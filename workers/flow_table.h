// FlowTable: one worker's flows. Fixed capacity chosen at start (no allocation
// while running): flow records in an array with a free list, an open-addressing
// index (linear probing, backward-shift delete) keyed by the symmetric flow hash,
// and a timer wheel on packet time telling when to look at a flow again.
#pragma once
#include <cstdint>
#include <vector>

#include "pipeline/flow_key.h"
#include "pipeline/tcp_tracker.h"
#include "workers/timer_wheel.h"
#include "workers/stream_state.h"

namespace cs {

struct Flow {
    FlowKey key;
    uint32_t hash = 0;
    bool client_is_lo = false;  // which canonical endpoint opened the connection
    bool decided = false;       // a verdict has been given for the current connection
    uint16_t vantage = 0;
    uint64_t last_ns = 0;
    TcpConnection tcp;
    StreamState app;
};

class FlowTable {
public:
    explicit FlowTable(uint32_t capacity);

    // The flow for key, created when absent. nullptr when the table is full.
    // *created tells whether it is new (its record is then default-initialised
    // apart from key and hash).
    Flow* find_or_create(const FlowKey& key, uint32_t hash, bool* created);
    Flow* find(const FlowKey& key, uint32_t hash);
    void remove(uint32_t idx);

    uint32_t index_of(const Flow* f) const { return uint32_t(f - flows_.data()); }
    Flow& at(uint32_t idx) { return flows_[idx]; }
    uint32_t size() const { return used_; }
    uint32_t capacity() const { return uint32_t(flows_.size()); }
    TimerWheel& timers() { return wheel_; }

private:
    static constexpr uint32_t kEmpty = 0xffffffffu;
    struct Slot {
        uint32_t hash = 0;
        uint32_t idx = kEmpty;
    };
    uint32_t find_slot(const FlowKey& key, uint32_t hash) const;

    std::vector<Flow> flows_;
    std::vector<TimerLink> links_;
    std::vector<uint32_t> free_;
    std::vector<Slot> slots_;
    uint32_t mask_ = 0;
    uint32_t used_ = 0;
    TimerWheel wheel_;
};

}  // namespace cs
