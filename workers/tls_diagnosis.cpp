#include "workers/tls_diagnosis.h"

#include <fmt/format.h>

namespace cs {

namespace {

TlsDir other(TlsDir d) { return d == TlsDir::kClient ? TlsDir::kServer : TlsDir::kClient; }

bool has_label(const TlsDiagnosisInput& in, const MatchSet& m, const std::optional<uint16_t>& label) {
    return in.rules && label && in.rules->has_label(m, *label);
}

// The alerts an endpoint sends when it refuses the peer's certificate.
bool is_cert_refusal(uint8_t desc) { return desc == 42 || desc == 45 || desc == 46 || desc == 48; }

// Who ended the connection: the reset's sender, else the first FIN.
void note_close(const TcpConnection& tcp, TlsVerdict& v) {
    if (tcp.rst_seen) {
        v.closed_by_known = true;
        v.closed_by = TlsDir(tcp.rst.from);
        v.by_reset = true;
    } else if (tcp.fin_first_from != 0xff) {
        v.closed_by_known = true;
        v.closed_by = TlsDir(tcp.fin_first_from);
    }
}

const char* side_word(const TlsDiagnosisInput& in, TlsDir d) { return d == in.onprem ? "on-prem" : "cloud"; }

// A fatal alert in clear, before its sender's ChangeCipherSpec.
std::optional<TlsVerdict> diagnose_alert(const TlsDiagnosisInput& in, TlsVerdict v) {
    const TlsFacts& f = *in.facts;
    const TlsAlertFacts& a = f.alert;
    const TlsDir cloud = other(in.onprem);
    const TlsSideFacts& cloud_side = f.of(cloud);
    const TlsSideFacts& onprem_side = f.of(in.onprem);
    const char* desc = tls_alert_description_name(a.description);
    if (a.from == in.onprem && cloud_side.certificate.seen() && is_cert_refusal(a.description)) {
        if (cloud_side.chain_checked && !leaf_has_expected_identity(cloud_side, *in.settings)) {
            v.code = FailureCode::kTlsCloudIdentityMissing;
            v.detail = fmt::format("on-prem refused the cloud's certificate ({}), which carries none of the expected "
                                   "identities", desc);
        } else {
            v.code = FailureCode::kTlsUntrustedCloudCa;
            v.detail = fmt::format("on-prem answered the cloud's Certificate with a fatal {} alert", desc);
        }
        return v;
    }
    if (a.from == cloud && onprem_side.certificate.seen() && is_cert_refusal(a.description)) {
        const ChainReport& ch = onprem_side.chain;
        const bool leaf_self_signed = !ch.certs.empty() && ch.certs.front().ok() && ch.certs.front().self_signed;
        if (leaf_is_default_cert(onprem_side, in)) {
            v.code = FailureCode::kTlsDefaultCert;
            v.detail = fmt::format("the cloud refused ({}) the on-prem default certificate", desc);
        } else if (ch.presented == 1 && !leaf_self_signed) {
            v.code = FailureCode::kTlsIncompleteChain;
            v.detail = fmt::format("the cloud refused ({}) an on-prem chain of one certificate that is not self-signed",
                                   desc);
        } else if (ch.complete()) {
            v.code = FailureCode::kTlsCertRejectedByCloud;
            v.detail = fmt::format("the cloud refused ({}) a complete on-prem chain of {} certificates", desc,
                                   ch.presented);
        } else {
            v.code = FailureCode::kTlsIncompleteChain;
            v.detail = fmt::format("the cloud refused ({}) an on-prem chain that does not reach a root", desc);
        }
        return v;
    }
    v.code = FailureCode::kTlsHandshakeAlert;
    v.detail = fmt::format("{} sent a fatal {} alert during the handshake", side_word(in, a.from), desc);
    return v;
}

std::optional<TlsVerdict> diagnose_tls13(const TlsDiagnosisInput& in, TlsVerdict v) {
    const TlsFacts& f = *in.facts;
    const TlsSideFacts &c = f.of(TlsDir::kClient), &s = f.of(TlsDir::kServer);
    // After ServerHello the server's flight and the client's Finished flight
    // are encrypted; data flows when both have sent more than their flight.
    const bool flowing = f.tls13_server_answered;
    if (in.moment == TlsMoment::kAppData || (flowing && in.moment != TlsMoment::kClosed)) {
        v.code = FailureCode::kTlsOk;
        return v;
    }
    if (in.moment != TlsMoment::kClosed) return std::nullopt;
    if (flowing) {
        v.code = FailureCode::kTlsOk;
        return v;
    }
    v.code = FailureCode::kTls13HandshakeFailed;
    const char* flight = f.tls13_alert_after_client ? "the client's Finished flight, answered by an alert-sized record"
                         : c.encrypted_records ? "the client's Finished flight"
                         : s.encrypted_records ? "the server's encrypted flight"
                         : f.of(TlsDir::kServer).hello.seen() ? "ServerHello"
                                                              : "ClientHello";
    v.detail = v.closed_by_known
                   ? fmt::format("{} closed the TLS 1.3 connection ({}) after {}, before application data; the cause "
                                 "is encrypted",
                                 side_word(in, v.closed_by), v.by_reset ? "reset" : "FIN", flight)
                   : fmt::format("the TLS 1.3 connection ended after {}, before application data", flight);
    return v;
}

}  // namespace

bool leaf_has_expected_identity(const TlsSideFacts& s, const TlsSettings& settings) {
    if (s.chain.certs.empty() || !s.chain.certs.front().ok()) return false;
    for (const auto& id : settings.expected_identities)
        if (matches_identity(s.chain.certs.front(), id)) return true;
    return false;
}

bool leaf_has_verified_domain(const TlsSideFacts& s, const TlsSettings& settings) {
    if (s.chain.certs.empty() || !s.chain.certs.front().ok()) return false;
    for (const auto& san : s.chain.certs.front().san_dns)
        for (const auto& domain : settings.verified_domains) {
            // The domain itself, or a name under it.
            if (san.size() == domain.size() && dns_name_matches(san, domain)) return true;
            if (san.size() > domain.size() + 1 && san[san.size() - domain.size() - 1] == '.' &&
                dns_name_matches(san.substr(san.size() - domain.size()), domain))
                return true;
        }
    return false;
}

bool leaf_is_default_cert(const TlsSideFacts& s, const TlsDiagnosisInput& in) {
    if (s.chain.certs.empty() || !s.chain.certs.front().ok()) return false;
    const bool looks_default = s.chain.certs.front().self_signed || has_label(in, s.leaf_tags, in.labels.default_cert);
    // A self-signed certificate that names a verified domain was put there on purpose.
    return looks_default && !leaf_has_verified_domain(s, *in.settings);
}

std::optional<TlsVerdict> diagnose_tls(const TlsDiagnosisInput& in) {
    const TlsFacts& f = *in.facts;
    const TcpConnection& tcp = *in.tcp;
    TlsVerdict v;
    v.onprem = in.onprem;
    note_close(tcp, v);
    if (!f.of(TlsDir::kClient).hello.seen() && !f.of(TlsDir::kServer).hello.seen() && !f.alert_seen) {
        // Picked up after the handshake, or not a handshake at all: nothing to judge.
        return std::nullopt;
    }
    if (f.session && f.session->tls13) return diagnose_tls13(in, v);

    if (f.alert_seen && f.alert.level == 2 && f.alert.before_sender_ccs) return diagnose_alert(in, v);

    const TlsDir cloud = other(in.onprem);
    const bool data = f.side[0].app_records > 0 || f.side[1].app_records > 0;
    if (f.handshake_complete() && data) {
        if (in.moment == TlsMoment::kClosed || in.moment == TlsMoment::kAppData || in.moment == TlsMoment::kEndOfCapture) {
            v.code = leaf_is_default_cert(f.of(in.onprem), in) ? FailureCode::kTlsDefaultCertPresent : FailureCode::kTlsOk;
            return v;
        }
    }
    if (in.moment == TlsMoment::kAppData) return std::nullopt;

    if (f.handshake_complete() && !data) {
        if (in.moment != TlsMoment::kClosed) return std::nullopt;
        if (v.closed_by_known && v.closed_by == in.onprem) {
            const bool expected = leaf_has_expected_identity(f.of(cloud), *in.settings);
            v.code = expected ? FailureCode::kTlsIdentityRejected : FailureCode::kTlsCloudIdentityMissing;
            v.detail = fmt::format("on-prem closed ({}) right after a complete handshake, before any application data; "
                                   "the cloud certificate {} the expected identity",
                                   v.by_reset ? "reset" : "FIN", expected ? "carries" : "lacks");
            return v;
        }
        // The cloud's connectivity test completes a handshake and leaves: healthy.
        v.code = leaf_is_default_cert(f.of(in.onprem), in) ? FailureCode::kTlsDefaultCertPresent : FailureCode::kTlsOk;
        return v;
    }

    // The handshake did not complete.
    if (in.moment == TlsMoment::kStalled) {
        v.code = FailureCode::kTlsHandshakeStalled;
        v.detail = "the handshake made no progress within the timeout";
        return v;
    }
    if (in.moment != TlsMoment::kClosed) return std::nullopt;
    if (tcp.rst_seen) {
        v.reset = judge_reset(tcp);
        v.reset_judged = true;
        if (v.reset.forged()) {
            v.code = FailureCode::kTlsMidpathReset;
            v.detail = fmt::format("the handshake was torn down with no alert by a reset that claims to come from {} "
                                   "but does not fit it",
                                   side_word(in, TlsDir(tcp.rst.from)));
            return v;
        }
    }
    v.code = FailureCode::kTlsHandshakeAlert;
    v.detail = v.closed_by_known ? fmt::format("{} ended the handshake ({}) without an alert",
                                               side_word(in, v.closed_by), v.by_reset ? "reset" : "FIN")
                                 : "the handshake ended without an alert";
    return v;
}

}  // namespace cs
