// failure_catalog: every failure code callsentry can report, with what the
// SIEM shows for it: severity, ECS event.type, the guide reference, candidate
// causes (for look-alikes the wire cannot split) and the remediation text.
// The codes and texts follow ../shared/FAILURE_CATALOG.md.
#pragma once
#include <cstdint>
#include <string_view>

namespace cs {

enum class FailureCode : uint8_t {
    kNone = 0,
    kTcpSynUnanswered,
    kTcpPortRejected,
    kTlsUntrustedCloudCa,
    kTlsIdentityRejected,
    kTlsCloudIdentityMissing,
    kTlsIncompleteChain,
    kTlsCertRejectedByCloud,
    kTlsDefaultCert,
    kTlsDefaultCertPresent,
    kTlsMidpathReset,
    kFirewallForgedRst,
    kTlsHandshakeAlert,
    kTlsHandshakeStalled,
    kTls13HandshakeFailed,
    kTlsOk,
    // SIP, where SIP is visible (issue 4).
    kSipPreloadedRouteRejected,
    kSipSearchRuleRejected,
    kSipCallPolicyRejected,
    kSipCodecRejected,
    kSipCodecOfferUnsupported,
    kSipMessageTooLarge,
    kSipDelayedOfferRejected,
    kSipCalltypeStripped,
    kSipNoFinalResponse,
    kSipCallFailed,
    kSipCleartextOnTlsPort,
    kCallOk,
    // DNS, call attempts and Webex Calling phones (issue 5).
    kDnsSrvWrongDomain,
    kDnsLookupFailed,
    kTcpWrongPort5061,
    kConnectNotAttempted,
    kWxcProvisioningDnsFailed,
    kWxcRegistrationFailed,
    kCount
};

struct CatalogEntry {
    FailureCode code;
    std::string_view name;          // event.code, e.g. "TCP_SYN_UNANSWERED"
    int severity;                   // ECS event.severity: 1 info .. 4 critical
    std::string_view event_type;    // ECS event.type besides "connection"
    std::string_view guide_inbound; // guide reference when the cloud initiated
    std::string_view guide_outbound;// ... when on-prem initiated
    std::string_view candidate_causes_inbound[3];
    std::string_view candidate_causes_outbound[3];
    std::string_view remediation_inbound;
    std::string_view remediation_outbound;  // empty fields of the outbound side: same as inbound

    std::string_view guide(bool inbound) const {
        return inbound || guide_outbound.empty() ? guide_inbound : guide_outbound;
    }
    const std::string_view* candidate_causes(bool inbound) const {
        return inbound || candidate_causes_outbound[0].empty() ? candidate_causes_inbound : candidate_causes_outbound;
    }
    std::string_view remediation(bool inbound) const {
        return inbound || remediation_outbound.empty() ? remediation_inbound : remediation_outbound;
    }
};

const CatalogEntry& catalog_entry(FailureCode code);

}  // namespace cs
