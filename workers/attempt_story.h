// attempt_story: the whole chain of a failed call attempt in its event. For a
// failure of a TCP attempt, a TLS handshake or a SIP call, the AttemptLedger
// tells which lookups led the host to the server and which connects to the
// same service came first (failover); the step that failed closes the list.
// A failed lookup is an attempt of its own: the query (and how often it was
// sent) and the answer or the silence that failed it.
// The event gets `callsentry.attempt.service` (the looked-up name) and
// `callsentry.attempt.steps`: [{at, offset_s, step, vantage, frame, detail}].
#pragma once
#include "workers/attempt_correlator.h"
#include "workers/attempt_ledger.h"
#include "workers/connect_watch.h"
#include "workers/event_context.h"
#include "workers/sip_calls.h"
#include "workers/tls_incident.h"

namespace cs {

// The story of each kind of failure, as the ledger knows it at the moment the
// failure was decided.
AttemptStory story_of(const AttemptLedger& ledger, const FailedAttempt& a);
AttemptStory story_of(const AttemptLedger& ledger, const TlsIncident& i);
AttemptStory story_of(const AttemptLedger& ledger, const SipCallEvent& e);
AttemptStory story_of(const AttemptLedger& ledger, const SipRegistrationEvent& e);
AttemptStory story_of(const NotAttempted& n);
AttemptStory story_of(const DnsEvent& e);

// Adds the story to a rendered event (unchanged if it has no steps or does not parse).
void add_story(RenderedEvent& e, const AttemptStory& s, const EventContext& ctx);

}  // namespace cs
