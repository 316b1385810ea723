// tls_event_log: renders a TLS connection's verdict (TlsIncident) as a
// callsentry/1 event: ECS tls.* fields with both chains summarised, the
// history string, and the evidence an engineer reads in Wireshark (who sent
// which message in which frame, the alert and its timing, the reset's fit).
#pragma once
#include "workers/attempt_correlator.h"
#include "workers/event_context.h"
#include "workers/tls_incident.h"

namespace cs {

RenderedEvent render_tls_incident(const TlsIncident& i, const EventContext& ctx);
RenderedEvent render_tls_fold(const IncidentFold& f, const EventContext& ctx);

// "callsentry.failure.<CODE>", "callsentry.ok.TLS_OK" or "callsentry.warning.<CODE>".
std::string topic_for(FailureCode code);

}  // namespace cs
