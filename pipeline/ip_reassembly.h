// ip_reassembly: IPv4 and IPv6 fragments of UDP datagrams (SIP requests larger
// than the MTU) put back together, one IpReassembler per worker, in a table of
// slots allocated at construction. Overlapping, oversize and stale datagrams
// are dropped and counted.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "pipeline/packet_view.h"

namespace cs {

// Why a fragment was not kept. "Kills" marks reasons that drop the whole
// datagram: its held fragments are freed and its later ones dropped
// (kAfterDrop) until its timeout, so they cannot start it again.
enum class FragDrop : uint8_t {
    kOverlap,           // covers held bytes other than as an identical copy (RFC 5722; IPv4 alike). Kills
    kTooLarge,          // reaches past the datagram limit. Kills
    kBadOffset,         // empty; ends past 65535; a non-last one not a multiple of 8 bytes;
                        // a first one shorter than the UDP header
    kEndConflict,       // a last fragment with another end than the known one, or data past it. Kills
    kTooManyFragments,  // more than kMaxPieces pieces. Kills
    kTableFull,         // no free slot for a new datagram
    kUnreadable,        // the fragment's data is not all in the buffer decode saw (frag_data null)
    kBadUdpLength,      // complete, but the UDP length is not the datagram's length
    kAfterDrop,         // belongs to a datagram already dropped
    kCount,
};
const char* frag_drop_name(FragDrop d);

// Per reassembler (so per worker), cumulative. Every UDP fragment fed is
// counted once in held, duplicates, completed or drops; `fragments` is their sum.
struct IpReassemblyCounters {
    uint64_t fragments = 0;       // UDP fragments fed
    uint64_t held = 0;            // kept, waiting for more
    uint64_t duplicates = 0;      // identical copies of a held fragment: ignored
    uint64_t completed = 0;       // fragments that completed a datagram (= datagrams handed back)
    uint64_t drops[size_t(FragDrop::kCount)] = {};  // by reason
    uint64_t timed_out = 0;       // datagrams still incomplete at their timeout
    uint64_t other_protocol = 0;  // fragments not of UDP: left as decode gave them
};

struct IpReassemblyLimits {
    uint32_t slots = 64;                  // datagrams reassembled at once
    uint32_t max_datagram_bytes = 16384;  // UDP header + data; at most 65535
    // From a datagram's first fragment on packet time; Linux's ipfrag_time.
    uint64_t timeout_ns = 30'000'000'000ull;
};

// A datagram is keyed by (vantage, IP version, src, dst, fragment id). Only
// UDP fragments enter the table, so the protocol of RFC 791's key is always
// UDP and a fragment of another protocol never joins a UDP datagram. Fragments
// may come in any order and more than once. Memory is fixed at construction:
// slots x (max_datagram_bytes + bookkeeping); nothing is allocated afterwards.
class IpReassembler {
public:
    enum class Result : uint8_t {
        kNotFragment,    // a whole datagram (also an IPv6 atomic fragment, RFC 6946): use the view as it is
        kOtherProtocol,  // a fragment, not of UDP: not reassembled, use the view as decode gave it
        kHeld,           // kept (or an identical copy of one kept): nothing to deliver yet
        kComplete,       // `datagram` holds the whole UDP datagram
        kDropped,        // counted in drops[] by reason
    };
    static constexpr uint32_t kMaxPieces = 64;  // a 64 KiB datagram at the IPv6 minimum MTU takes 54

    explicit IpReassembler(const IpReassemblyLimits& limits = {});
    IpReassembler(const IpReassembler&) = delete;
    IpReassembler& operator=(const IpReassembler&) = delete;

    // Feed every view decode gave kOk or kFragment. On kComplete, `datagram`
    // is a copy of the first fragment's view (fragment stays true) with ts_ns
    // and frame of the fragment that completed it (as Wireshark shows
    // "reassembled in"), more_fragments false, frag_offset 0, sport/dport from
    // the reassembled UDP header, frag_data/frag_len the whole UDP datagram
    // and payload/payload_len/payload_wire_len its data, pointing into this
    // reassembler: valid until the next feed() or expire(). The UDP length
    // equals the datagram's; the checksum is not verified. `datagram` is not
    // touched otherwise. A fragment whose datagram outlived the timeout at
    // its own time starts afresh (the old one counts as timed out), so the
    // verdicts do not depend on how often expire() is called.
    Result feed(const PacketView& v, PacketView& datagram);

    // Frees every datagram whose first fragment is timeout_ns or more before
    // `now_ns` (packet time); incomplete ones count as timed out. Returns how
    // many slots it freed. expire(UINT64_MAX) at the end of a capture.
    uint32_t expire(uint64_t now_ns);

    uint32_t slots_in_use() const { return in_use_; }
    size_t memory_bytes() const;
    const IpReassemblyLimits& limits() const { return limits_; }
    const IpReassemblyCounters& counters() const { return ctr_; }

private:
    struct Piece {
        uint32_t begin, end;  // bytes [begin, end) of the datagram
    };
    struct Slot {
        enum State : uint8_t { kFree, kOpen, kDead };
        State state = kFree;
        uint8_t ip_version = 0;
        uint16_t vantage = 0;
        uint32_t id = 0;
        IpAddr src, dst;
        uint64_t first_ns = 0;  // packet time of the first fragment to arrive
        uint32_t total = 0;     // datagram length, once the last fragment came; 0 before
        uint32_t received = 0;  // bytes held (pieces never overlap)
        uint32_t max_end = 0;
        uint32_t pieces = 0;
        PacketView first;       // the offset-0 fragment's view (its pointers are stale once held)
        Piece piece[kMaxPieces];  // sorted by begin
    };

    Slot* find(const PacketView& v);
    Slot* open(const PacketView& v);
    bool stale(const Slot& s, uint64_t now_ns) const;
    void release(Slot& s);
    Result drop(FragDrop why);
    Result kill(Slot& s, FragDrop why);
    Result complete(Slot& s, const PacketView& last, PacketView& datagram);
    uint8_t* buffer(const Slot& s) { return data_.get() + size_t(&s - slots_.get()) * limits_.max_datagram_bytes; }

    IpReassemblyLimits limits_;
    std::unique_ptr<Slot[]> slots_;
    std::unique_ptr<uint8_t[]> data_;
    uint32_t in_use_ = 0;
    IpReassemblyCounters ctr_;
};

}  // namespace cs
