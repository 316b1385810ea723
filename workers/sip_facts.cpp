#include "workers/sip_facts.h"

namespace cs {

namespace {

// Bit i of SipTag is named kTagNames[i]; the rules file spells tags this way.
constexpr std::string_view kTagNames[kTagCount] = {
    "policy_response", "invalid_content_far_end", "webex_call_uri", "webex_meeting_uri", "from_webex",
    "call_type_squared", "no_resource_cause", "audio_rejected", "expressway_agent", "webex_agent",
};

}  // namespace

std::string_view sip_tag_name(SipTag t) {
    for (uint32_t i = 0; i < kTagCount; ++i)
        if (uint32_t(t) == 1u << i) return kTagNames[i];
    return {};
}

uint32_t sip_tag_from_name(std::string_view name) {
    for (uint32_t i = 0; i < kTagCount; ++i)
        if (kTagNames[i] == name) return 1u << i;
    return 0;
}

}  // namespace cs
