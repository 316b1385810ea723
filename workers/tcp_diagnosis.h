// tcp_diagnosis: policy over a connection's story (pipeline/tcp_tracker). It
// decides when a TCP connection has failed in a way the catalog names
// (TCP_SYN_UNANSWERED, TCP_PORT_REJECTED), when to look at a flow again, and
// fills the ConnFact the event is built from. No I/O, no clock but packet time.
#pragma once
#include <cstdint>

#include "pipeline/config.h"
#include "workers/conn_fact.h"
#include "workers/flow_table.h"

namespace cs {

Direction direction_of(const Config& cfg, const IpAddr& client, const IpAddr& server);

// Client and server endpoints of a flow, from its canonical key.
struct Endpoints {
    IpAddr client_ip, server_ip;
    uint16_t client_port, server_port;
};
Endpoints endpoints_of(const Flow& f);

// Writes who talked to whom, where it was seen and which way it went into a
// record with the ConnFact field names (ConnFact, TlsIncident).
template <class Record>
void stamp_endpoints(const Config& cfg, const Flow& f, Record& out) {
    const Endpoints e = endpoints_of(f);
    out.client_ip = e.client_ip;
    out.server_ip = e.server_ip;
    out.client_port = e.client_port;
    out.server_port = e.server_port;
    out.direction = direction_of(cfg, e.client_ip, e.server_ip);
    out.vantage = f.vantage;
}

// A packet just changed the story (tcp_update's answer): is there a verdict now?
bool tcp_verdict_on_change(const Config& cfg, const Flow& f, TcpChange change, ConnFact* out);

// The flow's check time `when` has come (packet time), or the capture ended
// (end_of_capture): is there a verdict now?
bool tcp_verdict_on_check(const Config& cfg, const Flow& f, uint64_t now_ns, bool end_of_capture, ConnFact* out);

// When the flow should be looked at next, after its last packet or verdict:
// the SYN timeout while unanswered, else the idle or closed timeout.
uint64_t tcp_next_check(const Config& cfg, const Flow& f);

// Whether a flow whose check time came can be forgotten.
bool tcp_flow_expired(const Config& cfg, const Flow& f, uint64_t now_ns);

}  // namespace cs
