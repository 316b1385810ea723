#include "pipeline/ip_reassembly.h"

#include <algorithm>
#include <cstring>

namespace cs {

namespace {

constexpr uint8_t kUdpProtocol = 17;
constexpr uint32_t kUdpHeader = 8;
constexpr uint32_t kMaxIpPayload = 65535;

}  // namespace

const char* frag_drop_name(FragDrop d) {
    switch (d) {
    case FragDrop::kOverlap: return "overlap";
    case FragDrop::kTooLarge: return "too_large";
    case FragDrop::kBadOffset: return "bad_offset";
    case FragDrop::kEndConflict: return "end_conflict";
    case FragDrop::kTooManyFragments: return "too_many_fragments";
    case FragDrop::kTableFull: return "table_full";
    case FragDrop::kUnreadable: return "unreadable";
    case FragDrop::kBadUdpLength: return "bad_udp_length";
    case FragDrop::kAfterDrop: return "after_drop";
    case FragDrop::kCount: break;
    }
    return "unknown";
}

IpReassembler::IpReassembler(const IpReassemblyLimits& limits) : limits_(limits) {
    limits_.slots = std::max<uint32_t>(limits_.slots, 1);
    limits_.max_datagram_bytes = std::clamp<uint32_t>(limits_.max_datagram_bytes, kUdpHeader, kMaxIpPayload);
    // Value-initialised: the pages are touched now, not on the packet path.
    slots_ = std::make_unique<Slot[]>(limits_.slots);
    data_ = std::make_unique<uint8_t[]>(size_t(limits_.slots) * limits_.max_datagram_bytes);
}

size_t IpReassembler::memory_bytes() const {
    return size_t(limits_.slots) * (sizeof(Slot) + limits_.max_datagram_bytes);
}

// Linear search: fragments are rare on a SIP span port and the table is small;
// it stops once every slot in use was compared.
IpReassembler::Slot* IpReassembler::find(const PacketView& v) {
    for (uint32_t i = 0, seen = 0; i < limits_.slots && seen < in_use_; ++i) {
        Slot& s = slots_[i];
        if (s.state == Slot::kFree) continue;
        ++seen;
        if (s.id == v.frag_id && s.vantage == v.vantage && s.ip_version == v.ip_version && s.src == v.src &&
            s.dst == v.dst)
            return &s;
    }
    return nullptr;
}

IpReassembler::Slot* IpReassembler::open(const PacketView& v) {
    if (in_use_ == limits_.slots) expire(v.ts_ns);
    for (uint32_t i = 0; i < limits_.slots; ++i) {
        Slot& s = slots_[i];
        if (s.state != Slot::kFree) continue;
        s.state = Slot::kOpen;
        s.ip_version = v.ip_version;
        s.vantage = v.vantage;
        s.id = v.frag_id;
        s.src = v.src;
        s.dst = v.dst;
        s.first_ns = v.ts_ns;
        s.total = s.received = s.max_end = s.pieces = 0;
        ++in_use_;
        return &s;
    }
    return nullptr;
}

bool IpReassembler::stale(const Slot& s, uint64_t now_ns) const {
    // Packet time may step back (several inputs): a datagram is never stale before its first fragment.
    return now_ns >= s.first_ns && now_ns - s.first_ns >= limits_.timeout_ns;
}

void IpReassembler::release(Slot& s) {
    if (s.state == Slot::kOpen) ++ctr_.timed_out;
    s.state = Slot::kFree;
    --in_use_;
}

uint32_t IpReassembler::expire(uint64_t now_ns) {
    uint32_t freed = 0;
    for (uint32_t i = 0; i < limits_.slots && in_use_ > 0; ++i) {
        Slot& s = slots_[i];
        if (s.state != Slot::kFree && stale(s, now_ns)) {
            release(s);
            ++freed;
        }
    }
    return freed;
}

IpReassembler::Result IpReassembler::drop(FragDrop why) {
    ++ctr_.drops[size_t(why)];
    return Result::kDropped;
}

// The slot stays, empty, until its timeout: fragments still on their way are
// dropped with it (RFC 5722) instead of starting a datagram that cannot finish.
IpReassembler::Result IpReassembler::kill(Slot& s, FragDrop why) {
    s.state = Slot::kDead;
    s.pieces = 0;
    return drop(why);
}

IpReassembler::Result IpReassembler::feed(const PacketView& v, PacketView& datagram) {
    if (!v.fragment || (v.frag_offset == 0 && !v.more_fragments)) return Result::kNotFragment;
    if (v.frag_proto != kUdpProtocol) {
        ++ctr_.other_protocol;
        return Result::kOtherProtocol;
    }
    ++ctr_.fragments;
    const uint32_t begin = v.frag_offset;
    const uint32_t len = v.frag_len;
    const uint32_t end = begin + len;
    if (len == 0 || end > kMaxIpPayload || (v.more_fragments && len % 8 != 0) || (begin == 0 && len < kUdpHeader))
        return drop(FragDrop::kBadOffset);
    if (v.frag_data == nullptr) return drop(FragDrop::kUnreadable);

    Slot* s = find(v);
    if (s && stale(*s, v.ts_ns)) {
        release(*s);
        s = nullptr;
    }
    if (!s && !(s = open(v))) return drop(FragDrop::kTableFull);
    if (s->state == Slot::kDead) return drop(FragDrop::kAfterDrop);
    if (end > limits_.max_datagram_bytes) return kill(*s, FragDrop::kTooLarge);
    if (s->total != 0 && end > s->total) return kill(*s, FragDrop::kEndConflict);
    if (!v.more_fragments && (s->max_end > end || (s->total != 0 && s->total != end)))
        return kill(*s, FragDrop::kEndConflict);

    uint8_t* buf = buffer(*s);
    Piece* first = s->piece;
    Piece* last = s->piece + s->pieces;
    Piece* at = std::lower_bound(first, last, begin, [](const Piece& p, uint32_t b) { return p.begin < b; });
    if (at != last && at->begin == begin && at->end == end) {
        if (std::memcmp(buf + begin, v.frag_data, len) != 0) return kill(*s, FragDrop::kOverlap);
        ++ctr_.duplicates;
        return Result::kHeld;
    }
    if ((at != first && (at - 1)->end > begin) || (at != last && at->begin < end)) return kill(*s, FragDrop::kOverlap);
    if (s->pieces == kMaxPieces) return kill(*s, FragDrop::kTooManyFragments);

    std::move_backward(at, last, last + 1);
    *at = Piece{begin, end};
    ++s->pieces;
    std::memcpy(buf + begin, v.frag_data, len);
    s->received += len;
    s->max_end = std::max(s->max_end, end);
    if (!v.more_fragments) s->total = end;
    if (begin == 0) s->first = v;
    // Pieces never overlap and all lie below the total, so their sum reaching it means no hole is
    // left (and the offset-0 piece, hence `first`, is there).
    if (s->total != 0 && s->received == s->total) return complete(*s, v, datagram);
    ++ctr_.held;
    return Result::kHeld;
}

IpReassembler::Result IpReassembler::complete(Slot& s, const PacketView& last, PacketView& datagram) {
    const uint8_t* buf = buffer(s);
    const uint32_t ulen = uint32_t(buf[4]) << 8 | buf[5];
    // Its buffer stays as it is until open() hands the slot out again, in a later feed().
    s.state = Slot::kFree;
    --in_use_;
    if (ulen != s.total) return drop(FragDrop::kBadUdpLength);

    datagram = s.first;
    datagram.ts_ns = last.ts_ns;
    datagram.frame = last.frame;
    datagram.more_fragments = false;
    datagram.frag_offset = 0;
    datagram.frag_data = buf;
    datagram.frag_len = uint16_t(s.total);
    datagram.l4_proto = kUdpProtocol;
    datagram.sport = uint16_t(buf[0] << 8 | buf[1]);
    datagram.dport = uint16_t(buf[2] << 8 | buf[3]);
    datagram.payload = buf + kUdpHeader;
    datagram.payload_len = datagram.payload_wire_len = s.total - kUdpHeader;
    ++ctr_.completed;
    return Result::kComplete;
}

}  // namespace cs
