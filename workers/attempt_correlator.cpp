#include "workers/attempt_correlator.h"

#include <algorithm>

namespace cs {

AttemptKey attempt_key_of(const ConnFact& f) {
    AttemptKey k{f.code, f.direction, f.vantage, f.client_ip, f.server_port};
    if (f.direction == Direction::kInbound) k.onprem_ip = f.server_ip;
    return k;
}

bool AttemptCorrelator::PendingFact::operator<(const PendingFact& o) const {
    const ConnFact &a = fact, &b = o.fact;
    return std::tie(due, a.start_ns, a.client_ip, a.client_port, a.server_ip, a.server_port, a.code, a.vantage) <
           std::tie(o.due, b.start_ns, b.client_ip, b.client_port, b.server_ip, b.server_port, b.code, b.vantage);
}

AttemptCorrelator::AttemptCorrelator(const Config& cfg, IncidentSink& sink)
    : cfg_(cfg),
      sink_(sink),
      // A verdict comes at the latest syn_timeout after its connection started.
      hold_ns_(uint64_t(cfg.timeouts.syn_timeout_s * 1e9) + 1),
      window_ns_(uint64_t(cfg.timeouts.failover_window_s * 1e9)),
      span_ns_(uint64_t(cfg.timeouts.attempt_max_span_s * 1e9)),
      fold_ns_(uint64_t(cfg.timeouts.fold_window_s * 1e9)) {}

void AttemptCorrelator::push(const ConnFact& fact) {
    ++n_.facts;
    if (pending_.size() >= kMaxPendingFacts) {
        ++n_.facts_dropped;
        return;
    }
    pending_.insert(PendingFact{fact.start_ns + hold_ns_, fact});
}

uint64_t AttemptCorrelator::close_due_of(const FailedAttempt& a) const {
    return std::min(a.last_ns + window_ns_, a.first_ns + span_ns_) + hold_ns_;
}

void AttemptCorrelator::add_connection(std::vector<ConnFact>& list, uint32_t& total, const ConnFact& f) {
    ++total;
    if (list.size() < cfg_.limits.max_attempt_connections) list.push_back(f);
    else ++n_.connections_unlisted;
}

void AttemptCorrelator::take_fact(const ConnFact& f) {
    const AttemptKey key = attempt_key_of(f);
    auto it = attempts_.find(key);
    if (it != attempts_.end()) {
        FailedAttempt& a = it->second.a;
        if (f.start_ns <= a.last_ns + window_ns_ && f.start_ns <= a.first_ns + span_ns_) {
            add_connection(a.connections, a.connections_total, f);
            a.last_ns = std::max(a.last_ns, f.start_ns);
            attempt_due_.erase({it->second.close_due, key});
            it->second.close_due = close_due_of(a);
            attempt_due_.insert({it->second.close_due, key});
            return;
        }
        close_attempt(key);
    }
    if (attempts_.size() >= kMaxOpenKeys) {
        ++n_.facts_dropped;
        return;
    }
    OpenAttempt oa;
    oa.a.key = key;
    oa.a.first_ns = oa.a.last_ns = f.start_ns;
    add_connection(oa.a.connections, oa.a.connections_total, f);
    oa.close_due = close_due_of(oa.a);
    attempt_due_.insert({oa.close_due, key});
    attempts_.emplace(key, std::move(oa));
    ++n_.attempts;
}

void AttemptCorrelator::close_attempt(const AttemptKey& key) {
    auto it = attempts_.find(key);
    if (it == attempts_.end()) return;
    FailedAttempt a = std::move(it->second.a);
    attempt_due_.erase({it->second.close_due, key});
    attempts_.erase(it);

    auto fit = folds_.find(key);
    if (fit != folds_.end() && a.first_ns < fit->second.s.window_end_ns) {
        FoldSummary& s = fit->second.s;
        if (s.attempts == 0) s.first_ns = a.first_ns;
        ++s.attempts;
        s.last_ns = a.last_ns;
        for (const ConnFact& c : a.connections) add_connection(s.connections, s.connections_total, c);
        s.connections_total += a.connections_total - uint32_t(a.connections.size());
        ++n_.attempts_folded;
        return;
    }
    sink_.attempt(a);
    ++n_.attempts_published;
    if (fit == folds_.end() && folds_.size() < kMaxOpenKeys) {
        OpenFold of;
        of.s.key = key;
        of.s.window_start_ns = a.first_ns;
        of.s.window_end_ns = a.first_ns + fold_ns_;
        fold_due_.insert({of.s.window_end_ns, key});
        folds_.emplace(key, std::move(of));
    }
}

void AttemptCorrelator::close_fold(const AttemptKey& key) {
    auto it = folds_.find(key);
    if (it == folds_.end()) return;
    fold_due_.erase({it->second.s.window_end_ns, key});
    if (it->second.s.attempts > 0) {
        sink_.folded(it->second.s);
        ++n_.fold_summaries;
    }
    folds_.erase(it);
}

void AttemptCorrelator::advance(uint64_t watermark) {
    for (;;) {
        const uint64_t kNever = UINT64_MAX;
        uint64_t fact_due = pending_.empty() ? kNever : pending_.begin()->due;
        uint64_t att_due = attempt_due_.empty() ? kNever : attempt_due_.begin()->first;
        uint64_t fold_due = fold_due_.empty() ? kNever : fold_due_.begin()->first;
        uint64_t next = std::min({fact_due, att_due, fold_due});
        if (next == kNever || (next >= watermark && watermark != kNever)) return;
        if (fact_due == next) {
            ConnFact f = pending_.begin()->fact;
            pending_.erase(pending_.begin());
            take_fact(f);
        } else if (att_due == next) {
            const AttemptKey key = attempt_due_.begin()->second;  // a copy: closing erases the entry
            close_attempt(key);
        } else {
            const AttemptKey key = fold_due_.begin()->second;
            close_fold(key);
        }
    }
}

}  // namespace cs
