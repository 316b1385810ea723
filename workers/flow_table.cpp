#include "workers/flow_table.h"

namespace cs {

namespace {
uint32_t pow2_at_least(uint64_t n) {
    uint32_t p = 1;
    while (p < n) p <<= 1;
    return p;
}
}  // namespace

// The index keeps at most half its slots busy so probe runs stay short.
FlowTable::FlowTable(uint32_t capacity)
    : flows_(capacity), links_(capacity), slots_(pow2_at_least(uint64_t(capacity) * 2)), wheel_(links_) {
    mask_ = uint32_t(slots_.size() - 1);
    free_.reserve(capacity);
    for (uint32_t i = capacity; i-- > 0;) free_.push_back(i);
}

uint32_t FlowTable::find_slot(const FlowKey& key, uint32_t hash) const {
    for (uint32_t s = hash & mask_;; s = (s + 1) & mask_) {
        const Slot& sl = slots_[s];
        if (sl.idx == kEmpty) return s;
        if (sl.hash == hash && flows_[sl.idx].key == key) return s;
    }
}

Flow* FlowTable::find(const FlowKey& key, uint32_t hash) {
    const Slot& sl = slots_[find_slot(key, hash)];
    return sl.idx == kEmpty ? nullptr : &flows_[sl.idx];
}

Flow* FlowTable::find_or_create(const FlowKey& key, uint32_t hash, bool* created) {
    Slot& sl = slots_[find_slot(key, hash)];
    if (sl.idx != kEmpty) {
        *created = false;
        return &flows_[sl.idx];
    }
    if (free_.empty()) return nullptr;
    uint32_t idx = free_.back();
    free_.pop_back();
    sl.hash = hash;
    sl.idx = idx;
    ++used_;
    Flow& f = flows_[idx];
    f = Flow{};
    f.key = key;
    f.hash = hash;
    *created = true;
    return &f;
}

void FlowTable::remove(uint32_t idx) {
    Flow& f = flows_[idx];
    uint32_t s = find_slot(f.key, f.hash);
    if (slots_[s].idx != idx) return;  // not in the index: nothing to do
    wheel_.cancel(idx);
    // Backward-shift deletion: pull later members of the probe run into the hole.
    uint32_t hole = s;
    for (uint32_t j = (s + 1) & mask_; slots_[j].idx != kEmpty; j = (j + 1) & mask_) {
        uint32_t home = slots_[j].hash & mask_;
        // Move j into the hole when its home is not in (hole, j] cyclically.
        bool home_in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!home_in_range) {
            slots_[hole] = slots_[j];
            hole = j;
        }
    }
    slots_[hole] = Slot{};
    free_.push_back(idx);
    --used_;
}

}  // namespace cs
