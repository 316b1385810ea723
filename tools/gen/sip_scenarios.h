// sip_scenarios: the SIP scenarios of callsentry-gen. Each is a call of the
// guide (IN-4, IN-5, OUT-3, OUT-4, BI-1, BI-2, seed 003) or a healthy call,
// built from the guide's messages with its addresses and timings and carried
// in clear over TCP 5060/5065 or UDP 5060 (a fragmented UDP INVITE included),
// plus a sized mix of them all for benchmarks, and seed 004's Webex Calling
// phone registering in clear (rejected after its credentials, or healthy).
// Listed by the registry. Also the text of seed 004's registration, which
// the phone's TLS registration in dns_scenarios.cpp carries encrypted.
#pragma once
#include <span>
#include <string>
#include <string_view>

#include "tools/gen/scenarios.h"

namespace cs::gen {

std::span<const Scenario> sip_scenarios();

// Seed 004's registration (L408-475) as the MPP phone and BroadWorks write
// it, for the phone at phone_ip:phone_port over `transport` ("TLS", "TCP"):
// the REGISTER, the 401 with its Digest challenge, the REGISTER with
// Authorization (its cnonce, then its digest response, drawn from `id`),
// and the registrar's `final_status` ("200 OK" carries the binding). The
// lines the log cuts are completed: the request lines, the rest of the
// Authorization, the 200's Allow-Events.
struct WxcRegistration {
    std::string register1, unauthorized, register2, final_response;
};
WxcRegistration wxc_registration(Rng& id, std::string_view phone_ip, uint16_t phone_port, std::string_view transport,
                                 std::string_view final_status);

}  // namespace cs::gen
