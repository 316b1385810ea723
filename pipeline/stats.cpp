#include "pipeline/stats.h"

#include <rte_ethdev.h>

#include "pipeline/eal_setup.h"
#include "pipeline/ecs_json.h"

#include <algorithm>

namespace cs {

namespace {
void add_engine(EngineCounters& a, const EngineCounters& b) {
    a.packets += b.packets; a.bytes += b.bytes;
    a.flows_created += b.flows_created; a.flows_expired += b.flows_expired; a.flow_table_full += b.flow_table_full;
    a.tcp_connections += b.tcp_connections; a.tcp_established += b.tcp_established;
    a.facts += b.facts; a.facts_dropped += b.facts_dropped; a.syn_pending_at_end += b.syn_pending_at_end;
}
void add_fragments(IpReassemblyCounters& a, const IpReassemblyCounters& b) {
    a.fragments += b.fragments; a.held += b.held; a.duplicates += b.duplicates; a.completed += b.completed;
    a.timed_out += b.timed_out; a.other_protocol += b.other_protocol;
    for (size_t i = 0; i < size_t(FragDrop::kCount); ++i) a.drops[i] += b.drops[i];
}
void add_dns(DnsCounters& a, const DnsCounters& b) {
    a.flows_udp += b.flows_udp; a.flows_tcp += b.flows_tcp; a.messages += b.messages; a.queries += b.queries;
    a.responses += b.responses; a.rcode_nxdomain += b.rcode_nxdomain; a.rcode_servfail += b.rcode_servfail;
    a.truncated += b.truncated; a.malformed += b.malformed; a.watched += b.watched;
    a.facts_dropped += b.facts_dropped; a.tcp_pool_exhausted += b.tcp_pool_exhausted;
}
void add_sip(SipCounters& a, const SipCounters& b) {
    a.flows += b.flows; a.messages += b.messages; a.unparsed += b.unparsed; a.facts_dropped += b.facts_dropped;
    a.datagrams += b.datagrams;
    SipStreamCounters& x = a.stream;
    const SipStreamCounters& y = b.stream;
    x.messages += y.messages; x.oversize += y.oversize; x.invalid += y.invalid; x.resyncs += y.resyncs;
    x.bytes_discarded += y.bytes_discarded; x.gaps += y.gaps; x.pool_exhausted += y.pool_exhausted;
}
}  // namespace

RunStats collect_stats(const RunState& rs, const Runtime& rt, const CorrelatorCounters& corr,
                       const SipCallCounters& calls, const DnsLookupCounters& lookups, const PublisherCounters& pub,
                       double wall_s) {
    RunStats s;
    s.rules_generation_min = UINT64_MAX;
    s.rx = seqlock_read(rs.rx_snap_version, rs.rx_snap);
    for (const WorkerSlot& w : *rs.workers) {
        WorkerSlot::Snapshot snap = seqlock_read(w.snap_version, w.snap);
        add_engine(s.engine, snap.engine);
        const TlsCounters& t = snap.tls;
        s.tls.connections += t.connections; s.tls.not_tls += t.not_tls;
        s.tls.analyzers_exhausted += t.analyzers_exhausted; s.tls.verdicts += t.verdicts;
        s.tls.incidents_dropped += t.incidents_dropped;
        const ReassemblyCounters& r = snap.reassembly;
        s.reassembly.bytes_delivered += r.bytes_delivered; s.reassembly.gaps += r.gaps;
        s.reassembly.gap_bytes += r.gap_bytes; s.reassembly.overlaps += r.overlaps;
        s.reassembly.differing_overlaps += r.differing_overlaps; s.reassembly.bytes_dropped_cap += r.bytes_dropped_cap;
        s.rx.add(snap.rx);
        s.live_flows += snap.live_flows;
        add_sip(s.sip, snap.sip);
        add_fragments(s.fragments, snap.fragments);
        add_dns(s.dns, snap.dns);
        s.rules_generation_min = std::min(s.rules_generation_min, snap.rules_generation);
    }
    if (rs.workers->empty()) s.rules_generation_min = 0;
    s.calls = calls;
    s.lookups = lookups;
    s.workers = unsigned(rs.workers->size());
    s.rss_mode = rt.rss_mode;
    s.correlator = corr;
    s.publisher = pub;
    for (const PortInfo& p : rt.ports) {
        rte_eth_stats st;
        if (rte_eth_stats_get(p.port_id, &st) != 0) continue;
        s.ports.ipackets += st.ipackets; s.ports.ibytes += st.ibytes; s.ports.imissed += st.imissed;
        s.ports.ierrors += st.ierrors; s.ports.rx_nombuf += st.rx_nombuf;
    }
    s.wall_s = wall_s;
    return s;
}

std::string render_stats_json(const RunStats& s, uint64_t ts_ns, bool final) {
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    auto num = [&](const char* k, uint64_t v) { w.Key(k); w.Uint64(v); };
    w.StartObject();
    w.Key("@timestamp"); w.String(iso8601_ms(ts_ns).c_str());
    w.Key("schema"); w.String("callsentry/1");
    w.Key("event"); w.StartObject();
    w.Key("kind"); w.String("metric");
    w.Key("dataset"); w.String("callsentry.stats");
    w.Key("action"); w.String(final ? "final" : "periodic");
    w.EndObject();
    w.Key("callsentry"); w.StartObject();
    w.Key("stats"); w.StartObject();
    num("packets", s.rx.packets); num("bytes", s.rx.bytes);
    num("packets_monitored", s.engine.packets); num("packets_not_monitored", s.rx.not_monitored);
    w.Key("drops"); w.StartObject();
    num("worker_ring_full", s.rx.ring_full_drops); num("flow_table_full", s.engine.flow_table_full);
    num("port_missed", s.ports.imissed); num("port_errors", s.ports.ierrors); num("port_no_mbuf", s.ports.rx_nombuf);
    w.EndObject();
    w.Key("decode"); w.StartObject();
    for (size_t i = 0; i < size_t(DecodeStatus::kCount); ++i)
        if (s.rx.decode[i]) num(decode_status_name(DecodeStatus(i)), s.rx.decode[i]);
    w.EndObject();
    w.Key("flows"); w.StartObject();
    num("created", s.engine.flows_created); num("expired", s.engine.flows_expired); num("live", s.live_flows);
    num("tcp_connections", s.engine.tcp_connections); num("tcp_established", s.engine.tcp_established);
    num("syn_pending_at_end", s.engine.syn_pending_at_end);
    w.EndObject();
    w.Key("tls"); w.StartObject();
    num("connections", s.tls.connections); num("not_tls", s.tls.not_tls);
    num("analyzers_exhausted", s.tls.analyzers_exhausted); num("verdicts", s.tls.verdicts);
    num("published", s.correlator.tls_published); num("folded", s.correlator.tls_folded);
    num("ok_suppressed", s.correlator.tls_ok_suppressed); num("forged_resets", s.correlator.forged_resets);
    w.EndObject();
    w.Key("sip"); w.StartObject();
    num("flows", s.sip.flows); num("messages", s.sip.messages); num("datagrams", s.sip.datagrams);
    num("unparsed", s.sip.unparsed); num("oversize", s.sip.stream.oversize); num("resyncs", s.sip.stream.resyncs);
    num("bytes_discarded", s.sip.stream.bytes_discarded); num("streams_exhausted", s.sip.stream.pool_exhausted);
    num("facts_dropped", s.sip.facts_dropped);
    num("calls", s.calls.calls); num("call_events", s.calls.events); num("retransmissions", s.calls.retransmissions);
    num("non_call_messages", s.calls.non_call_messages); num("calls_dropped", s.calls.calls_dropped);
    num("pending_dropped", s.calls.facts_dropped); num("late_facts", s.calls.late_facts);
    num("ok_suppressed", s.calls.ok_suppressed);
    num("registrations", s.calls.registrations.attempts); num("registered", s.calls.registrations.registered);
    num("registration_events", s.calls.registrations.rejected + s.calls.registrations.no_response);
    num("registrations_dropped", s.calls.registrations.dropped);
    num("rules_reloads", s.publisher.reloads); num("rules_reload_failures", s.publisher.reload_failures);
    num("rules_generation", s.rules_generation_min);
    w.EndObject();
    w.Key("dns"); w.StartObject();
    num("flows_udp", s.dns.flows_udp); num("flows_tcp", s.dns.flows_tcp); num("messages", s.dns.messages);
    num("queries", s.dns.queries); num("responses", s.dns.responses); num("nxdomain", s.dns.rcode_nxdomain);
    num("servfail", s.dns.rcode_servfail); num("truncated", s.dns.truncated); num("malformed", s.dns.malformed);
    num("watched", s.dns.watched); num("facts_dropped", s.dns.facts_dropped);
    num("streams_exhausted", s.dns.tcp_pool_exhausted);
    num("lookups", s.lookups.lookups); num("lookups_dropped", s.lookups.lookups_dropped);
    num("cut_by_end", s.lookups.cut_by_end); num("events", s.lookups.events); num("folded", s.lookups.folded);
    w.EndObject();
    w.Key("fragments"); w.StartObject();
    num("fragments", s.fragments.fragments); num("completed", s.fragments.completed);
    num("duplicates", s.fragments.duplicates); num("timed_out", s.fragments.timed_out);
    for (size_t i = 0; i < size_t(FragDrop::kCount); ++i)
        if (s.fragments.drops[i]) num((std::string("dropped_") + frag_drop_name(FragDrop(i))).c_str(), s.fragments.drops[i]);
    w.EndObject();
    w.Key("reassembly"); w.StartObject();
    num("bytes_delivered", s.reassembly.bytes_delivered); num("gaps", s.reassembly.gaps);
    num("gap_bytes", s.reassembly.gap_bytes); num("overlaps", s.reassembly.overlaps);
    num("differing_overlaps", s.reassembly.differing_overlaps); num("bytes_dropped_cap", s.reassembly.bytes_dropped_cap);
    w.EndObject();
    w.Key("events"); w.StartObject();
    num("published", s.publisher.events);
    num("failed_connections", s.engine.facts); num("attempts", s.correlator.attempts);
    num("attempts_folded", s.correlator.attempts_folded); num("fold_summaries", s.correlator.fold_summaries);
    num("dropped_worker_ring", s.engine.facts_dropped + s.tls.incidents_dropped);
    num("dropped_correlator", s.correlator.facts_dropped);
    num("dropped_zmq", s.publisher.dropped_zmq); num("dropped_file", s.publisher.dropped_file);
    const AttemptLedgerCounters& l = s.publisher.ledger;
    num("ledger_answers", l.answers); num("ledger_answers_evicted", l.answers_evicted);
    num("ledger_connections", l.connections); num("ledger_connections_evicted", l.connections_evicted);
    num("ledger_connections_dropped", l.connections_dropped); num("ledger_ends_unmatched", l.ends_unmatched);
    w.Key("by_code"); w.StartObject();
    for (const auto& [code, n] : s.publisher.events_by_code) num(code.c_str(), n);
    w.EndObject();
    w.EndObject();
    num("workers", s.workers);
    w.Key("mode"); w.String(s.rss_mode ? "rss" : "ring");
    w.Key("wall_s"); w.Double(s.wall_s);
    w.EndObject();
    w.EndObject();
    w.EndObject();
    return buf.GetString();
}

void print_summary(FILE* out, const RunStats& s) {
    auto u = [](uint64_t v) { return (unsigned long long)v; };
    fprintf(out, "callsentry summary: %llu packets, %llu bytes in %.3f s (%.0f packets/s), %u worker%s, %s mode\n",
            u(s.rx.packets), u(s.rx.bytes), s.wall_s, s.wall_s > 0 ? double(s.rx.packets) / s.wall_s : 0.0,
            s.workers, s.workers == 1 ? "" : "s", s.rss_mode ? "rss" : "ring");
    fprintf(out, "  monitored packets %llu, not monitored %llu\n", u(s.engine.packets), u(s.rx.not_monitored));
    fprintf(out, "  drops: worker ring full %llu, flow table full %llu, port missed %llu, port errors %llu, no mbuf %llu\n",
            u(s.rx.ring_full_drops), u(s.engine.flow_table_full), u(s.ports.imissed), u(s.ports.ierrors),
            u(s.ports.rx_nombuf));
    fprintf(out, "  decode:");
    for (size_t i = 0; i < size_t(DecodeStatus::kCount); ++i)
        if (s.rx.decode[i]) fprintf(out, " %s %llu", decode_status_name(DecodeStatus(i)), u(s.rx.decode[i]));
    fprintf(out, "\n");
    fprintf(out, "  flows: created %llu, expired %llu, live at end %llu; tcp connections %llu, established %llu\n",
            u(s.engine.flows_created), u(s.engine.flows_expired), u(s.live_flows), u(s.engine.tcp_connections),
            u(s.engine.tcp_established));
    fprintf(out, "  tls: %llu connections (%llu not TLS, %llu without an analyzer), %llu verdicts; reassembly %llu bytes, "
                 "%llu gaps, %llu differing overlaps\n",
            u(s.tls.connections), u(s.tls.not_tls), u(s.tls.analyzers_exhausted), u(s.tls.verdicts),
            u(s.reassembly.bytes_delivered), u(s.reassembly.gaps), u(s.reassembly.differing_overlaps));
    fprintf(out, "  sip: %llu flows, %llu messages (%llu unparsed, %llu over the stream buffer), %llu facts dropped\n",
            u(s.sip.flows), u(s.sip.messages), u(s.sip.unparsed), u(s.sip.stream.oversize), u(s.sip.facts_dropped));
    fprintf(out, "  dns: %llu messages (%llu malformed), %llu about watched names, %llu lookups\n", u(s.dns.messages),
            u(s.dns.malformed), u(s.dns.watched), u(s.lookups.lookups));
    fprintf(out, "  events: %llu published (failed connections %llu, attempts %llu, folded %llu into %llu summaries)\n",
            u(s.publisher.events), u(s.engine.facts), u(s.correlator.attempts), u(s.correlator.attempts_folded),
            u(s.correlator.fold_summaries));
    fprintf(out, "  events dropped: worker ring %llu, correlator %llu, zmq %llu, file %llu\n", u(s.engine.facts_dropped),
            u(s.correlator.facts_dropped), u(s.publisher.dropped_zmq), u(s.publisher.dropped_file));
    for (const auto& [code, n] : s.publisher.events_by_code) fprintf(out, "  %-28s %llu\n", code.c_str(), u(n));
}

}  // namespace cs
