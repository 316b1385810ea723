// tcp_tracker: the story of one TCP connection as the wire tells it, in a plain
// struct updated packet by packet: handshake state, SYN retransmissions with
// their times, the answer (SYN-ACK or RST) and its latency, FIN/RST with who
// sent them, RTT from the handshake, and per direction the IP TTL, IP-ID and TCP
// timestamp clock (so a reset can later be checked against its claimed sender).
// Pure: no allocation, no clock; time comes from the packets.
#pragma once
#include <cstdint>

#include "pipeline/packet_view.h"

namespace cs {

enum class TcpState : uint8_t {
    kSynSent,      // SYN(s) seen, no answer yet
    kSynAckSeen,   // SYN-ACK seen, third ACK not yet
    kEstablished,  // handshake complete (or picked up mid-connection)
    kRejected,     // the SYN was answered by RST from the server side
    kReset,        // RST after the handshake started
    kFinished,     // FIN seen from both sides
};
const char* tcp_state_name(TcpState s);

// What one side of the connection has shown of itself (resets excluded).
struct TcpSideFacts {
    uint32_t isn = 0;
    bool isn_seen = false;
    uint32_t packets = 0;
    uint64_t payload_bytes = 0;
    uint8_t ttl_first = 0, ttl_min = 255, ttl_max = 0;
    uint16_t ip_id_last = 0;
    uint64_t ip_id_last_ns = 0;
    bool ts_seen = false;           // TCP timestamp option in use
    uint32_t tsval_first = 0, tsval_last = 0;
    uint64_t tsval_first_ns = 0, tsval_last_ns = 0;
    uint16_t mss = 0;               // from its SYN / SYN-ACK
    uint8_t wscale = 0;
    bool sack_perm = false;
    uint16_t syn_window = 0;
    bool fin_seen = false;
    uint64_t fin_ns = 0;
    uint32_t fin_frame = 0;
};

// One reset, described well enough to judge whether it fits its claimed sender.
struct TcpResetFacts {
    uint64_t ns = 0;
    uint32_t frame = 0;
    uint8_t from = 0;               // TcpConnection::kClient or kServer
    uint8_t ttl = 0;
    uint16_t ip_id = 0;
    uint16_t window = 0;
    uint32_t seq = 0, ack = 0;
    bool has_ack = false;
    bool ack_is_isn_plus_1 = false; // the classic answer to a SYN: RST/ACK ack = ISN+1
    uint8_t option_count = 0;
    bool has_ts = false;
    uint32_t tsval = 0;
};

struct TcpConnection {
    static constexpr uint8_t kClient = 0, kServer = 1;
    static constexpr int kMaxSynRecorded = 8;

    TcpState state = TcpState::kSynSent;
    bool midstream = false;         // first packet was not a SYN
    uint64_t first_ns = 0, last_ns = 0;
    uint32_t first_frame = 0, last_frame = 0;
    TcpSideFacts side[2];

    // SYNs from the client (the first and its retransmissions, same ISN).
    uint8_t syn_count = 0;
    uint64_t syn_ns[kMaxSynRecorded] = {};
    uint32_t syn_frame[kMaxSynRecorded] = {};
    uint8_t syn_ttl = 0;

    uint8_t synack_count = 0;
    uint64_t synack_ns = 0;         // first SYN-ACK
    uint32_t synack_frame = 0;
    uint64_t handshake_done_ns = 0; // the client's ACK of the SYN-ACK
    int64_t rtt_server_ns = -1;     // last SYN -> SYN-ACK (vantage to server and back)
    int64_t rtt_client_ns = -1;     // SYN-ACK -> ACK (vantage to client and back)

    bool rst_seen = false;
    TcpResetFacts rst;              // the first reset
    uint8_t rst_count = 0;

    uint8_t fin_first_from = 0xff;  // who closed first
};

// What a packet changed, for the diagnosis to act on at once.
enum class TcpChange : uint8_t {
    kNone,
    kNewConnection,   // a SYN with a new ISN on a flow that had a finished story: start over
    kSynRetransmit,
    kAnswered,        // first SYN-ACK
    kEstablished,
    kRejected,        // RST answering the SYN: decided now
    kReset,
    kFin,
};

// Starts a connection from its first packet. `from_client` is decided by the
// caller (the SYN's sender; mid-stream, the side talking to the lower port).
void tcp_start(TcpConnection& c, const PacketView& v);
// Updates the story with one more packet of the same flow.
TcpChange tcp_update(TcpConnection& c, const PacketView& v, bool from_client);

// Mid-stream pick-up heuristic: is this first packet's sender the client?
bool tcp_first_packet_from_client(const PacketView& v);

}  // namespace cs
