#include "signatures/failure_catalog.h"

namespace cs {
namespace {

// Texts are the guide's diagnosis in an engineer's words; the guide sections
// are those of the Webex Hybrid Call Service troubleshooting guide (seed 001).
constexpr CatalogEntry kEntries[] = {
    {FailureCode::kNone, "NONE", 0, "info", "", "", {}, {}, "", ""},
    {FailureCode::kTcpSynUnanswered, "TCP_SYN_UNANSWERED", 3, "denied",
     "Inbound, Issue 2: Socket Failure: Port 5062 is Blocked Inbound to Expressway",
     "Outbound, Issue 2: Port 5062 is blocked outbound to Cisco Webex",
     {"firewall ACL drops the SYN before the Expressway-E", "NAT or routing sends the SYN nowhere",
      "upstream device drops it (then nothing at all would be seen here)"},
     {"a firewall, IPS or other intermediary drops the SYN or its answer", "the target does not answer on this port",
      "wrong port from DNS (5061 instead of 5062: DNS override off)"},
     "Permit TCP 5062 from the Webex signalling ranges to the Expressway-E public address on the firewall "
     "(ACL and NAT), then re-run the Hybrid Connectivity Test in Control Hub.",
     "Permit TCP 5062 from the Expressway-E to the Webex cloud on every firewall and IPS on the path; "
     "capture on the firewall's outside interface to see where the SYN dies."},
    {FailureCode::kTcpPortRejected, "TCP_PORT_REJECTED", 3, "denied",
     "Inbound, Issue 3: Socket Failure: Expressway-E is not Listening on Port 5062",
     "Outbound: the Webex target refused the connection",
     {"Mutual TLS mode is Off, or the Mutual TLS port is not 5062 (Configuration > Protocols > SIP)",
      "an Expressway-E local firewall rule (System > Protection > Firewall rules)",
      "a firewall rejecting on the Expressway-E's behalf (check the reset's TTL)"},
     {"the target does not listen on this port", "a firewall rejects on the target's behalf", ""},
     "On the Expressway-E: Configuration > Protocols > SIP: set Mutual TLS mode On and Mutual TLS port 5062; "
     "check System > Protection > Firewall rules.",
     "Check the SRV target and port the Expressway-E used; the cloud listens on 5062 for mutual TLS."},
};
static_assert(sizeof(kEntries) / sizeof(kEntries[0]) == size_t(FailureCode::kCount));

}  // namespace

const CatalogEntry& catalog_entry(FailureCode code) {
    auto i = size_t(code);
    return kEntries[i < size_t(FailureCode::kCount) ? i : 0];
}

}  // namespace cs
