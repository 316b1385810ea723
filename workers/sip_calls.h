// SipCallTracker: the publisher's per-Call-ID state. Joins the SipFacts of
// every worker and vantage into one record per call attempt (legs, ladder,
// the few whole messages the event needs), runs the packet-time timers
// (Timer B, idle, linger, the wait for a late final after a reset) and hands
// each finished call, diagnosed, to a sink: exactly one event per call.
// REGISTER transactions go, in the same order, to the registration state it
// owns (workers/sip_registrations.h), whose timers it runs with its own.
//
// Facts arrive from several workers in any interleaving. They are taken in
// (ts, vantage, conn_id, seq_in_conn, kind) order, and timers fire in
// (due, Call-ID) order, only once advance()'s watermark (the minimum over all
// workers) has passed them; a timer fires before a fact of the same time. So
// the output is the same for any worker count and any arrival order.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>

#include "workers/sip_diagnosis.h"
#include "workers/sip_registrations.h"

namespace cs {

struct SipCallSettings {
    uint64_t timer_b_ns = 32'000'000'000ull;           // INVITE unanswered (RFC 3261 64*T1)
    uint32_t max_message_bytes = 5000;                  // Unified CM's old SIP Max Incoming Message Size
    uint64_t policy_fast_ns = 100'000'000ull;           // a 403 Policy Response this fast is CPL
    uint64_t too_large_wait_ns = 32'000'000'000ull;     // after the reset, a late final may still join
    uint64_t call_idle_ns = 300'000'000'000ull;         // a dialog with no message for this long is finished
    uint64_t linger_ns = 2'000'000'000ull;              // after a final/BYE, later legs may still join
    uint32_t max_calls = 4096;                          // open calls (and connections, closed Call-IDs) kept
    uint32_t max_pending_facts = 8192;                  // facts waiting for the watermark (~3 KB each)
    bool ok_events = true;                              // CALL_OK events
    SipRegistrationSettings registrations;
};

struct SipCallEvent {
    SipCallRecord call;
    SipVerdict verdict;
    uint64_t decided_ns = 0;  // packet time the event became certain
};

// Every finished call; failed registrations through sip_registration
// (SipRegistrationSink: ignored unless overridden).
class SipCallSink : public SipRegistrationSink {
public:
    virtual void sip_call(const SipCallEvent& e) = 0;
};

struct SipCallCounters {
    uint64_t facts = 0, messages = 0, conn_ends = 0;
    uint64_t facts_dropped = 0;       // pending cap
    uint64_t facts_duplicate = 0;     // the same (ts, vantage, conn, seq, kind) pushed twice
    uint64_t retransmissions = 0;
    uint64_t non_call_messages = 0;   // OPTIONS, SUBSCRIBE... and their responses (REGISTER: registrations)
    uint64_t no_call_id = 0;
    uint64_t calls = 0, calls_dropped = 0;  // dropped: beyond max_calls
    uint64_t late_facts = 0;          // for a Call-ID already reported
    uint64_t events = 0, ok_suppressed = 0;
    uint64_t calls_silent = 0;        // finished with nothing to report (no INVITE seen)
    uint64_t legs_unlisted = 0, steps_unlisted = 0;
    uint64_t connections_dropped = 0; // connection state beyond max_calls
    uint64_t cleartext_events = 0;
    SipRegistrationCounters registrations;
};

class SipCallTracker {
public:
    SipCallTracker(const SipCallSettings& settings, SipCallSink& sink);
    ~SipCallTracker();
    void push(const SipFact& fact);
    // Takes every fact and fires every timer due before `watermark`.
    void advance(uint64_t watermark);
    // End of capture: everything pending fires. A timer due after the
    // capture's last packet (`last_packet_ns`, or the last SIP fact's time if
    // later) did not run out: its call is finished "at the end of the capture",
    // at that time. The label depends on packet times only, never on how far
    // the watermark had got, so it is the same for any worker count.
    // advance(UINT64_MAX) is end_capture(0): the capture ends with its last SIP fact.
    void end_capture(uint64_t last_packet_ns);
    SipCallCounters counters() const;
    size_t open_calls() const { return calls_.size(); }
    size_t open_registrations() const { return regs_.open(); }
    size_t pending_facts() const { return pending_.size(); }

private:
    struct Call;
    struct Conn;
    using PendingKey = std::tuple<uint64_t, uint16_t, uint64_t, uint32_t, uint8_t>;
    using ConnKey = std::pair<uint16_t, uint64_t>;  // vantage, conn_id

    void run(uint64_t watermark, bool end, uint64_t end_ns);
    void take(const SipFact& f);
    void take_conn_end(const SipFact& f);
    void take_message(const SipFact& f);
    Conn* conn_for(const SipFact& f, bool create);
    void touch_conn(const ConnKey& key, Conn& c, uint64_t due);
    void report_cleartext(const SipFact& f);
    Call* call_for(const SipFact& f);
    int leg_for(Call& c, const SipFact& f);
    void step(Call& c, const SipFact& f, int leg, std::string_view text);
    void too_large(Call& c, const SipFact& m, int leg, uint64_t end_ns, uint32_t end_frame, bool rst);
    void reschedule(const std::string& id, Call& c);
    void finish(const std::string& id, bool end_of_capture, uint64_t end_ns);
    void emit(SipCallEvent& e);

    const SipCallSettings s_;
    SipCallSink& sink_;
    std::map<PendingKey, std::unique_ptr<SipFact>> pending_;
    std::map<std::string, std::unique_ptr<Call>, std::less<>> calls_;
    std::set<std::pair<uint64_t, std::string>> call_due_;
    std::map<ConnKey, std::unique_ptr<Conn>> conns_;
    std::set<std::pair<uint64_t, ConnKey>> conn_due_;
    // Call-IDs already reported, until their expiry: late retransmissions and
    // stragglers join nothing and start no new call.
    std::map<std::string, uint64_t, std::less<>> closed_;
    std::set<std::pair<uint64_t, std::string>> closed_due_;
    uint64_t max_pushed_ns_ = 0;  // latest fact pushed: at the end, the last SIP fact's time
    SipRegistrations regs_;
    SipCallCounters n_;
};

}  // namespace cs
