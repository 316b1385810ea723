// ConnFact: a worker's verdict on one failed connection, with the evidence the
// event needs. Plain and fixed-size: it travels from the worker to the
// publisher through a bounded DPDK ring by value, no pointers, no heap.
#pragma once
#include <cstdint>

#include "pipeline/ip_addr.h"
#include "pipeline/tcp_tracker.h"
#include "signatures/failure_catalog.h"

namespace cs {

enum class Direction : uint8_t { kUnknown = 0, kInbound, kOutbound, kInternal, kExternal };
const char* direction_name(Direction d);

struct alignas(8) ConnFact {
    // kFailure: a failed connection (code says which). kSeen: a connection's
    // view from one vantage at its end, for matching vantages (did this
    // vantage see a reset?) and for knowing which connections are live. kStarted: a TCP
    // connection's first packet (who connected where, when), for joining
    // DNS answers with the connects that follow them.
    enum Kind : uint8_t { kFailure = 0, kSeen = 1, kStarted = 2 };
    uint8_t kind = kFailure;
    FailureCode code = FailureCode::kNone;
    Direction direction = Direction::kUnknown;
    uint16_t vantage = 0;
    uint8_t l4_proto = 6;
    IpAddr client_ip, server_ip;
    uint16_t client_port = 0, server_port = 0;
    uint64_t start_ns = 0;      // first packet of the connection
    uint64_t decided_ns = 0;    // packet time at which the verdict became certain
    uint32_t first_frame = 0;

    // The client's SYNs (first and retransmissions) and its fingerprint.
    uint8_t syn_count = 0;
    uint64_t syn_ns[TcpConnection::kMaxSynRecorded] = {};
    uint32_t syn_frame[TcpConnection::kMaxSynRecorded] = {};
    uint8_t syn_ttl = 0;
    uint16_t syn_window = 0, syn_mss = 0;
    uint8_t syn_wscale = 0;

    // The reset that answered the SYN (TCP_PORT_REJECTED), or (kSeen) the first reset.
    bool rst_seen = false;
    TcpResetFacts rst;

    // kSeen: the last packet of the connection, and of its server side.
    uint64_t last_ns = 0, server_last_ns = 0;
    uint32_t packets = 0;
    bool at_capture_end = false;  // the capture ended with the connection still open
};
static_assert(sizeof(ConnFact) % 4 == 0, "rte_ring element sizes are multiples of 4");

}  // namespace cs
