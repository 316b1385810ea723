#include "workers/dns_facts.h"

namespace cs {

namespace {

// Bit i of DnsTag is named kTagNames[i]; the rules file spells tags this way.
constexpr std::string_view kTagNames[kDnsTagCount] = {
    "webex_service_srv",  "webex_service_host", "webex_subdomain_srv",  "webex_call_naptr_name", "sip_destination_srv",
    "wxc_activation",     "wxc_provisioning",   "wxc_registration_srv", "wxc_registration_host",
};

}  // namespace

std::string_view dns_tag_name(DnsTag t) {
    for (uint32_t i = 0; i < kDnsTagCount; ++i)
        if (uint32_t(t) == 1u << i) return kTagNames[i];
    return {};
}

uint32_t dns_tag_from_name(std::string_view name) {
    for (uint32_t i = 0; i < kDnsTagCount; ++i)
        if (kTagNames[i] == name) return 1u << i;
    return 0;
}

}  // namespace cs
