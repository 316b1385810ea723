// TimerWheel: when to look at each flow again, on packet time. One slot per
// tick (2^24 ns, about 17 ms), 4096 slots; a flow sits in the slot of its check
// time and is looked at when the wheel passes that tick. O(1) per insert and
// per packet (packets never move a flow: its owner recomputes the true deadline
// when the slot fires). Links are indexes into the owner's flow array.
#pragma once
#include <cstdint>
#include <vector>

namespace cs {

struct TimerLink {
    static constexpr uint32_t kNone = 0xffffffffu;
    uint32_t next = kNone, prev = kNone;
    uint64_t tick = 0;      // the tick it is filed under
    bool linked = false;
};

class TimerWheel {
public:
    static constexpr unsigned kTickShift = 24;
    static constexpr uint32_t kSlots = 4096;

    // `links` is the owner's per-flow link array (indexed like its flows).
    explicit TimerWheel(std::vector<TimerLink>& links) : links_(links), heads_(kSlots, TimerLink::kNone) {}

    // Looks at idx again once packet time has passed the tick of when_ns.
    void schedule(uint32_t idx, uint64_t when_ns) {
        if (links_[idx].linked) unlink(idx);
        uint64_t tick = when_ns >> kTickShift;
        if (!started_) {
            cur_tick_ = tick;
            started_ = true;
        }
        if (tick < cur_tick_) tick = cur_tick_;
        TimerLink& l = links_[idx];
        l.tick = tick;
        l.linked = true;
        uint32_t& head = heads_[tick % kSlots];
        l.prev = TimerLink::kNone;
        l.next = head;
        if (head != TimerLink::kNone) links_[head].prev = idx;
        head = idx;
    }

    void cancel(uint32_t idx) {
        if (links_[idx].linked) unlink(idx);
    }

    // Fires fire(idx) for every flow filed under a tick wholly before now's
    // tick. Afterwards every check time before watermark() has fired.
    template <class Fire>
    void advance(uint64_t now_ns, Fire&& fire) {
        const uint64_t target = now_ns >> kTickShift;
        if (!started_) {
            cur_tick_ = target;
            started_ = true;
            return;
        }
        // A jump of more than a whole turn visits each slot once.
        if (target > cur_tick_ + kSlots) cur_tick_ = target - kSlots;
        while (cur_tick_ < target) {
            uint32_t idx = heads_[cur_tick_ % kSlots];
            while (idx != TimerLink::kNone) {
                uint32_t next = links_[idx].next;
                if (links_[idx].tick <= cur_tick_) {
                    unlink(idx);
                    fire(idx);  // may schedule idx again, for a later time
                }
                idx = next;
            }
            ++cur_tick_;
        }
    }

    // Every check time before this has fired.
    uint64_t watermark() const { return cur_tick_ << kTickShift; }

private:
    void unlink(uint32_t idx) {
        TimerLink& l = links_[idx];
        if (l.prev != TimerLink::kNone) links_[l.prev].next = l.next;
        else heads_[l.tick % kSlots] = l.next;
        if (l.next != TimerLink::kNone) links_[l.next].prev = l.prev;
        l.linked = false;
        l.next = l.prev = TimerLink::kNone;
    }

    std::vector<TimerLink>& links_;
    std::vector<uint32_t> heads_;
    uint64_t cur_tick_ = 0;
    bool started_ = false;
};

}  // namespace cs
