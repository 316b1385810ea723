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
      fold_ns_(uint64_t(cfg.timeouts.fold_window_s * 1e9)),
      pairing_(cfg),
      ok_ns_(uint64_t(cfg.tls.ok_interval_s * 1e9)) {}

IncidentKey incident_key_of(const TlsIncident& i) {
    IncidentKey k;
    k.base = AttemptKey{i.verdict.code, i.direction, i.vantage, i.onprem_ip(), i.server_port};
    if (i.verdict.code != FailureCode::kTlsOk) return k;
    // TLS_OK is paced per pair of chains: the leaves' fingerprints, folded together.
    for (int s = 0; s < 2; ++s) {
        const ChainReport& c = i.facts.side[s].chain;
        if (c.certs.empty()) continue;
        for (size_t b = 0; b < 32; ++b) k.chains[b] ^= uint8_t(c.certs.front().sha256[b] + s * 0x5b);
    }
    return k;
}

void AttemptCorrelator::push(std::unique_ptr<TlsIncident> inc) {
    ++n_.tls_incidents;
    if (pending_incidents_.size() >= kMaxPendingFacts) {
        ++n_.facts_dropped;
        return;
    }
    PendingKey key{inc->decided_ns, inc->tcp.first_ns, inc->client_ip, inc->client_port, inc->server_ip,
                   inc->server_port, inc->vantage};
    pending_incidents_.emplace(key, std::move(inc));
}

void AttemptCorrelator::take_incident(std::unique_ptr<TlsIncident> inc) {
    if (inc->verdict.code == FailureCode::kTlsOk && !cfg_.emit_ok_events) {
        ++n_.tls_ok_suppressed;
        return;
    }
    const IncidentKey key = incident_key_of(*inc);
    auto it = incident_folds_.find(key);
    if (it != incident_folds_.end() && inc->tcp.first_ns < it->second.f.window_end_ns) {
        IncidentFold& f = it->second.f;
        if (f.count == 0) f.first_ns = inc->tcp.first_ns;
        ++f.count;
        f.last_ns = inc->tcp.first_ns;
        ++f.connections_total;
        if (f.connections.size() < cfg_.limits.max_attempt_connections)
            f.connections.push_back(inc->client_ip.to_string() + ":" + std::to_string(inc->client_port) + " -> " +
                                    inc->server_ip.to_string() + ":" + std::to_string(inc->server_port) + " " +
                                    std::string(inc->session.history.view()));
        ++n_.tls_folded;
        return;
    }
    sink_.tls_incident(*inc);
    ++n_.tls_published;
    if (it == incident_folds_.end() && incident_folds_.size() < kMaxOpenKeys) {
        OpenIncidentFold of;
        of.f.key = key;
        of.f.window_start_ns = inc->tcp.first_ns;
        of.f.window_end_ns = inc->tcp.first_ns + (inc->verdict.code == FailureCode::kTlsOk ? ok_ns_ : fold_ns_);
        incident_fold_due_.insert({of.f.window_end_ns, key});
        incident_folds_.emplace(key, std::move(of));
    }
}

void AttemptCorrelator::close_incident_fold(const IncidentKey& key) {
    auto it = incident_folds_.find(key);
    if (it == incident_folds_.end()) return;
    incident_fold_due_.erase({it->second.f.window_end_ns, key});
    if (it->second.f.count > 0) {
        sink_.tls_folded(it->second.f);
        ++n_.tls_fold_summaries;
    }
    incident_folds_.erase(it);
}

void AttemptCorrelator::push(const ConnFact& fact) {
    ++n_.facts;
    if (pending_.size() >= kMaxPendingFacts) {
        ++n_.facts_dropped;
        return;
    }
    // A failure is certain at most syn_timeout after its connection started; a
    // vantage's view of a connection is pushed when it is made.
    pending_.insert(PendingFact{fact.kind == ConnFact::kSeen ? fact.decided_ns : fact.start_ns + hold_ns_, fact});
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
    if (f.kind == ConnFact::kSeen) {
        ++n_.views;
        pairing_.seen(f);
        return;
    }
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
        uint64_t inc_due = pending_incidents_.empty() ? kNever : std::get<0>(pending_incidents_.begin()->first);
        uint64_t inc_fold_due = incident_fold_due_.empty() ? kNever : incident_fold_due_.begin()->first;
        uint64_t pair_due = pairing_.next_due();
        uint64_t next = std::min({fact_due, att_due, fold_due, inc_due, inc_fold_due, pair_due});
        if (next == kNever || (next >= watermark && watermark != kNever)) return;
        if (fact_due == next) {
            ConnFact f = pending_.begin()->fact;
            pending_.erase(pending_.begin());
            take_fact(f);
        } else if (inc_due == next) {
            auto node = pending_incidents_.extract(pending_incidents_.begin());
            std::unique_ptr<TlsIncident> inc = std::move(node.mapped());
            if (!pairing_.hold(inc)) take_incident(std::move(inc));
        } else if (pair_due == next) {
            take_incident(pairing_.release_next());
        } else if (inc_fold_due == next && inc_fold_due < att_due && inc_fold_due < fold_due) {
            const IncidentKey key = incident_fold_due_.begin()->second;
            close_incident_fold(key);
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
