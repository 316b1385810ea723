// What each SIP scenario of callsentry-gen must yield, in order, per the
// failure catalog: one event per call (a failed call's code, or CALL_OK), plus
// SIP_CLEARTEXT_ON_TLS_PORT for SIP in clear on 5061/5062, and
// WXC_REGISTRATION_FAILED for a registration rejected after its credentials
// (a healthy registration yields nothing). Shared by the engine-level and the
// end-to-end tests. sip-calltype-stripped needs both of its vantages;
// sip-mixed is sized and has no fixed list.
#pragma once
#include <map>
#include <string>
#include <vector>

inline const std::map<std::string, std::vector<std::string>> kSipScenarioVerdicts = {
    {"sip-in-preloaded-route-404", {"SIP_PRELOADED_ROUTE_REJECTED"}},
    {"sip-out-search-rule-404", {"SIP_SEARCH_RULE_REJECTED"}},
    {"sip-out-cpl-403", {"SIP_CALL_POLICY_REJECTED"}},
    {"sip-codec-rejected", {"SIP_CODEC_REJECTED"}},
    {"sip-message-too-large", {"SIP_MESSAGE_TOO_LARGE"}},
    {"sip-delayed-offer-500", {"SIP_DELAYED_OFFER_REJECTED"}},
    {"sip-calltype-stripped", {"SIP_CALLTYPE_STRIPPED"}},
    {"sip-healthy-tcp", {"CALL_OK"}},
    {"sip-healthy-udp", {"CALL_OK"}},
    {"sip-udp-fragmented-invite", {"CALL_OK", "CALL_OK"}},
    {"sip-no-final-response", {"SIP_NO_FINAL_RESPONSE"}},
    {"sip-cleartext-on-tls-port", {"SIP_CLEARTEXT_ON_TLS_PORT", "CALL_OK"}},
    {"wxc-register-rejected", {"WXC_REGISTRATION_FAILED"}},
    {"wxc-register-healthy-clear", {}},
};
