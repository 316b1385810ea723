#include "signatures/failure_catalog.h"

namespace cs {
namespace {

// Texts are the guide's diagnosis in an engineer's words; the guide sections
// are those of the Webex Hybrid Call Service troubleshooting guide (seed 001).
constexpr CatalogEntry kEntries[] = {
    {FailureCode::kNone,
     "NONE",
     0,
     "info",
     "",
     "",
     {},
     {},
     "",
     ""},
    {FailureCode::kTcpSynUnanswered,
     "TCP_SYN_UNANSWERED",
     3,
     "denied",
     "Inbound, Issue 2: Socket Failure: Port 5062 is Blocked Inbound to Expressway",
     "Outbound, Issue 2: Port 5062 is blocked outbound to Cisco Webex",
     {"firewall ACL drops the SYN before the Expressway-E", "NAT or routing sends the SYN nowhere", "upstream device drops it (then nothing at all would be seen here)"},
     {"a firewall, IPS or other intermediary drops the SYN or its answer", "the target does not answer on this port", "wrong port from DNS (5061 instead of 5062: DNS override off)"},
     "Permit TCP 5062 from the Webex signalling ranges to the Expressway-E public address on the firewall "
     "(ACL and NAT), then re-run the Hybrid Connectivity Test in Control Hub.",
     "Permit TCP 5062 from the Expressway-E to the Webex cloud on every firewall and IPS on the path; "
     "capture on the firewall's outside interface to see where the SYN dies."},
    {FailureCode::kTcpPortRejected,
     "TCP_PORT_REJECTED",
     3,
     "denied",
     "Inbound, Issue 3: Socket Failure: Expressway-E is not Listening on Port 5062",
     "Outbound: the Webex target refused the connection",
     {"Mutual TLS mode is Off, or the Mutual TLS port is not 5062 (Configuration > Protocols > SIP)", "an Expressway-E local firewall rule (System > Protection > Firewall rules)", "a firewall rejecting on the Expressway-E's behalf (check the reset's TTL)"},
     {"the target does not listen on this port", "a firewall rejects on the target's behalf", ""},
     "On the Expressway-E: Configuration > Protocols > SIP: set Mutual TLS mode On and Mutual TLS port "
     "5062; check System > Protection > Firewall rules.",
     "Check the SRV target and port the Expressway-E used; the cloud listens on 5062 for mutual TLS."},
    {FailureCode::kTlsUntrustedCloudCa,
     "TLS_UNTRUSTED_CLOUD_CA",
     3,
     "denied",
     "Mutual TLS, Issue 1: Expressway-E does not trust the CA that signed the Cisco Webex certificate",
     "",
     {"the CA chain of the Webex certificate (QuoVadis/IdenTrust roots) is missing from the Expressway-E "
     "trusted CA list", "the cloud changed its issuing CA and the new root is not yet trusted", ""},
     {},
     "Expressway-E: Applications > Cloud Certificate Management > Get certificates (or upload the Webex "
     "root and intermediate CAs to Maintenance > Security > Trusted CA list), then restart the TLS "
     "listeners.",
     "Expressway-E: Applications > Cloud Certificate Management > Get certificates (or upload the Webex "
     "root and intermediate CAs to Maintenance > Security > Trusted CA list)."},
    {FailureCode::kTlsIdentityRejected,
     "TLS_IDENTITY_REJECTED",
     3,
     "denied",
     "Mutual TLS, Issues 2 and 6: TLS verify subject name, or inbound call not mapped to the Webex Hybrid "
     "DNS zone",
     "",
     {"Issue 2: the Webex Hybrid DNS zone's TLS verify subject name is not callservice.ciscospark.com (or "
     "callservice.webex.com)", "Issue 6: the inbound connection is not mapped to the Webex Hybrid DNS zone (TLS verify inbound "
     "mapping Off)", "both look the same on the wire: check the Expressway-E log for the zone that classified the subject "
     "name"},
     {},
     "Expressway-E: Configuration > Zones > the Webex Hybrid DNS zone: TLS verify subject name = "
     "callservice.ciscospark.com (callservice.webex.com on x12.5+), TLS verify inbound mapping = On.",
     ""},
    {FailureCode::kTlsCloudIdentityMissing,
     "TLS_CLOUD_IDENTITY_MISSING",
     3,
     "denied",
     "Mutual TLS, Issue 2 (variant): the cloud certificate lacks the expected identity",
     "",
     {"the peer is not the Webex call service (wrong SRV target or a middlebox presenting its own "
     "certificate)", "the cloud's certificate changed and no longer carries callservice.ciscospark.com / "
     "callservice.webex.com", ""},
     {},
     "Check which host presented this certificate (SRV targets, a TLS-inspecting firewall); the Webex leaf "
     "carries callservice.ciscospark.com in its SANs.",
     ""},
    {FailureCode::kTlsIncompleteChain,
     "TLS_INCOMPLETE_CHAIN",
     3,
     "denied",
     "Mutual TLS, Issue 3: Expressway-E does not send the full certificate chain to Cisco Webex",
     "",
     {"the intermediate (and root) certificates are not in the Expressway-E's server certificate file / "
     "trusted CA list", "", ""},
     {},
     "Expressway-E: upload the intermediate and root CA certificates to Maintenance > Security > Trusted "
     "CA list so the full chain is sent; see the guide's Issue 3.",
     ""},
    {FailureCode::kTlsCertRejectedByCloud,
     "TLS_CERT_REJECTED_BY_CLOUD",
     3,
     "denied",
     "Mutual TLS, Issue 5: Cisco Webex rejects a valid Expressway-E chain (Control Hub certificate "
     "override)",
     "",
     {"a stale Expressway-E certificate uploaded to Control Hub (Services > Call > certificates) overrides "
     "public trust", "the Expressway-E certificate is signed by a CA the Webex cloud does not trust", ""},
     {},
     "Control Hub: Services > Hybrid Call > Expressway-E certificates: remove stale certificates or upload "
     "the current chain; or use a certificate from a CA Webex trusts.",
     ""},
    {FailureCode::kTlsDefaultCert,
     "TLS_DEFAULT_CERT",
     3,
     "denied",
     "Mutual TLS, Issue 7: Expressway-E uses the default self-signed certificate",
     "",
     {"the Expressway-E still presents its factory 'Temporary Certificate'", "", ""},
     {},
     "Expressway-E: Maintenance > Security > Server certificate: install a CA-signed certificate whose "
     "SANs include the organisation's verified domain, with its full chain.",
     ""},
    {FailureCode::kTlsDefaultCertPresent,
     "TLS_DEFAULT_CERT_PRESENT",
     2,
     "info",
     "Mutual TLS, Issue 7: Expressway-E uses the default self-signed certificate",
     "",
     {"the Expressway-E presents its factory 'Temporary Certificate'; the cloud did not refuse it this time", "", ""},
     {},
     "Expressway-E: install a CA-signed server certificate before the cloud starts refusing it.",
     ""},
    {FailureCode::kTlsMidpathReset,
     "TLS_MIDPATH_RESET",
     3,
     "denied",
     "Mutual TLS, Issue 4: the firewall terminates the mutual TLS handshake",
     "",
     {"a firewall or IPS inspecting SIP/TLS (ALG, TLS proxy) tears the connection down and forges the reset", "", ""},
     {},
     "Disable SIP inspection / ALG and TLS proxying for 5061-5062 between the Expressway-E and Webex; "
     "capture on both sides of the firewall to prove which side the reset came from.",
     ""},
    {FailureCode::kFirewallForgedRst,
     "FIREWALL_FORGED_RST",
     4,
     "denied",
     "Mutual TLS, Issue 4: the firewall terminates the mutual TLS handshake (seen from two vantages)",
     "",
     {"the firewall between the two vantages sent the reset on the endpoint's behalf", "", ""},
     {},
     "Disable SIP inspection / ALG and TLS proxying for 5061-5062 on the firewall between the two capture "
     "points.",
     ""},
    {FailureCode::kTlsHandshakeAlert,
     "TLS_HANDSHAKE_ALERT",
     3,
     "denied",
     "",
     "",
     {"see the alert description and who sent it", "", ""},
     {},
     "Check the certificates and TLS settings of the side that aborted the handshake.",
     ""},
    {FailureCode::kTlsHandshakeStalled,
     "TLS_HANDSHAKE_STALLED",
     3,
     "error",
     "",
     "",
     {"the peer stopped answering mid-handshake (overloaded, or a middlebox holding the connection)", "", ""},
     {},
     "Check the side that should have sent the next handshake flight, and any TLS-inspecting device on the "
     "path.",
     ""},
    {FailureCode::kTls13HandshakeFailed,
     "TLS13_HANDSHAKE_FAILED",
     3,
     "error",
     "",
     "",
     {"TLS 1.3 encrypts certificates and alerts: the cause is not visible on the wire", "", ""},
     {},
     "Read the Expressway-E log (Network Log, TLS) for the handshake's outcome; the wire only shows who "
     "closed.",
     ""},
    {FailureCode::kTlsOk,
     "TLS_OK",
     1,
     "allowed",
     "",
     "",
     {},
     {},
     "",
     ""},
};
static_assert(sizeof(kEntries) / sizeof(kEntries[0]) == size_t(FailureCode::kCount));

}  // namespace

const CatalogEntry& catalog_entry(FailureCode code) {
    auto i = size_t(code);
    return kEntries[i < size_t(FailureCode::kCount) ? i : 0];
}

}  // namespace cs
