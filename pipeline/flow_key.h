// FlowKey: the 5-tuple of a flow in canonical order (lower endpoint first), and
// the symmetric hash that sends both directions of a connection to one worker.
#pragma once
#include <cstdint>

#include "pipeline/packet_view.h"

namespace cs {

struct FlowKey {
    IpAddr lo_ip, hi_ip;       // canonical order: (ip, port) of lo <= hi
    uint16_t lo_port = 0, hi_port = 0;
    uint8_t proto = 0;
    uint8_t pad[3] = {};        // keeps memcmp/hash well defined

    friend bool operator==(const FlowKey& a, const FlowKey& b) {
        return a.lo_ip == b.lo_ip && a.hi_ip == b.hi_ip && a.lo_port == b.lo_port && a.hi_port == b.hi_port &&
               a.proto == b.proto;
    }
};

// Builds the canonical key; `*from_lo` tells whether the packet's source is the lo endpoint.
FlowKey flow_key_of(const PacketView& v, bool* from_lo);

// The canonical address pair alone (ports zero, protocol UDP): what every
// fragment of a datagram shares with its first fragment.
FlowKey address_pair_key_of(const PacketView& v);

// The same value for both directions of a flow.
uint32_t flow_hash(const FlowKey& k);

}  // namespace cs
