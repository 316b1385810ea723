#include "workers/sip_registrations.h"

#include <fmt/format.h>

#include <algorithm>

namespace cs {

namespace {

constexpr uint64_t kNever = UINT64_MAX;
constexpr size_t kMaxTxns = 8;   // REGISTER transactions remembered per attempt; the latest decides
constexpr size_t kMaxSeen = 32;  // messages remembered per attempt to recognise retransmissions

uint64_t after(uint64_t t, uint64_t d) { return t > kNever - d ? kNever : t + d; }

std::string endpoint(const IpAddr& ip, uint16_t port) {
    return ip.is_v4() ? fmt::format("{}:{}", ip.to_string(), port) : fmt::format("[{}]:{}", ip.to_string(), port);
}
std::string sender(const SipFact& f) {
    return f.from_client ? endpoint(f.client_ip, f.client_port) : endpoint(f.server_ip, f.server_port);
}
std::string receiver(const SipFact& f) {
    return f.from_client ? endpoint(f.server_ip, f.server_port) : endpoint(f.client_ip, f.client_port);
}

// The ladder's line: "REGISTER", "REGISTER with Authorization", "401 Unauthorized".
std::string step_text(const SipFact& f) {
    if (!f.is_request) return fmt::format("{} {}", f.status, f.reason_phrase.view());
    if (!f.credentials) return "REGISTER";
    return f.auth_proxy ? "REGISTER with Proxy-Authorization" : "REGISTER with Authorization";
}

// ` (user "+1XXXXXXXXXX", realm "BroadWorks")`, as far as the header named them.
std::string auth_names(const SipFact& f) {
    std::string parts;
    if (!f.auth_user.empty()) parts = fmt::format("user \"{}\"", f.auth_user.view());
    if (!f.auth_realm.empty()) parts += fmt::format("{}realm \"{}\"", parts.empty() ? "" : ", ", f.auth_realm.view());
    return parts.empty() ? parts : fmt::format(" ({})", parts);
}

std::string credentials_text(const SipFact& f) {
    if (!f.credentials) return "without credentials";
    return fmt::format("with {}{}", f.auth_proxy ? "Proxy-Authorization" : "Authorization", auth_names(f));
}

std::string duration(uint64_t ns) {
    if (ns < 10'000'000'000ull) return fmt::format("{:.1f} ms", double(ns) / 1e6);
    return fmt::format("{:.1f} s", double(ns) / 1e9);
}

// The sentence and the frames of a failed attempt, the way an engineer reads
// the REGISTER ladder: what the phone sent, the challenge, the REGISTER the
// outcome is about, and its rejection or the silence after it.
void explain(SipRegistrationEvent& e, uint64_t timer_f_ns) {
    const SipRegistrationRecord& g = e.reg;
    const SipFact& req = *g.request;
    e.leg = g.request_at.leg;
    const std::string aor(req.to_uri.empty() ? req.from_uri.view() : req.to_uri.view());
    const std::string registrar = receiver(req);
    auto add = [&](const SipAt& at, std::string text) { e.evidence.push_back({at.ns, at.frame, at.leg, std::move(text)}); };
    auto opening = [&](const SipFact& r) {
        return fmt::format("REGISTER {} for {} from {} to {} (CSeq {}) {}", r.request_uri.view(), aor, sender(r),
                           receiver(r), r.cseq, credentials_text(r));
    };
    if (g.first && g.first->cseq != req.cseq) add(g.first_at, opening(*g.first));
    std::string after_challenge;
    if (g.challenge && g.challenge->cseq != req.cseq) {
        const SipFact& c = *g.challenge;
        add(g.challenge_at, fmt::format("{} {} from {}: the registrar's {} challenge{}", c.status, c.reason_phrase.view(),
                                        sender(c), c.auth_proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
                                        auth_names(c)));
        after_challenge = fmt::format(" after the {} challenge", c.status);
    }
    if (g.first && g.first->cseq != req.cseq)
        add(g.request_at, fmt::format("REGISTER (CSeq {}) {}", req.cseq, credentials_text(req)));
    else
        add(g.request_at, opening(req));
    const std::string retried = g.superseded ? fmt::format(" (an earlier {} was retried)", g.superseded) : "";
    if (e.failure == SipRegFailure::kRejected) {
        const SipFact& r = *g.response;
        const std::string warning = r.warning.empty() ? "" : fmt::format(", Warning: {}", r.warning.view());
        add(g.response_at, fmt::format("{} {} from {} to the REGISTER {}, {} after it{}: rejected after credentials",
                                       r.status, r.reason_phrase.view(), sender(r), credentials_text(req),
                                       duration(r.ts_ns - req.ts_ns), warning));
        e.detail = fmt::format("Registration of {} rejected after credentials: {} {} from the registrar {} to the "
                               "REGISTER {}{}{}",
                               aor, r.status, r.reason_phrase.view(), registrar, credentials_text(req), after_challenge,
                               retried);
    } else {
        add(g.request_at, fmt::format("no final response from {} to the REGISTER (CSeq {}) in {} (Timer F)", registrar,
                                      req.cseq, duration(timer_f_ns)));
        e.detail = fmt::format("Registration of {} got no final response from the registrar {} in {} (Timer F) to "
                               "the REGISTER {}{}{}",
                               aor, registrar, duration(timer_f_ns), credentials_text(req), after_challenge, retried);
    }
}

}  // namespace

const char* sip_reg_failure_name(SipRegFailure f) {
    switch (f) {
        case SipRegFailure::kRejected: return "rejected";
        case SipRegFailure::kNoResponse: return "no_response";
    }
    return "?";
}

struct SipRegistrations::Reg {
    SipRegistrationRecord rec;
    Wait why = Wait::kTimerF;
    uint64_t due = 0;
    uint32_t latest_cseq = 0;  // the latest REGISTER transaction
    struct Txn {
        uint32_t cseq = 0;
        bool credentials = false;
        bool answered = false;  // its first final response was taken
    };
    std::vector<Txn> txns;  // at most kMaxTxns, oldest first
    // A message seen again on the same leg (same start line and CSeq) is a retransmission.
    struct Seen {
        int leg;
        bool request;
        uint16_t status;
        uint32_t cseq;
        int step;  // its ladder line, -1 when the ladder was full
    };
    std::vector<Seen> seen;

    Txn* txn(uint32_t cseq) {
        for (Txn& t : txns)
            if (t.cseq == cseq) return &t;
        return nullptr;
    }
};

SipRegistrations::SipRegistrations(const SipRegistrationSettings& settings, SipRegistrationSink& sink)
    : s_(settings), sink_(sink) {}
SipRegistrations::~SipRegistrations() = default;

void SipRegistrations::take(const SipFact& f) {
    ++n_.messages;
    const std::string_view id = f.call_id.view();
    if (auto c = closed_.find(id); c != closed_.end()) {
        // A refresh, or a retry after the attempt was reported, has a higher CSeq.
        if (!f.is_request || f.cseq <= c->second.cseq) {
            ++n_.late;
            return;
        }
        closed_due_.erase({c->second.expiry, c->first});
        closed_.erase(c);
    }
    auto it = regs_.find(id);
    if (it == regs_.end()) {
        if (!f.is_request) {
            ++n_.orphan_responses;
            return;
        }
        if (regs_.size() >= s_.max_registrations) {
            ++n_.dropped;
            return;
        }
        auto r = std::make_unique<Reg>();
        r->rec.call_id = std::string(id);
        r->rec.first_ns = f.ts_ns;
        ++n_.attempts;
        it = regs_.emplace(r->rec.call_id, std::move(r)).first;
    }
    if (f.is_request) on_request(*it->second, f);
    else on_response(*it->second, f);
}

int SipRegistrations::leg_for(Reg& r, const SipFact& f) {
    std::vector<SipLeg>& legs = r.rec.legs;
    for (size_t i = 0; i < legs.size(); ++i)
        if (legs[i].vantage == f.vantage && legs[i].conn_id == f.conn_id) return int(i);
    if (legs.size() >= SipRegistrationRecord::kMaxLegs) {
        ++n_.legs_unlisted;
        return -1;
    }
    legs.push_back(SipLeg{.vantage = f.vantage, .conn_id = f.conn_id, .transport = f.transport,
                          .direction = f.direction, .client_ip = f.client_ip, .server_ip = f.server_ip,
                          .client_port = f.client_port, .server_port = f.server_port, .first_ns = f.ts_ns,
                          .first_frame = f.first_frame ? f.first_frame : f.frame, .messages = 0,
                          .retransmissions = 0, .max_msg_bytes = 0, .invite = std::nullopt});
    return int(legs.size() - 1);
}

// Puts the message on the ladder, or marks its line again when it is a
// retransmission (then false).
bool SipRegistrations::note(Reg& r, const SipFact& f, int leg) {
    SipRegistrationRecord& rec = r.rec;
    for (const Reg::Seen& s : r.seen) {
        if (s.leg != leg || s.request != f.is_request || s.status != f.status || s.cseq != f.cseq) continue;
        ++n_.retransmissions;
        ++rec.retransmissions;
        if (leg >= 0) ++rec.legs[size_t(leg)].retransmissions;
        if (s.step >= 0) ++rec.ladder[size_t(s.step)].repeats;
        return false;
    }
    ++rec.steps_total;
    int line = -1;
    if (rec.ladder.size() < SipRegistrationRecord::kMaxSteps) {
        line = int(rec.ladder.size());
        rec.ladder.push_back(
            SipStep{.ns = f.ts_ns, .frame = f.frame, .leg = leg, .from_client = f.from_client, .repeats = 0, .text = {}});
        rec.ladder.back().text.set(step_text(f));
    } else {
        ++n_.steps_unlisted;
    }
    if (r.seen.size() < kMaxSeen) r.seen.push_back({leg, f.is_request, f.status, f.cseq, line});
    if (leg >= 0) {
        SipLeg& l = rec.legs[size_t(leg)];
        ++l.messages;
        l.max_msg_bytes = std::max(l.max_msg_bytes, f.msg_bytes);
    }
    return true;
}

void SipRegistrations::on_request(Reg& r, const SipFact& f) {
    SipRegistrationRecord& rec = r.rec;
    const int leg = leg_for(r, f);
    if (!note(r, f, leg)) return;
    // The same transaction on another hop, or an older one seen late, decides nothing.
    if (!r.txns.empty() && f.cseq <= r.latest_cseq) return;
    if (r.why == Wait::kRejected) {  // the phone retried the rejected REGISTER: not the attempt's failure
        ++n_.superseded;
        rec.superseded = rec.response->status;
        rec.response.reset();
        rec.response_at = {};
    }
    if (r.txns.size() >= kMaxTxns) r.txns.erase(r.txns.begin());
    r.txns.push_back({f.cseq, f.credentials, false});
    r.latest_cseq = f.cseq;
    ++rec.transactions;
    ++n_.transactions;
    const SipAt at{f.ts_ns, f.frame, leg, true};
    if (!rec.first) {
        rec.first = f;
        rec.first_at = at;
    }
    rec.request = f;
    rec.request_at = at;
    wait(rec.call_id, r, Wait::kTimerF, after(f.ts_ns, s_.timer_f_ns));
}

void SipRegistrations::on_response(Reg& r, const SipFact& f) {
    SipRegistrationRecord& rec = r.rec;
    const int leg = leg_for(r, f);
    if (!note(r, f, leg)) return;
    Reg::Txn* t = r.txn(f.cseq);
    if (!t) {
        ++n_.orphan_responses;
        return;
    }
    // Provisional responses do not stop Timer F (RFC 3261 §17.1.2.2); the
    // first final decides, its copy on another hop does not.
    if (f.status < 200 || t->answered) return;
    t->answered = true;
    if (f.cseq != r.latest_cseq) return;  // answers a REGISTER the phone already replaced
    const SipAt at{f.ts_ns, f.frame, leg, true};
    if (f.status < 300) {
        ++n_.registered;
        finish(rec.call_id, std::nullopt, f.ts_ns);
    } else if ((f.status == 401 || f.status == 407) && !t->credentials) {
        ++n_.challenges;
        rec.challenge = f;
        rec.challenge_at = at;
        wait(rec.call_id, r, Wait::kChallenge, after(f.ts_ns, s_.retry_window_ns));
    } else if (t->credentials) {
        rec.response = f;
        rec.response_at = at;
        wait(rec.call_id, r, Wait::kRejected, after(f.ts_ns, s_.retry_window_ns));
    } else {
        ++n_.rejected_unchallenged;
        finish(rec.call_id, std::nullopt, f.ts_ns);
    }
}

void SipRegistrations::wait(const std::string& id, Reg& r, Wait why, uint64_t due) {
    due_.erase({r.due, id});
    r.why = why;
    r.due = due;
    due_.insert({due, id});
}

uint64_t SipRegistrations::next_due() const {
    const uint64_t reg_t = due_.empty() ? kNever : due_.begin()->first;
    const uint64_t closed_t = closed_due_.empty() ? kNever : closed_due_.begin()->first;
    return std::min(reg_t, closed_t);
}

void SipRegistrations::fire_next(bool end, uint64_t end_ns) {
    if (due_.empty() || (!closed_due_.empty() && closed_due_.begin()->first < due_.begin()->first)) {
        if (closed_due_.empty()) return;
        closed_.erase(closed_due_.begin()->second);
        closed_due_.erase(closed_due_.begin());
        return;
    }
    const std::string id = due_.begin()->second;  // a copy: finishing erases the entry
    Reg& r = *regs_.find(id)->second;
    const uint64_t due = r.due;
    const bool cut = end && due > end_ns;
    switch (r.why) {
        case Wait::kTimerF:
            ++(cut ? n_.cut_by_end : n_.no_response);
            finish(id, cut ? std::nullopt : std::optional(SipRegFailure::kNoResponse), cut ? end_ns : due);
            break;
        case Wait::kChallenge:
            ++(cut ? n_.cut_by_end : n_.challenges_unanswered);
            finish(id, std::nullopt, cut ? end_ns : due);
            break;
        case Wait::kRejected:
            // The rejection completed the story; the end of the capture only cut the wait for a retry.
            r.rec.end_of_capture = cut;
            ++n_.rejected;
            finish(id, SipRegFailure::kRejected, cut ? end_ns : due);
            break;
    }
}

void SipRegistrations::finish(std::string id, std::optional<SipRegFailure> failure, uint64_t decided_ns) {
    auto it = regs_.find(id);
    if (it == regs_.end()) return;
    Reg& r = *it->second;
    due_.erase({r.due, id});
    const uint32_t cseq = r.latest_cseq;
    std::optional<SipRegistrationEvent> e;
    if (failure) {
        e.emplace();
        e->reg = std::move(r.rec);
        e->failure = *failure;
        e->reg.closed_ns = e->decided_ns = decided_ns;
    }
    regs_.erase(it);
    // Its retransmissions and stragglers join nothing for a while.
    if (closed_.size() >= s_.max_registrations && !closed_due_.empty()) {
        closed_.erase(closed_due_.begin()->second);
        closed_due_.erase(closed_due_.begin());
    }
    const uint64_t expiry = after(decided_ns, after(s_.timer_f_ns, s_.retry_window_ns));
    if (closed_.emplace(id, Closed{cseq, expiry}).second) closed_due_.insert({expiry, id});
    if (!e) return;
    explain(*e, s_.timer_f_ns);
    sink_.sip_registration(*e);
}

}  // namespace cs
