// sip_summary: a parsed SIP message (views into packet or stream bytes) turned
// into the bounded copy a SipFact carries: start line, the headers the call
// diagnosis reads, authentication and expiry (for registrations), the SDP
// audio/video summary, and the structural facts
// (preloaded Route, call-type=squared, the forwarding hop's egress zone).
// Pure: no flow, no signatures (the tracker adds endpoints, frames and tags).
#pragma once
#include "workers/sip_facts.h"
#include "workers/sip_parser.h"

namespace cs {

// `receiver`: the address the message was sent to, so a Route naming that
// address (the proxy's own) is not taken for a preloaded route.
void summarise_sip_message(const SipMessage& m, const IpAddr& receiver, SipFact& out);

// The audio m= line of an SDP body (absent: present = false), and the video port.
void summarise_sdp(std::string_view body, SipFact& out);

}  // namespace cs
