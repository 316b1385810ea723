// TlsIncident: one TLS connection's verdict with everything its event shows
// (facts with both chains, the TCP story, endpoints). A worker makes it when it
// decides (once per connection, never per packet) and hands it to the
// publisher by pointer; the publisher folds, renders and deletes it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/tcp_tracker.h"
#include "workers/conn_fact.h"
#include "workers/tls_diagnosis.h"
#include "workers/tls_facts.h"

namespace cs {

struct TlsIncident {
    TlsVerdict verdict;
    TlsFacts facts;            // facts.session points at `session` below
    TlsSession session;
    TcpConnection tcp;
    IpAddr client_ip, server_ip;
    uint16_t client_port = 0, server_port = 0;
    Direction direction = Direction::kUnknown;
    uint16_t vantage = 0;
    uint64_t decided_ns = 0;
    // Set by vantage pairing: the other vantage whose view proved the reset forged.
    int32_t paired_vantage = -1;
    std::vector<std::string> paired_evidence;

    TlsIncident() = default;
    TlsIncident(const TlsIncident&) = delete;
    TlsIncident& operator=(const TlsIncident&) = delete;
    const IpAddr& onprem_ip() const { return verdict.onprem == TlsDir::kClient ? client_ip : server_ip; }
};

}  // namespace cs
