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
    {FailureCode::kSipPreloadedRouteRejected,
     "SIP_PRELOADED_ROUTE_REJECTED",
     3,
     "denied",
     "Inbound, Issue 4: Expressway-E or C does not support preloaded SIP Route headers",
     "",
     {"the zone that received Webex's INVITE has Preloaded SIP routes support Off, so it rejects INVITEs that "
     "carry a Route header (the Unified CM cluster FQDN Webex routes on): typically the Expressway-C traversal "
     "client zone (xConfiguration Zones Zone N TraversalClient SIP PreloadedSipRoutes Accept: \"Off\")",
     "the Expressway-E traversal server zone has it Off (then the Expressway-E itself answers the 404); the "
     "Warning host names the Expressway that rejected the call", ""},
     {},
     "On the zone of the Expressway named by the Warning host (Configuration > Zones > Zones > the Hybrid Call "
     "traversal zone): set Preloaded SIP routes support On, i.e. SIP PreloadedSipRoutes Accept On on the zone "
     "(xConfiguration Zones Zone N TraversalClient SIP PreloadedSipRoutes Accept: On).",
     ""},
    {FailureCode::kSipSearchRuleRejected,
     "SIP_SEARCH_RULE_REJECTED",
     3,
     "denied",
     "Outbound, Issue 3: Expressway search rule misconfiguration",
     "",
     {"a generic search rule (e.g. 'to DNS', priority 100, On successful match Stop) matches the Webex "
     "Request-URI before 'Webex Hybrid - to Webex Cloud' (priority 101), so the call goes to the generic DNS "
     "zone and never towards Webex", "that zone then looks up the Request-URI's own domain "
     "(_sips._tcp.<subdomain>.call.ciscospark.com) instead of callservice.ciscospark.com and fails", ""},
     {},
     "Expressway-E: Configuration > Dial plan > Search rules: give the Webex Hybrid rule (pattern "
     ".*@.*\\.ciscospark\\.com, target the Hybrid Call Services DNS zone) a lower priority number than any "
     "generic DNS rule, e.g. priority 99; the lowest number is tried first.",
     ""},
    {FailureCode::kSipCallPolicyRejected,
     "SIP_CALL_POLICY_REJECTED",
     3,
     "denied",
     "Outbound, Issue 4: Expressway CPL misconfiguration",
     "",
     {"a Call Policy (CPL) rule rejects the call before any search rule runs: the toll-fraud rule has Source and "
     "Destination swapped (Source .*, Destination .*@<subdomain>\\.call\\.ciscospark\\.com.*, Action Reject)",
     "nothing is sent towards Webex for this call: no DNS lookup, no connection", ""},
     {},
     "Expressway-E: Configuration > Call Policy > Rules (Call Policy mode Local CPL): the rule must have Source "
     ".*@<your subdomain>\\.call\\.ciscospark\\.com.* and Destination .* (unauthenticated callers, Action "
     "Reject): swap the CPL source and destination patterns.",
     ""},
    {FailureCode::kSipCodecRejected,
     "SIP_CODEC_REJECTED",
     3,
     "error",
     "Bidirectional, Issue 1: IP Phone/Collaboration Endpoint is offering an audio codec other than G.711, "
     "G.722, or AAC-LD",
     "",
     {"the Unified CM region relationship between the Expressway-C trunk's device pool region and the "
     "phone/Webex-RD region allows only G.729 (e.g. an 8 kbps audio bit rate); Hybrid Call supports G.711, "
     "G.722 and AAC-LD only",
     "Webex answered with the audio stream zeroed (m=audio 0) and Unified CM tore the call down (BYE, Q.850 "
     "cause 47 No resource available); with a Delayed Offer trunk Unified CM rejects Webex's codecs instead", ""},
     {},
     "Unified CM: put the Expressway-C SIP trunk in a device pool whose region allows AAC-LD (or G.722/G.711) "
     "towards the phone and Webex-RD regions (System > Region Information > Region: raise the maximum audio bit "
     "rate, e.g. the RTP-Infrastructure region), then reset the trunk.",
     ""},
    {FailureCode::kSipCodecOfferUnsupported,
     "SIP_CODEC_OFFER_UNSUPPORTED",
     2,
     "info",
     "Bidirectional, Issue 1: IP Phone/Collaboration Endpoint is offering an audio codec other than G.711, "
     "G.722, or AAC-LD",
     "",
     {"the audio offer carries no G.711, G.722 or AAC-LD: the Unified CM region relationship allows only a codec "
     "Webex does not support (G.729); this call got through, a call to Webex with the same offer will not", "", ""},
     {},
     "Unified CM: let the region of the Expressway-C trunk's device pool use AAC-LD (or G.722/G.711) with the "
     "phone and Webex-RD regions (System > Region Information > Region).",
     ""},
    {FailureCode::kSipMessageTooLarge,
     "SIP_MESSAGE_TOO_LARGE",
     3,
     "error",
     "Bidirectional, Issue 2: Unified CM Max Incoming Message Size Exceeded",
     "",
     {"Unified CM's SIP Max Incoming Message Size kept its old low value (5000 bytes) through an upgrade: it "
     "closes the TCP socket on a larger message (an INVITE or Webex's 200 OK with video SDP) without answering",
     "no ACK is ever sent for Webex's 200 OK, so Webex times the dialog out and sends 603 Decline", ""},
     {},
     "Unified CM: System > Service Parameters > Cisco CallManager > Clusterwide Parameters (Device - SIP): set "
     "SIP Max Incoming Message Size to 18000, then restart the affected SIP trunks and devices.",
     ""},
    {FailureCode::kSipDelayedOfferRejected,
     "SIP_DELAYED_OFFER_REJECTED",
     3,
     "error",
     "CMR Hybrid (seed 003): call fails with 500 Internal Server Error from the WebEx cloud",
     "",
     {"the Unified CM SIP trunk towards the Expressway-C sends Delayed Offer (an INVITE without SDP); the WebEx "
     "cloud requires Early Offer and answers 500 \"Invalid content in far end 200 OK\"", "", ""},
     {},
     "Unified CM: Device > Device Settings > SIP Profile (the profile of the trunk to the Expressway-C) > Trunk "
     "Specific Configuration: enable Early Offer support for voice and video calls, then reset the trunk (and the "
     "trunks to TelePresence Conductor / SME where used). Media Termination Point Required on the trunk also "
     "forces Early Offer but is not recommended: the MTP must then support the video codecs.",
     ""},
    {FailureCode::kSipCalltypeStripped,
     "SIP_CALLTYPE_STRIPPED",
     2,
     "change",
     "Inbound, Issue 5: Cisco Webex app is receiving two call notifications (toasts)",
     "",
     {"a zone with SIP parameter preservation Off lets the Expressway B2BUA rewrite the Contact and drop "
     ";call-type=squared (the egress-zone of the stripped copy names the zone: the Expressway-E traversal server "
     "zone, the Expressway-C traversal client zone or the Unified CM neighbor zone)",
     "Webex then cannot recognise and cancel the call the CTI-RD/Webex-RD forks back to it: the user sees two "
     "toasts (the call itself works)", ""},
     {},
     "Expressway: Configuration > Zones > Zones > the zone named as the stripping hop: set SIP parameter "
     "preservation On (xConfiguration Zones Zone N TraversalServer SIP ParameterPreservation Mode: On); check "
     "every zone on the path to Unified CM.",
     ""},
    {FailureCode::kSipNoFinalResponse,
     "SIP_NO_FINAL_RESPONSE",
     3,
     "error",
     "",
     "",
     {"the next hop never answered the INVITE (down, unreachable, or the request or its answers were dropped "
     "on the way)", "it answered only provisionally and then went silent", "the answers took a path this "
     "capture does not see"},
     {},
     "Check the next hop named in the event (its reachability, its logs for this Call-ID) and any firewall or "
     "SIP ALG between the two.",
     ""},
    {FailureCode::kSipCallFailed,
     "SIP_CALL_FAILED",
     3,
     "error",
     "",
     "",
     {"see the status code, the Warning and Reason headers and the Server/User-Agent of the side that answered",
     "", ""},
     {},
     "Check why the side that sent the final response refused the call (its Server/User-Agent and the Warning "
     "agent name it): its logs for this Call-ID.",
     ""},
    {FailureCode::kSipCleartextOnTlsPort,
     "SIP_CLEARTEXT_ON_TLS_PORT",
     2,
     "protocol",
     "",
     "",
     {"a zone or trunk sends SIP over TCP to a port meant for TLS (5061/5062): its transport is TCP where TLS is "
     "expected", "a middlebox (SIP ALG, TLS proxy) decrypts the traffic and forwards it in clear", ""},
     {},
     "Set the transport of the zone or trunk that sent it to TLS (Expressway: Configuration > Zones > Zones > "
     "SIP transport), and disable SIP inspection or TLS interception on the firewalls in between.",
     ""},
    {FailureCode::kCallOk,
     "CALL_OK",
     1,
     "allowed",
     "",
     "",
     {},
     {},
     "",
     ""},
    {FailureCode::kDnsSrvWrongDomain,
     "DNS_SRV_WRONG_DOMAIN",
     3,
     "error",
     "Outbound, Issue 1: Expressway is unable to resolve the callservice.ciscospark.com address (the same lookup "
     "in Outbound, Issue 3: Expressway search rule misconfiguration)",
     "",
     {"the Hybrid Call Services DNS zone has Modify DNS request Off (xConfiguration Zones Zone N DNS SIP "
     "DnsOverride Override: \"Off\"), so it looks up the SRV record of the Request-URI's own domain "
     "(_sips._tcp.<subdomain>.call.ciscospark.com, which points at port 5061) instead of "
     "_sips._tcp.callservice.ciscospark.com (port 5062); the connection to 5061 then fails",
     "a generic search rule (e.g. 'to DNS', priority 100) matches the Webex Request-URI before 'Webex Hybrid - to "
     "Webex Cloud', so a DNS zone without the override looks up the subdomain (the call ends in 404 Not Found)",
     ""},
     {},
     "Expressway-E: Configuration > Zones > Zones > the Hybrid Call Services DNS zone: set Modify DNS request On "
     "and Domain to search for callservice.ciscospark.com; if the Expressway-E has only one DNS zone, add a "
     "separate DNS zone for Hybrid Call Service. Configuration > Dial plan > Search rules: the Webex Hybrid rule "
     "must have a lower priority number than any generic DNS rule.",
     ""},
    {FailureCode::kDnsLookupFailed,
     "DNS_LOOKUP_FAILED",
     3,
     "error",
     "Inbound, Issue 1: Cisco Webex is unable to resolve the Expressway-E DNS SRV/hostname",
     "DNS lookup of a Webex Hybrid Call or Webex Calling name failed",
     {"no public SRV record _sips._tcp.<SIP Destination> (or no A record for its target) for the SIP Destination "
     "configured in Control Hub: Control Hub says \"DNS Lookup failed. Check that a DNS or SRV record exists for "
     "your SIP Destination\"",
     "the authoritative DNS server for that domain does not answer (nslookup: \"DNS request timed out. timeout "
     "was 2 seconds.\")", ""},
     {"the querier's DNS server cannot resolve the name (NXDOMAIN, SERVFAIL, REFUSED or an empty answer): a "
     "misspelt or missing name, or an internal-only resolver",
     "the DNS server does not answer within 2 seconds: unreachable, or UDP/TCP 53 blocked by a firewall on the "
     "way", ""},
     "Publish the SRV record for the SIP Destination, e.g. _sips._tcp.mtls.example.com SRV 1 10 5062 "
     "us-expe1.example.com, and an A record for its target with the Expressway-E's public address; or set the "
     "SIP Destination in Control Hub to that address and port (e.g. 64.102.241.236:5062). Then re-run the "
     "Hybrid Connectivity Test.",
     "Check the querier's DNS servers (Expressway: System > DNS) with nslookup or dig for the name in the "
     "event, permit UDP and TCP 53 to them, and make sure they resolve public names."},
    {FailureCode::kTcpWrongPort5061,
     "TCP_WRONG_PORT_5061",
     3,
     "denied",
     "Outbound, Issue 1: Expressway is unable to resolve the callservice.ciscospark.com address",
     "",
     {"the Hybrid Call Services DNS zone has Modify DNS request Off, so the Expressway-E looked up the SRV record of "
     "the Request-URI's own domain (_sips._tcp.<subdomain>.call.ciscospark.com, port 5061) instead of "
     "_sips._tcp.callservice.ciscospark.com (port 5062), and its connects to 5061 get no answer",
     "a generic search rule sends the Webex call to a DNS zone without the override (Outbound, Issue 3)", ""},
     {},
     "Expressway-E: Configuration > Zones > Hybrid Call Services DNS zone: Modify DNS request On, Domain to search "
     "for callservice.ciscospark.com (xConfiguration Zones Zone N DNS SIP DnsOverride Override: On, Name: "
     "callservice.ciscospark.com); check that the Webex search rule comes before any generic DNS rule.",
     ""},
    {FailureCode::kConnectNotAttempted,
     "CONNECT_NOT_ATTEMPTED",
     3,
     "error",
     "Outbound, Issue 2: Port 5062 is blocked outbound to Cisco Webex (seen from a vantage the SYN never reaches)",
     "",
     {"the SYNs died before this vantage: an inside firewall, the Expressway-E's own firewall rules, or a route "
     "that sends them elsewhere",
     "the Expressway-E never tried: the call was rejected or routed elsewhere after the lookup (search rules, CPL)",
     "a connection to the cloud was already up and was reused, but this vantage did not see it (capture started "
     "later than the idle time)"},
     {},
     "On the Expressway-E, read the Network Log around the answer's time for \"TCP Connecting\" to the answered "
     "addresses; capture on the firewall's inside interface; permit TCP 5062 from the Expressway-E to the Webex "
     "ranges on every hop.",
     ""},
    {FailureCode::kWxcProvisioningDnsFailed,
     "WXC_PROVISIONING_DNS_FAILED",
     3,
     "error",
     "Webex Calling MPP phone provisioning (seed 004): the phone cannot resolve activate.cisco.com or its "
     "provisioning server",
     "",
     {"the phone's DNS server (from DHCP) does not resolve activate.cisco.com (a CNAME to "
     "activate.xglb.cisco.com) or cisco.sipflash.com, or does not answer: the phone logs \"Couldn't resolve "
     "host\", [res] = 6 and \"Resync failed\", and never reaches Webex Calling",
     "a firewall blocks DNS from the phone network, or the DHCP scope hands out a resolver that cannot reach "
     "the Internet", ""},
     {},
     "Give the phones a DNS server that resolves public names (DHCP option 6) and permit DNS from their network; "
     "check with nslookup that activate.cisco.com and cisco.sipflash.com resolve, then resync or factory-reset "
     "the phone.",
     ""},
    {FailureCode::kWxcRegistrationFailed,
     "WXC_REGISTRATION_FAILED",
     3,
     "error",
     "Webex Calling MPP phone provisioning and registration (seed 004): registration over TLS to port 8934 "
     "(REGISTER, 401 Digest challenge, REGISTER with credentials, 200 OK)",
     "",
     {"the phone does not trust the SBC's certificate (its CA bundle or firmware is too old for the current Webex "
     "chain), or its clock is wrong so the certificate looks expired or not yet valid",
     "a firewall or TLS-inspecting proxy between the phone and the Webex Calling SBC interferes with port 8934, or "
     "drops the phone's REGISTER or the answer to it",
     "the SBC refused the phone: in the TLS handshake (the alert's sender and description tell which side gave up), "
     "or its REGISTER after the Digest challenge (the line's SIP user ID or password on the phone no longer match "
     "Control Hub, or the device or line was removed)"},
     {},
     "Check the phone's time (NTP) and firmware, allow TCP 8934 from the phones to the Webex Calling SBC ranges "
     "without TLS inspection, and read the phone's PRT log for the TLS error; for a REGISTER refused after its "
     "credentials, check the device and line in Control Hub and resync the phone so it takes the current SIP "
     "credentials.",
     ""},
};
static_assert(sizeof(kEntries) / sizeof(kEntries[0]) == size_t(FailureCode::kCount));

}  // namespace

const CatalogEntry& catalog_entry(FailureCode code) {
    auto i = size_t(code);
    return kEntries[i < size_t(FailureCode::kCount) ? i : 0];
}

}  // namespace cs
