// sip_diagnosis: policy over one finished call (SipCallRecord: its legs, the
// few whole messages that matter and its ladder): which catalog code it is,
// in one sentence, and the frames that decided it, the way a TAC engineer
// reads a SIP ladder. Pure: no I/O, no clock, no state.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signatures/failure_catalog.h"
#include "workers/sip_facts.h"

namespace cs {

// Where and when one message (or connection end) was seen.
struct SipAt {
    uint64_t ns = 0;
    uint32_t frame = 0;
    int leg = -1;  // index into SipCallRecord::legs, -1: on an unlisted leg
    bool seen = false;
};

// One connection (or UDP flow) on one vantage that carried the call's messages.
struct SipLeg {
    uint16_t vantage = 0;
    uint64_t conn_id = 0;
    uint8_t transport = 6;
    Direction direction = Direction::kUnknown;
    IpAddr client_ip, server_ip;
    uint16_t client_port = 0, server_port = 0;
    uint64_t first_ns = 0;
    uint32_t first_frame = 0;
    uint32_t messages = 0;         // distinct messages (retransmissions not counted)
    uint32_t retransmissions = 0;
    uint32_t max_msg_bytes = 0;
    std::optional<SipFact> invite;  // the initial INVITE (no To tag) on this leg; after a challenge, the retry
};

// One line of the ladder: a message or a connection end, as seen on a leg.
struct SipStep {
    uint64_t ns = 0;
    uint32_t frame = 0;
    int leg = -1;
    bool from_client = false;
    uint16_t repeats = 0;  // retransmissions of this very message on this leg
    SipText<64> text;      // "INVITE", "404 Not Found", "200 OK (BYE)", "RST", "FIN"
};

// Why the tracker finished the call.
enum class SipClose : uint8_t {
    kSettled,       // final response, BYE, CANCEL or reset story complete, and the linger passed
    kTimerB,        // INVITE with no response at all for timer_b
    kIdle,          // no message for call_idle
    kEndOfCapture,  // the capture ended first
};
const char* sip_close_name(SipClose c);

struct SipCallRecord {
    static constexpr size_t kMaxLegs = 8;
    static constexpr size_t kMaxSteps = 32;

    std::string call_id;
    std::vector<SipLeg> legs;     // in first-seen order, at most kMaxLegs
    uint32_t unlisted_leg_facts = 0;  // facts on legs beyond kMaxLegs
    std::vector<SipStep> ladder;  // in order, at most kMaxSteps
    uint32_t steps_total = 0;
    uint64_t first_ns = 0, last_ns = 0;
    uint32_t retransmissions = 0;

    // The initial INVITE transaction(s) and what answered them.
    int first_invite_leg = -1;     // leg of the call's first initial INVITE
    uint32_t invites = 0;          // initial INVITE transactions (a retry after 401/407 is a second)
    // A final failure the caller answered with a new INVITE (higher CSeq, same
    // Call-ID): a 401/407 challenge met with credentials, a 422 with a longer
    // session interval... Not the call's failure: its status, 0 if none.
    uint16_t retried_after = 0;
    SipAt first_provisional, ringing;  // first 1xx, first 18x
    uint16_t provisional_status = 0;   // the first 1xx's code
    std::optional<SipFact> answer;     // first 2xx
    SipAt answer_at;
    std::optional<SipFact> failure;    // first final >= 300 not superseded by an authenticated retry
    SipAt failure_at;
    SipAt ack;                         // ACK of the 2xx
    SipAt cancel;
    std::optional<SipFact> bye;        // first BYE
    SipAt bye_at;

    // A message over the size limit sent over TCP (tracker), and the end of
    // its connection by the receiver with no SIP message from it in between.
    uint32_t size_limit = 0;
    std::optional<SipFact> large;
    SipAt large_at;
    SipAt large_end;
    bool large_end_rst = false;

    // SIP_CLEARTEXT_ON_TLS_PORT: a record of one connection, not of a call.
    bool cleartext = false;

    SipClose closed = SipClose::kSettled;
    uint64_t closed_ns = 0;            // packet time the call was finished at

    const SipLeg* leg(int i) const { return i >= 0 && size_t(i) < legs.size() ? &legs[size_t(i)] : nullptr; }
    // The initial INVITE a message on leg i answers: that leg's, else the call's first.
    const SipFact* invite_for(int i) const;
};

// What the call came to, besides the catalog code. A call the caller
// cancelled (CANCEL, then 487 or no final) and a redirected one (3xx) are no
// fault: they are CALL_OK events with outcome cancelled / redirected, so a
// SIEM counting call attempts still sees them (and ok_events off hides them).
enum class SipOutcome : uint8_t { kNone, kAnswered, kFailed, kCancelled, kRedirected, kUnanswered, kConnection };
const char* sip_outcome_name(SipOutcome o);

struct SipEvidence {
    uint64_t ns = 0;
    uint32_t frame = 0;
    int leg = -1;          // the renderer names the leg's vantage
    std::string text;
};

struct SipVerdict {
    FailureCode code = FailureCode::kNone;  // kNone: nothing to report (no INVITE seen)
    SipOutcome outcome = SipOutcome::kNone;
    bool inbound = false;                   // the call came from the cloud
    std::string detail;                     // one sentence: what decided it
    int leg = -1;                           // the leg whose message decided it (event endpoints)
    enum Response : uint8_t { kNoResponse, kFailureResponse, kAnswerResponse };
    Response response = kNoResponse;       // which of the record's responses decided it
    std::vector<SipEvidence> evidence;      // in packet-time order
    int64_t latency_ns = -1;                // INVITE -> deciding final response, same leg
    int64_t setup_ns = -1;                  // INVITE -> 2xx, same leg
    std::string stripping_hop;              // SIP_CALLTYPE_STRIPPED: egress-zone of the stripped copy
};

SipVerdict diagnose_sip_call(const SipCallRecord& call, uint64_t policy_fast_ns);
// The record's response the verdict names (null: none).
const SipFact* deciding_response(const SipCallRecord& call, const SipVerdict& v);

// The message came from the Webex cloud: tag from_webex, Contact
// ;call-type=squared, a From host in *.call.ciscospark.com, or the cloud's
// end of its connection sent it.
bool sip_from_cloud(const SipFact& f);
// The message went from on-prem to the cloud on its connection.
bool sip_towards_cloud(const SipFact& f);
// An audio offer with no codec Webex accepts (G.711, G.722, AAC-LD).
bool sip_audio_unsupported(const SdpAudioSummary& a);

}  // namespace cs
