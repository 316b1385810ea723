#include "workers/sip_calls.h"

#include <fmt/format.h>

#include <algorithm>

namespace cs {

namespace {

constexpr uint64_t kNever = UINT64_MAX;
constexpr size_t kMaxSeen = 64;       // messages remembered per call to recognise retransmissions
constexpr size_t kMaxReinvites = 16;  // in-dialog INVITE transactions remembered per call

uint64_t after(uint64_t t, uint64_t d) { return t > kNever - d ? kNever : t + d; }

// Methods that make or belong to an INVITE dialog: these open a call record;
// anything else (OPTIONS pings, SUBSCRIBE...) only joins a call that exists.
bool dialog_method(SipMethod m) {
    switch (m) {
        case SipMethod::kInvite: case SipMethod::kAck: case SipMethod::kBye: case SipMethod::kCancel:
        case SipMethod::kPrack: case SipMethod::kUpdate: case SipMethod::kInfo:
            return true;
        default:
            return false;
    }
}

// A retransmission repeats the message byte for byte on the same connection
// and vantage: same start line, CSeq, top Via (branch), To tag and size
// (RFC 3261 §17).
uint64_t message_hash(const SipFact& f) {
    uint64_t h = 1469598103934665603ull;
    auto mix = [&](const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    };
    auto text = [&](std::string_view s) {
        mix(s.data(), s.size());
        mix("\0", 1);
    };
    mix(&f.vantage, sizeof f.vantage);
    mix(&f.conn_id, sizeof f.conn_id);
    mix(&f.from_client, sizeof f.from_client);
    mix(&f.is_request, sizeof f.is_request);
    mix(&f.status, sizeof f.status);
    mix(&f.cseq, sizeof f.cseq);
    mix(&f.cseq_method, sizeof f.cseq_method);
    mix(&f.msg_bytes, sizeof f.msg_bytes);
    text(f.method_text.view());
    text(f.top_via.view());
    text(f.to_tag.view());
    return h;
}

// "INVITE", "180 Ringing", "200 OK (BYE)": responses name their method unless it is INVITE.
std::string step_text(const SipFact& f) {
    if (f.is_request) return std::string(f.method_text.empty() ? std::string_view("?") : f.method_text.view());
    std::string t = fmt::format("{} {}", f.status, f.reason_phrase.view());
    if (f.cseq_method != SipMethod::kInvite) {
        const std::string_view m = sip_method_name(f.cseq_method);
        t += fmt::format(" ({})", m.empty() ? "?" : m);
    }
    return t;
}

}  // namespace

struct SipCallTracker::Call {
    SipCallRecord rec;
    uint64_t due = 0;
    SipClose why = SipClose::kSettled;
    uint64_t last_invite_ns = 0;  // start of the latest initial INVITE transaction (Timer B)
    uint32_t last_invite_cseq = 0;  // highest CSeq of an initial INVITE
    struct Seen {
        uint64_t hash;
        int step;  // ladder line of that message, -1 when the ladder was full
    };
    std::vector<Seen> seen;
    std::vector<std::pair<int, uint32_t>> reinvites;  // (leg, CSeq) of INVITEs inside the dialog

    bool reinvite(int leg, uint32_t cseq) const {
        return std::find(reinvites.begin(), reinvites.end(), std::make_pair(leg, cseq)) != reinvites.end();
    }
};

struct SipCallTracker::Conn {
    uint64_t due = 0;
    bool cleartext_reported = false;
    // The last message over the limit, while the other end has not answered it.
    std::unique_ptr<SipFact> large;
    // The connection's end, kept for a large message whose last packet is seen after it.
    bool ended = false;
    bool end_from_client = false, end_rst = false;
    uint64_t end_ns = 0;
    uint32_t end_frame = 0;
};

SipCallTracker::SipCallTracker(const SipCallSettings& settings, SipCallSink& sink)
    : s_(settings), sink_(sink), regs_(settings.registrations, sink) {}
SipCallTracker::~SipCallTracker() = default;

SipCallCounters SipCallTracker::counters() const {
    SipCallCounters c = n_;
    c.registrations = regs_.counters();
    return c;
}

void SipCallTracker::push(const SipFact& f) {
    ++n_.facts;
    max_pushed_ns_ = std::max(max_pushed_ns_, f.ts_ns);
    if (pending_.size() >= s_.max_pending_facts) {
        ++n_.facts_dropped;
        return;
    }
    auto [it, fresh] = pending_.try_emplace(PendingKey{f.ts_ns, f.vantage, f.conn_id, f.seq_in_conn, f.kind});
    if (!fresh) {
        ++n_.facts_duplicate;
        return;
    }
    it->second = std::make_unique<SipFact>(f);
}

void SipCallTracker::advance(uint64_t watermark) {
    if (watermark == kNever) end_capture(0);
    else run(watermark, false, 0);
}

void SipCallTracker::end_capture(uint64_t last_packet_ns) {
    run(kNever, true, std::max(last_packet_ns, max_pushed_ns_));
}

void SipCallTracker::run(uint64_t watermark, bool end, uint64_t end_ns) {
    for (;;) {
        const uint64_t fact_t = pending_.empty() ? kNever : std::get<0>(pending_.begin()->first);
        const uint64_t call_t = call_due_.empty() ? kNever : call_due_.begin()->first;
        const uint64_t conn_t = conn_due_.empty() ? kNever : conn_due_.begin()->first;
        const uint64_t closed_t = closed_due_.empty() ? kNever : closed_due_.begin()->first;
        const uint64_t reg_t = regs_.next_due();
        const uint64_t timer_t = std::min({call_t, conn_t, closed_t, reg_t});
        if (pending_.empty() && call_due_.empty() && conn_due_.empty() && closed_due_.empty() && regs_.idle()) return;
        if (!end && std::min(fact_t, timer_t) >= watermark) return;
        // A timer fires before a fact of the same packet time.
        if (!pending_.empty() && (fact_t < timer_t || timer_t == kNever)) {
            auto node = pending_.extract(pending_.begin());
            take(*node.mapped());
        } else if (call_t == timer_t && !call_due_.empty()) {
            const std::string id = call_due_.begin()->second;  // a copy: finishing erases the entry
            finish(id, end && call_t > end_ns, end_ns);
        } else if (conn_t == timer_t && !conn_due_.empty()) {
            const ConnKey key = conn_due_.begin()->second;
            conn_due_.erase(conn_due_.begin());
            conns_.erase(key);
        } else if (closed_t == timer_t && !closed_due_.empty()) {
            closed_.erase(closed_due_.begin()->second);
            closed_due_.erase(closed_due_.begin());
        } else {
            regs_.fire_next(end, end_ns);
        }
    }
}

void SipCallTracker::take(const SipFact& f) {
    if (f.kind == SipFact::kConnEnd) {
        ++n_.conn_ends;
        take_conn_end(f);
    } else {
        ++n_.messages;
        take_message(f);
    }
}

SipCallTracker::Conn* SipCallTracker::conn_for(const SipFact& f, bool create) {
    const ConnKey key{f.vantage, f.conn_id};
    auto it = conns_.find(key);
    if (it != conns_.end()) return it->second.get();
    if (!create) return nullptr;
    if (conns_.size() >= s_.max_calls) {
        ++n_.connections_dropped;
        return nullptr;
    }
    return conns_.emplace(key, std::make_unique<Conn>()).first->second.get();
}

void SipCallTracker::touch_conn(const ConnKey& key, Conn& c, uint64_t due) {
    conn_due_.erase({c.due, key});
    c.due = due;
    conn_due_.insert({due, key});
}

void SipCallTracker::take_conn_end(const SipFact& f) {
    Conn* c = conn_for(f, true);
    if (!c) return;
    c->ended = true;
    c->end_from_client = f.from_client;
    c->end_rst = f.end_rst;
    c->end_ns = f.ts_ns;
    c->end_frame = f.frame;
    // The receiver of a large message ended the connection without answering it.
    if (c->large && f.from_client != c->large->from_client) {
        auto it = calls_.find(c->large->call_id.view());
        if (it != calls_.end() && !it->second->rec.large_end.seen) {
            Call& call = *it->second;
            const int leg = leg_for(call, f);
            too_large(call, *c->large, leg, f.ts_ns, f.frame, f.end_rst);
            step(call, f, leg, f.end_rst ? "RST" : "FIN");
            reschedule(it->first, call);
        }
    }
    c->large.reset();
    // Kept a little: the large message's last packet may be seen after the end.
    touch_conn({f.vantage, f.conn_id}, *c, after(f.ts_ns, s_.linger_ns));
}

void SipCallTracker::report_cleartext(const SipFact& f) {
    SipCallEvent e;
    SipCallRecord& r = e.call;
    r.cleartext = true;
    r.call_id = std::string(f.call_id.view());
    r.first_ns = r.last_ns = r.closed_ns = f.ts_ns;
    SipLeg leg;
    leg.vantage = f.vantage;
    leg.conn_id = f.conn_id;
    leg.transport = f.transport;
    leg.direction = f.direction;
    leg.client_ip = f.client_ip;
    leg.server_ip = f.server_ip;
    leg.client_port = f.client_port;
    leg.server_port = f.server_port;
    leg.first_ns = f.ts_ns;
    leg.first_frame = f.first_frame ? f.first_frame : f.frame;
    leg.messages = 1;
    leg.max_msg_bytes = f.msg_bytes;
    r.legs.push_back(leg);
    SipStep s;
    s.ns = f.ts_ns;
    s.frame = f.frame;
    s.leg = 0;
    s.from_client = f.from_client;
    s.text.set(step_text(f));
    r.ladder.push_back(s);
    r.steps_total = 1;
    e.decided_ns = f.ts_ns;
    e.verdict = diagnose_sip_call(r, s_.policy_fast_ns);
    ++n_.cleartext_events;
    emit(e);
}

SipCallTracker::Call* SipCallTracker::call_for(const SipFact& f) {
    auto it = calls_.find(f.call_id.view());
    if (it != calls_.end()) return it->second.get();
    if (!dialog_method(f.is_request ? f.method : f.cseq_method)) {
        ++n_.non_call_messages;
        return nullptr;
    }
    if (calls_.size() >= s_.max_calls) {
        ++n_.calls_dropped;
        return nullptr;
    }
    auto c = std::make_unique<Call>();
    c->rec.call_id = std::string(f.call_id.view());
    c->rec.first_ns = c->rec.last_ns = f.ts_ns;
    ++n_.calls;
    return calls_.emplace(c->rec.call_id, std::move(c)).first->second.get();
}

int SipCallTracker::leg_for(Call& c, const SipFact& f) {
    std::vector<SipLeg>& legs = c.rec.legs;
    for (size_t i = 0; i < legs.size(); ++i)
        if (legs[i].vantage == f.vantage && legs[i].conn_id == f.conn_id) return int(i);
    if (legs.size() >= SipCallRecord::kMaxLegs) {
        ++c.rec.unlisted_leg_facts;
        ++n_.legs_unlisted;
        return -1;
    }
    SipLeg l;
    l.vantage = f.vantage;
    l.conn_id = f.conn_id;
    l.transport = f.transport;
    l.direction = f.direction;
    l.client_ip = f.client_ip;
    l.server_ip = f.server_ip;
    l.client_port = f.client_port;
    l.server_port = f.server_port;
    l.first_ns = f.ts_ns;
    l.first_frame = f.first_frame ? f.first_frame : f.frame;
    legs.push_back(std::move(l));
    return int(legs.size() - 1);
}

void SipCallTracker::step(Call& c, const SipFact& f, int leg, std::string_view text) {
    SipCallRecord& r = c.rec;
    ++r.steps_total;
    if (r.ladder.size() >= SipCallRecord::kMaxSteps) {
        ++n_.steps_unlisted;
        return;
    }
    SipStep s;
    s.ns = f.ts_ns;
    s.frame = f.frame;
    s.leg = leg;
    s.from_client = f.from_client;
    s.text.set(text);
    r.ladder.push_back(s);
}

void SipCallTracker::take_message(const SipFact& f) {
    const bool large = f.transport == 6 && f.msg_bytes > s_.max_message_bytes;
    const ConnKey key{f.vantage, f.conn_id};
    // Connection state only where it is needed: cleartext on a TLS port, a
    // large message in flight, or an end already seen.
    if (Conn* conn = conn_for(f, f.on_tls_port || large)) {
        if (f.on_tls_port && !conn->cleartext_reported) {
            conn->cleartext_reported = true;
            report_cleartext(f);
        }
        if (conn->large && f.from_client != conn->large->from_client) conn->large.reset();  // answered
        if (!conn->ended) touch_conn(key, *conn, after(f.ts_ns, s_.call_idle_ns));
    }
    if (f.call_id.empty()) {
        ++n_.no_call_id;
        return;
    }
    if ((f.is_request ? f.method : f.cseq_method) == SipMethod::kRegister) {
        regs_.take(f);
        return;
    }
    if (closed_.find(f.call_id.view()) != closed_.end()) {
        ++n_.late_facts;
        return;
    }
    Call* call = call_for(f);
    if (!call) return;
    Call& c = *call;
    SipCallRecord& r = c.rec;
    const int leg = leg_for(c, f);
    r.last_ns = std::max(r.last_ns, f.ts_ns);

    const uint64_t h = message_hash(f);
    for (const Call::Seen& s : c.seen) {
        if (s.hash != h) continue;
        ++n_.retransmissions;
        ++r.retransmissions;
        if (leg >= 0) ++r.legs[size_t(leg)].retransmissions;
        if (s.step >= 0) ++r.ladder[size_t(s.step)].repeats;
        reschedule(r.call_id, c);
        return;
    }
    if (c.seen.size() < kMaxSeen)
        c.seen.push_back({h, r.ladder.size() < SipCallRecord::kMaxSteps ? int(r.ladder.size()) : -1});
    if (leg >= 0) {
        SipLeg& l = r.legs[size_t(leg)];
        ++l.messages;
        l.max_msg_bytes = std::max(l.max_msg_bytes, f.msg_bytes);
    }
    step(c, f, leg, step_text(f));

    const SipAt at{f.ts_ns, f.frame, leg, true};
    if (f.is_request) {
        switch (f.method) {
            case SipMethod::kInvite:
                if (!f.to_tag.empty()) {  // inside the dialog (re-INVITE): its answers decide nothing
                    if (c.reinvites.size() < kMaxReinvites) c.reinvites.push_back({leg, f.cseq});
                    break;
                }
                ++r.invites;
                c.last_invite_ns = f.ts_ns;
                c.last_invite_cseq = std::max(c.last_invite_cseq, f.cseq);
                // The leg keeps its latest transaction: a retry after a challenge is the one answered.
                if (leg >= 0 && (!r.legs[size_t(leg)].invite || f.cseq > r.legs[size_t(leg)].invite->cseq))
                    r.legs[size_t(leg)].invite = f;
                if (r.first_invite_leg < 0 && leg >= 0) r.first_invite_leg = leg;
                // A retry (credentials after 401/407, a longer Session-Expires after 422) supersedes the failure.
                if (r.failure && f.cseq > r.failure->cseq) {
                    r.retried_after = r.failure->status;
                    r.failure.reset();
                    r.failure_at = {};
                }
                break;
            case SipMethod::kAck:
                if (r.answer && !r.failure && !r.ack.seen && !c.reinvite(leg, f.cseq)) r.ack = at;
                break;
            case SipMethod::kBye:
                if (!r.bye) {
                    r.bye = f;
                    r.bye_at = at;
                }
                break;
            case SipMethod::kCancel:
                if (!r.cancel.seen) r.cancel = at;
                break;
            default:
                break;
        }
    } else if (f.cseq_method == SipMethod::kInvite && !c.reinvite(leg, f.cseq)) {
        if (f.status < 200) {
            if (!r.first_provisional.seen) {
                r.first_provisional = at;
                r.provisional_status = f.status;
            }
            if (f.status >= 180 && !r.ringing.seen) r.ringing = at;
        } else if (f.status < 300) {
            if (!r.answer) {
                r.answer = f;
                r.answer_at = at;
            }
        } else if (!r.failure) {
            // An answer to an INVITE already retried (seen late on another leg) is not the call's failure.
            if (f.cseq >= c.last_invite_cseq) {
                r.failure = f;
                r.failure_at = at;
            }
        }
    }

    if (large) {
        auto it = conns_.find(key);
        Conn* conn = it == conns_.end() ? nullptr : it->second.get();
        if (conn && conn->ended) {
            // The receiver's reset was captured before the message's last packet.
            if (conn->end_from_client != f.from_client && !r.large_end.seen)
                too_large(c, f, leg, conn->end_ns, conn->end_frame, conn->end_rst);
        } else if (conn) {
            conn->large = std::make_unique<SipFact>(f);
        }
    }
    reschedule(r.call_id, c);
}

void SipCallTracker::too_large(Call& c, const SipFact& m, int leg, uint64_t end_ns, uint32_t end_frame, bool rst) {
    SipCallRecord& r = c.rec;
    r.large = m;
    r.large_at = SipAt{m.ts_ns, m.frame, leg, true};
    r.large_end = SipAt{end_ns, end_frame, leg, true};
    r.large_end_rst = rst;
    r.size_limit = s_.max_message_bytes;
}

void SipCallTracker::reschedule(const std::string& id, Call& c) {
    const SipCallRecord& r = c.rec;
    uint64_t due;
    SipClose why = SipClose::kSettled;
    if (r.large_end.seen) {
        // Wait for a late final response (Webex's 603 after its dialog times out).
        due = r.failure && r.failure_at.ns >= r.large_end.ns ? after(r.failure_at.ns, s_.linger_ns)
                                                             : after(r.large_end.ns, s_.too_large_wait_ns);
    } else if (r.failure) {
        due = after(r.failure_at.ns, s_.linger_ns);  // a 401/407 waits this long for the retry
    } else if (r.bye) {
        due = after(r.bye_at.ns, s_.linger_ns);
    } else if (r.answer) {
        due = after(r.last_ns, s_.call_idle_ns);
        why = SipClose::kIdle;
    } else if (r.cancel.seen) {
        due = after(r.cancel.ns, s_.timer_b_ns);  // the 487 should follow
    } else if (r.invites && !r.first_provisional.seen) {
        due = after(c.last_invite_ns, s_.timer_b_ns);
        why = SipClose::kTimerB;
    } else if (r.invites) {
        // Proceeding (1xx seen): Timer B no longer runs, a ringing phone may take minutes.
        due = after(r.last_ns, s_.call_idle_ns);
        why = SipClose::kIdle;
    } else {
        due = after(r.last_ns, s_.linger_ns);  // no INVITE: nothing to report, kept only for stragglers
    }
    if (due == c.due && why == c.why && call_due_.count({due, id})) return;
    call_due_.erase({c.due, id});
    c.due = due;
    c.why = why;
    call_due_.insert({due, id});
}

void SipCallTracker::finish(const std::string& id, bool end_of_capture, uint64_t end_ns) {
    auto it = calls_.find(id);
    if (it == calls_.end()) return;
    Call& c = *it->second;
    call_due_.erase({c.due, id});
    SipCallEvent e;
    e.call = std::move(c.rec);
    // The end of the capture cuts a linger short but does not change a settled
    // call's story; it only ends the waits (Timer B, idle) that had not run out.
    e.call.closed = end_of_capture && c.why != SipClose::kSettled ? SipClose::kEndOfCapture : c.why;
    e.call.closed_ns = end_of_capture ? end_ns : c.due;
    e.decided_ns = e.call.closed_ns;
    calls_.erase(it);
    // Retransmissions and stragglers for a reported Call-ID join nothing for a while.
    if (closed_.size() >= s_.max_calls && !closed_due_.empty()) {
        closed_.erase(closed_due_.begin()->second);
        closed_due_.erase(closed_due_.begin());
    }
    const uint64_t expiry = after(e.decided_ns, after(s_.timer_b_ns, s_.linger_ns));
    if (closed_.emplace(id, expiry).second) closed_due_.insert({expiry, id});
    e.verdict = diagnose_sip_call(e.call, s_.policy_fast_ns);
    emit(e);
}

void SipCallTracker::emit(SipCallEvent& e) {
    if (e.verdict.code == FailureCode::kNone) {
        ++n_.calls_silent;
        return;
    }
    if (e.verdict.code == FailureCode::kCallOk && !s_.ok_events) {
        ++n_.ok_suppressed;
        return;
    }
    ++n_.events;
    sink_.sip_call(e);
}

}  // namespace cs
