// SipRegistrations: the publisher's per-Call-ID registration state, where SIP
// is visible (seed 004: REGISTER, 401 with a Digest challenge, REGISTER with
// Authorization, 200 OK). SipCallTracker hands it the REGISTER requests and
// the responses whose CSeq method is REGISTER, already in (ts, vantage, conn,
// seq) order, and fires its timers from its own watermark, so what it decides
// depends on packet times only, for any worker count and arrival order.
//
// One record per registration attempt (a Call-ID; its REGISTER transactions
// told apart by CSeq, a repeated CSeq being a retransmission). The attempt
// fails, as WXC_REGISTRATION_FAILED, when
//  - a final >= 300 answers the latest REGISTER that carried credentials and
//    no newer REGISTER of the Call-ID follows within the retry window (a
//    phone answers a stale nonce or a 423 at once), or
//  - the latest REGISTER has no final response by Timer F (RFC 3261 64*T1).
// A 401/407 to a REGISTER without credentials is the normal challenge; a 2xx
// is a registration, counted. A wait the end of the capture cuts short is
// counted, not reported, except a rejection whose story is complete.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "workers/sip_diagnosis.h"

namespace cs {

struct SipRegistrationSettings {
    uint64_t timer_f_ns = 32'000'000'000ull;      // REGISTER unanswered (RFC 3261 §17.1.2.2: 64*T1)
    uint64_t retry_window_ns = 2'000'000'000ull;  // a newer REGISTER this soon after a rejection or a challenge is its retry
    uint32_t max_registrations = 4096;            // open attempts kept (and as many finished Call-IDs)
};

enum class SipRegFailure : uint8_t {
    kRejected,    // final >= 300 to the REGISTER that carried credentials
    kNoResponse,  // no final response by Timer F
};
const char* sip_reg_failure_name(SipRegFailure f);  // "rejected", "no_response"

struct SipRegistrationRecord {
    static constexpr size_t kMaxLegs = 4;
    static constexpr size_t kMaxSteps = 16;

    std::string call_id;
    std::vector<SipLeg> legs;      // connections (per vantage) that carried it, first-seen order
    std::vector<SipStep> ladder;   // in order, at most kMaxSteps
    uint32_t steps_total = 0;
    uint32_t transactions = 0;     // REGISTER transactions (distinct CSeqs) of the attempt
    uint32_t retransmissions = 0;
    uint64_t first_ns = 0;
    std::optional<SipFact> first;      // the attempt's first REGISTER
    SipAt first_at;
    std::optional<SipFact> challenge;  // the latest 401/407 to a REGISTER without credentials
    SipAt challenge_at;
    std::optional<SipFact> request;    // the latest REGISTER: the one the outcome is about
    SipAt request_at;
    std::optional<SipFact> response;   // its rejection (none when it went unanswered)
    SipAt response_at;
    uint16_t superseded = 0;           // status of an earlier rejection the phone retried (0: none)
    bool end_of_capture = false;       // the capture ended before the retry window did
    uint64_t closed_ns = 0;

    const SipLeg* leg(int i) const { return i >= 0 && size_t(i) < legs.size() ? &legs[size_t(i)] : nullptr; }
};

struct SipRegistrationEvent {
    SipRegistrationRecord reg;
    SipRegFailure failure = SipRegFailure::kRejected;
    FailureCode code = FailureCode::kWxcRegistrationFailed;
    std::string detail;                 // one sentence
    std::vector<SipEvidence> evidence;  // in packet-time order
    int leg = -1;                       // the leg of the REGISTER the outcome is about
    uint64_t decided_ns = 0;            // packet time the event became certain
};

// Receives failed registrations. SipCallSink derives from it, so the
// publisher's one SIP sink takes both; the default ignores them.
class SipRegistrationSink {
public:
    virtual ~SipRegistrationSink() = default;
    virtual void sip_registration(const SipRegistrationEvent&) {}
};

struct SipRegistrationCounters {
    uint64_t messages = 0;               // REGISTER requests and responses taken
    uint64_t attempts = 0, transactions = 0, retransmissions = 0;
    uint64_t registered = 0;             // 2xx to the latest REGISTER
    uint64_t challenges = 0;             // 401/407 to a REGISTER without credentials
    uint64_t challenges_unanswered = 0;  // ... not followed by a REGISTER within the retry window
    uint64_t rejected_unchallenged = 0;  // another final >= 300 to a REGISTER without credentials (no event)
    uint64_t superseded = 0;             // a rejection the phone retried within the window
    uint64_t rejected = 0, no_response = 0;  // events
    uint64_t cut_by_end = 0;             // Timer F or a challenge's wait cut by the end of the capture
    uint64_t orphan_responses = 0;       // to a REGISTER transaction not seen
    uint64_t late = 0;                   // for a finished attempt, or an older transaction seen late
    uint64_t dropped = 0;                // attempts beyond max_registrations
    uint64_t legs_unlisted = 0, steps_unlisted = 0;
};

class SipRegistrations {
public:
    SipRegistrations(const SipRegistrationSettings& settings, SipRegistrationSink& sink);
    ~SipRegistrations();
    // A REGISTER, or a response whose CSeq method is REGISTER, with a Call-ID;
    // in packet-time order.
    void take(const SipFact& f);
    // Whether any timer is set, and the earliest (UINT64_MAX: none, or one that never runs out).
    bool idle() const { return due_.empty() && closed_due_.empty(); }
    uint64_t next_due() const;
    // Fires the earliest timer (not idle()). `end`: the capture ended at
    // end_ns; a timer due after that did not run out.
    void fire_next(bool end, uint64_t end_ns);
    SipRegistrationCounters counters() const { return n_; }
    size_t open() const { return regs_.size(); }

private:
    struct Reg;
    enum class Wait : uint8_t {
        kTimerF,     // the latest REGISTER has no final response yet
        kChallenge,  // challenged: the REGISTER with credentials should follow
        kRejected,   // rejected after credentials: a retry may still supersede it
    };
    void on_request(Reg& r, const SipFact& f);
    void on_response(Reg& r, const SipFact& f);
    int leg_for(Reg& r, const SipFact& f);
    bool note(Reg& r, const SipFact& f, int leg);
    void wait(const std::string& id, Reg& r, Wait why, uint64_t due);
    void finish(std::string id, std::optional<SipRegFailure> failure, uint64_t decided_ns);

    const SipRegistrationSettings s_;
    SipRegistrationSink& sink_;
    std::map<std::string, std::unique_ptr<Reg>, std::less<>> regs_;
    std::set<std::pair<uint64_t, std::string>> due_;
    // Finished attempts: their Call-ID's highest CSeq, until expiry. Their
    // retransmissions and stragglers start nothing; a higher CSeq (the next
    // refresh, a retry after the event) starts a new attempt.
    struct Closed {
        uint32_t cseq;
        uint64_t expiry;
    };
    std::map<std::string, Closed, std::less<>> closed_;
    std::set<std::pair<uint64_t, std::string>> closed_due_;
    SipRegistrationCounters n_;
};

}  // namespace cs
