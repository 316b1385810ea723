// sip_event_log: renders a finished call's verdict (SipCallEvent), or a
// failed registration (SipRegistrationEvent), as one callsentry/1 event: ECS
// endpoints of the leg that decided it, sip.* (Call-ID, start line, headers,
// codecs, setup time, the ladder, every leg), and the evidence frames an
// engineer would open in Wireshark, named by vantage.
#pragma once
#include "signatures/engine.h"
#include "workers/event_context.h"
#include "workers/sip_calls.h"

namespace cs {

// `rules` names the matched rule ids (and their remediation); null: ids only.
RenderedEvent render_sip_call(const SipCallEvent& e, const EventContext& ctx, const RuleSet* rules);
// WXC_REGISTRATION_FAILED: the phone as source, the registrar as destination,
// the REGISTER ladder with frames, the challenge and the rejection.
RenderedEvent render_sip_registration(const SipRegistrationEvent& e, const EventContext& ctx, const RuleSet* rules);

}  // namespace cs
