// dns_scenarios: the DNS scenarios of callsentry-gen (issue 5): the
// Expressway-E's lookups on the outside span (OUT-1's NAPTR/SRV to 5061, an
// answer never followed by a SYN), a cloud resolver's unanswered SRV query at
// the enterprise's authoritative server (IN-1), and Webex Calling phones on
// their LAN (provisioning lookups that time out, a healthy SRV -> TLS 8934
// registration). Also the Expressway-E's SRV lookup of the call service that
// the TCP scenarios share. Listed by the registry.
#pragma once
#include <cstdint>
#include <span>

#include "tools/gen/scenarios.h"

namespace cs::gen {

std::span<const Scenario> dns_scenarios();

// The Expressway-E asks its resolver (8.8.8.8, outside the firewall, so the
// exchange crosses the span) for _sips._tcp.callservice.ciscospark.com at
// t_query and gets the guide's healthy answer at t_answer: SRV 5 10 5062
// l2sip-cfa-02 / l2sip-cfa-01.wbx2.com, TTL 300, their A records
// (146.20.193.70, .64) in the additional section.
void callservice_srv_lookup(Timeline& tl, uint64_t t_query, uint64_t t_answer);

}  // namespace cs::gen
