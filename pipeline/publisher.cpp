#include "pipeline/publisher.h"

#include <rte_ring.h>

#include <ctime>
#include <string_view>

#include "workers/attempt_join.h"
#include "workers/attempt_story.h"
#include "workers/connect_watch.h"
#include "workers/dns_event_log.h"
#include "workers/dns_transactions.h"
#include "workers/sip_calls.h"
#include "workers/sip_event_log.h"
#include "workers/tcp_event_log.h"
#include "workers/tls_event_log.h"

namespace cs {

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

namespace {

class Publisher : public IncidentSink, public SipCallSink, public DnsSink, public ConnectWatchSink {
public:
    Publisher(const EventContext& ctx, const LiveRules& rules, std::vector<std::unique_ptr<EventSink>>& sinks,
              uint64_t join_window_ns)
        : ctx_(ctx),
          rules_(rules),
          sinks_(sinks),
          join_(join_window_ns, ctx, [this](const RenderedEvent& e, FailureCode code) { send(e, catalog_entry(code).name); }) {}
    AttemptJoin& joins() { return join_; }
    AttemptLedger& ledger() { return ledger_; }
    void watch_connects(ConnectWatch* w) { watch_ = w; }

    void attempt(const FailedAttempt& a) override { join_.tcp(a, render_attempt(a, ctx_), story_of(ledger_, a)); }
    void folded(const FoldSummary& s) override { send(render_fold(s, ctx_), catalog_entry(s.key.code).name); }
    void tls_incident(const TlsIncident& i) override {
        RenderedEvent e = render_tls_incident(i, ctx_);
        if (i.verdict.code != FailureCode::kTlsOk) add_story(e, story_of(ledger_, i), ctx_);
        send(e, catalog_entry(i.verdict.code).name);
    }
    void tls_folded(const IncidentFold& f) override {
        send(render_tls_fold(f, ctx_), catalog_entry(f.key.base.code).name);
    }
    void dns_event(const DnsEvent& e) override {
        const std::shared_ptr<const DnsShared> dns = rules_.dns();
        join_.dns(e, with_story(render_dns_event(e, ctx_, dns ? dns->rules.get() : nullptr), story_of(e)));
    }
    void dns_fold(const DnsFold& f) override { send(render_dns_fold(f, ctx_), catalog_entry(f.code).name); }
    void dns_answer(const DnsAnswerSeen& a) override {
        ledger_.answer(a);
        if (watch_) watch_->answer(a);
    }
    void not_attempted(const NotAttempted& n) override {
        send(with_story(render_not_attempted(n, ctx_), story_of(n)), catalog_entry(FailureCode::kConnectNotAttempted).name);
    }
    void sip_call(const SipCallEvent& e) override {
        // Matched rules are named from the rules in force now (ids are stable across reloads).
        const std::shared_ptr<const SipShared> sip = rules_.sip();
        RenderedEvent r = render_sip_call(e, ctx_, sip ? sip->rules.get() : nullptr);
        if (e.verdict.code != FailureCode::kCallOk) add_story(r, story_of(ledger_, e), ctx_);
        send(r, catalog_entry(e.verdict.code).name);
    }
    void sip_registration(const SipRegistrationEvent& e) override {
        const std::shared_ptr<const SipShared> sip = rules_.sip();
        send(with_story(render_sip_registration(e, ctx_, sip ? sip->rules.get() : nullptr), story_of(ledger_, e)),
             catalog_entry(e.code).name);
    }

    void send_raw(std::string_view topic, std::string_view json) {
        for (auto& s : sinks_) {
            if (s->publish(topic, json)) continue;
            if (std::string_view(s->name()) == "zmq") ++n_.dropped_zmq;
            else ++n_.dropped_file;
        }
    }
    PublisherCounters counters() const {
        PublisherCounters c = n_;
        c.ledger = ledger_.counters();
        return c;
    }
    void reloaded(bool ok) { ++(ok ? n_.reloads : n_.reload_failures); }

private:
    RenderedEvent with_story(RenderedEvent e, const AttemptStory& s) const {
        add_story(e, s, ctx_);
        return e;
    }
    void send(const RenderedEvent& e, std::string_view code) {
        ++n_.events;
        ++n_.events_by_code[std::string(code)];
        send_raw(e.topic, e.json);
    }

    const EventContext& ctx_;
    const LiveRules& rules_;
    std::vector<std::unique_ptr<EventSink>>& sinks_;
    AttemptLedger ledger_;
    ConnectWatch* watch_ = nullptr;
    AttemptJoin join_;
    PublisherCounters n_;
};

SipCallSettings sip_call_settings(const Config& cfg) {
    SipCallSettings s;
    s.timer_b_ns = uint64_t(cfg.sip.timer_b_s * 1e9);
    s.max_message_bytes = cfg.sip.max_message_bytes;
    s.call_idle_ns = uint64_t(cfg.sip.call_idle_s * 1e9);
    s.max_calls = cfg.sip.max_calls;
    s.registrations.timer_f_ns = s.timer_b_ns;  // Timer F is 64*T1, as Timer B
    s.registrations.max_registrations = cfg.sip.max_calls;
    s.ok_events = cfg.emit_ok_events;
    return s;
}

DnsLookupSettings dns_settings(const Config& cfg) {
    DnsLookupSettings s;
    s.timeout_ns = uint64_t(cfg.dns.timeout_s * 1e9);
    s.max_lookups = cfg.dns.max_lookups;
    s.fold_window_ns = uint64_t(cfg.timeouts.fold_window_s * 1e9);
    return s;
}

// SIGHUP: new signature files in force, or the old ones kept and why.
void reload_rules(const Config& cfg, LiveRules& rules, Publisher& pub) {
    std::string error;
    if (rules.reload(cfg, &error)) {
        pub.reloaded(true);
        fprintf(stderr, "callsentry: signatures reloaded (generation %llu)\n", (unsigned long long)rules.generation());
    } else {
        pub.reloaded(false);
        fprintf(stderr, "callsentry: reload failed, the rules in force stay: %s\n", error.c_str());
    }
}

}  // namespace

PublisherResult run_publisher(const Config& cfg, const Runtime& rt, RunState& rs, const EventContext& ctx,
                              LiveRules& rules, std::vector<std::unique_ptr<EventSink>>& sinks, uint64_t wall_start_ns) {
    // A wrong-domain lookup waits for the 5061 attempt it may join: that
    // attempt closes a failover window and a SYN timeout after its last connect.
    const uint64_t join_window = uint64_t((cfg.timeouts.attempt_max_span_s + cfg.timeouts.syn_timeout_s) * 1e9);
    Publisher pub(ctx, rules, sinks, join_window);
    AttemptCorrelator corr(cfg, pub);
    SipCallTracker calls(sip_call_settings(cfg), pub);
    DnsTransactionTracker lookups(dns_settings(cfg), pub);
    ConnectWatch connects(ConnectWatchSettings{}, pub.ledger(), pub);
    pub.watch_connects(&connects);
    std::vector<WorkerSlot>& workers = *rs.workers;
    const bool live = !cfg.offline();
    const uint64_t stats_every = uint64_t(cfg.timeouts.stats_interval_s * 1e9);
    uint64_t next_stats = monotonic_ns() + stats_every;
    uint64_t last_clock = 0;

    for (;;) {
        // The clocks first: every fact decided before them is already in the rings.
        uint64_t clock = kClockEnd;
        for (const WorkerSlot& w : workers) clock = std::min(clock, w.clock.load(std::memory_order_acquire));
        unsigned drained = 0;
        for (WorkerSlot& w : workers) {
            ConnFact facts[32];
            unsigned n;
            while ((n = rte_ring_sc_dequeue_burst_elem(w.facts, facts, sizeof(ConnFact), 32, nullptr)) > 0) {
                for (unsigned i = 0; i < n; ++i) {
                    const ConnFact& f = facts[i];
                    if (f.kind != ConnFact::kFailure) pub.ledger().connection(f);
                    if (f.kind == ConnFact::kFailure || (f.kind == ConnFact::kSeen && corr.pairs_vantages())) corr.push(f);
                }
                drained += n;
            }
            void* incidents[32];
            while ((n = rte_ring_sc_dequeue_burst(w.incidents, incidents, 32, nullptr)) > 0) {
                for (unsigned i = 0; i < n; ++i)
                    corr.push(std::unique_ptr<TlsIncident>(static_cast<TlsIncident*>(incidents[i])));
                drained += n;
            }
            SipFact sip[8];
            while ((n = rte_ring_sc_dequeue_burst_elem(w.sip, sip, sizeof(SipFact), 8, nullptr)) > 0) {
                for (unsigned i = 0; i < n; ++i) calls.push(sip[i]);
                drained += n;
            }
            DnsFact dns[8];
            while ((n = rte_ring_sc_dequeue_burst_elem(w.dns, dns, sizeof(DnsFact), 8, nullptr)) > 0) {
                for (unsigned i = 0; i < n; ++i) lookups.push(dns[i]);
                drained += n;
            }
        }
        // Lookups before connection attempts: a lookup's verdict is older than
        // the attempt that may join it. At the end, what is still open ends
        // with the capture's last packet.
        if (clock == kClockEnd) {
            const uint64_t last_packet = rs.rx_clock.load(std::memory_order_acquire);
            lookups.end_capture(last_packet);
            connects.end_capture(last_packet);
            calls.end_capture(last_packet);
        } else {
            lookups.advance(clock);
            connects.advance(clock);
            calls.advance(clock);
        }
        corr.advance(clock);
        pub.joins().advance(clock);
        pub.ledger().advance(clock);
        if (rs.reload.exchange(false)) reload_rules(cfg, rules, pub);
        last_clock = std::max(last_clock, rs.rx_clock.load(std::memory_order_relaxed));
        if (clock == kClockEnd) break;
        if (live && monotonic_ns() >= next_stats) {
            next_stats += stats_every;
            RunStats s = collect_stats(rs, rt, corr.counters(), calls.counters(), lookups.counters(), pub.counters(),
                                       double(monotonic_ns() - wall_start_ns) / 1e9);
            pub.send_raw("callsentry.stats", render_stats_json(s, last_clock, false));
        }
        if (!drained) {
            timespec ts{0, 1000000};  // 1 ms: the publisher must not take a core from the workers
            nanosleep(&ts, nullptr);
        }
    }
    PublisherResult r;
    r.final_stats = collect_stats(rs, rt, corr.counters(), calls.counters(), lookups.counters(), pub.counters(),
                                  double(monotonic_ns() - wall_start_ns) / 1e9);
    pub.send_raw("callsentry.stats", render_stats_json(r.final_stats, last_clock, true));
    r.final_stats.publisher = pub.counters();
    return r;
}

}  // namespace cs
