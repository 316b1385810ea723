// sip_scenarios: the SIP scenarios of callsentry-gen. Each is a call of the
// guide (IN-4, IN-5, OUT-3, OUT-4, BI-1, BI-2, seed 003) or a healthy call,
// built from the guide's messages with its addresses and timings and carried
// in clear over TCP 5060/5065 or UDP 5060 (a fragmented UDP INVITE included),
// plus a sized mix of them all for benchmarks. Listed by the registry.
#pragma once
#include <span>

#include "tools/gen/scenarios.h"

namespace cs::gen {

std::span<const Scenario> sip_scenarios();

}  // namespace cs::gen
