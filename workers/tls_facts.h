// TlsFacts: what one TLS connection showed, side by side, with the frame and
// packet time of each message: hellos, both certificate chains (checked), the
// CertificateRequest of mutual TLS, ChangeCipherSpec and Finished per side,
// the first alert and who sent it, application data. Filled by TlsAnalyzer,
// read by tls_diagnosis and the event log. Side index = TlsDir (0 client).
#pragma once
#include <cstdint>

#include "signatures/engine.h"
#include "workers/cert_chain.h"
#include "workers/tls_stream.h"

namespace cs {

// Where in the capture something happened.
struct TlsAt {
    uint32_t frame = 0;  // 0: not seen
    uint64_t ns = 0;
    bool seen() const { return frame != 0; }
};

struct TlsSideFacts {
    TlsAt hello, certificate, key_exchange, certificate_verify, ccs, finished, first_app;
    TlsAt encrypted_alert;           // the first record shaped like an encrypted alert
    TlsAt last_encrypted;            // TLS 1.3: the latest encrypted record
    uint64_t app_bytes = 0;
    uint32_t app_records = 0;
    uint32_t encrypted_records = 0;  // TLS 1.3: records after ServerHello
    bool chain_checked = false;
    ChainReport chain;               // this side's Certificate, checked against its trust set
    MatchSet leaf_tags;              // identity rules matching the leaf's CN, SANs, subject, issuer
};

struct TlsAlertFacts {
    TlsAt at;
    TlsDir from = TlsDir::kClient;
    uint8_t level = 0, description = 0;
    bool encrypted = false;          // type 21 after the sender's CCS (shape only)
    bool before_sender_ccs = true;
};

struct TlsFacts {
    TlsSideFacts side[2];
    TlsAt certificate_request;       // mutual TLS: the server asked for the client's certificate
    bool alert_seen = false;
    TlsAlertFacts alert;             // the first alert (a later fatal one replaces a warning)
    char sni[256] = {};
    MatchSet sni_tags;
    uint64_t last_progress_ns = 0;   // the last handshake message, either side
    // TLS 1.3, where the handshake after ServerHello is encrypted: the client's
    // flight (Certificate, CertificateVerify, Finished) went out, and the server
    // then sent a record that is not alert-sized (NewSessionTicket or data): it
    // accepted the client. An alert-sized answer instead is a refusal.
    bool tls13_client_flight = false;
    bool tls13_server_answered = false;
    bool tls13_alert_after_client = false;
    uint32_t anomalies = 0;
    const TlsSession* session = nullptr;  // version, suite, history

    const TlsSideFacts& of(TlsDir d) const { return side[size_t(d)]; }
    bool handshake_complete() const {
        return side[0].finished.seen() && side[1].finished.seen();
    }
};

}  // namespace cs
