// tls_diagnosis: policy over one TLS connection's facts (TlsFacts) and TCP
// story: which catalog failure it is, if any, decided the way a TAC engineer
// reads a handshake: who sent the alert or the reset, after whose Certificate,
// and what that certificate chain looks like. Pure: no I/O, no clock.
#pragma once
#include <optional>

#include "pipeline/config.h"
#include "pipeline/tcp_tracker.h"
#include "signatures/failure_catalog.h"
#include "workers/reset_fit.h"
#include "workers/tls_facts.h"

namespace cs {

// Why the diagnosis is asked now.
enum class TlsMoment : uint8_t {
    kClosed,        // a RST, or FINs: the connection's story has ended
    kAppData,       // application data flows: the handshake is done
    kStalled,       // no handshake progress for tls.handshake_timeout_s
    kEndOfCapture,  // the input ended with the connection still open
};

// Identity labels of the rules file (RuleSet::find_label), looked up once.
struct TlsLabels {
    std::optional<uint16_t> cloud_identity, expected_identity, default_cert;
};

struct TlsDiagnosisInput {
    const TlsFacts* facts = nullptr;
    const TcpConnection* tcp = nullptr;
    const TlsSettings* settings = nullptr;
    const RuleSet* rules = nullptr;
    TlsLabels labels;
    TlsDir onprem = TlsDir::kServer;  // which TLS side is the Expressway-E
    TlsMoment moment = TlsMoment::kClosed;
};

struct TlsVerdict {
    FailureCode code = FailureCode::kNone;
    TlsDir onprem = TlsDir::kServer;
    bool closed_by_known = false;
    TlsDir closed_by = TlsDir::kClient;  // who sent the RST or the first FIN
    bool by_reset = false;
    bool reset_judged = false;
    ResetFit reset;                      // when a reset was judged
    std::string detail;                  // one sentence: what decided it
};

// The verdict, or nullopt when nothing is decided yet (or nothing to say:
// not a TLS handshake at all).
std::optional<TlsVerdict> diagnose_tls(const TlsDiagnosisInput& in);

// Does this side's leaf certificate carry one of the expected identities
// (tls.expected_identities, RFC 6125 matching)?
bool leaf_has_expected_identity(const TlsSideFacts& s, const TlsSettings& settings);
// Does a SAN of this side's leaf lie in one of the organisation's verified domains?
bool leaf_has_verified_domain(const TlsSideFacts& s, const TlsSettings& settings);
// Is this side's leaf the Expressway default certificate (self-signed, or a
// "Temporary Certificate"/"Temporary CA" marker from the rules) with no SAN in
// a verified domain?
bool leaf_is_default_cert(const TlsSideFacts& s, const TlsDiagnosisInput& in);

}  // namespace cs
