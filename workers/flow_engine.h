// FlowEngine: everything a worker does with a decoded packet, without DPDK:
// find the flow, update its TCP story, give verdicts when a packet or packet
// time settles one, and hand the ConnFacts to a sink. One per worker; nothing
// shared, no locks, no allocation after construction.
#pragma once
#include <cstdint>

#include "pipeline/config.h"
#include "pipeline/ip_reassembly.h"
#include "pipeline/packet_view.h"
#include "workers/conn_fact.h"
#include "workers/dns_tracker.h"
#include "workers/flow_table.h"
#include "workers/sip_tracker.h"
#include "workers/tls_tracker.h"

namespace cs {

// Where verdicts go (the worker's rings to the publisher; vectors in tests).
class FactSink : public TlsIncidentSink, public SipFactSink, public DnsFactSink {
public:
    virtual bool push(const ConnFact& fact) = 0;  // false: full, the fact is dropped
};

struct EngineCounters {
    uint64_t packets = 0, bytes = 0;
    uint64_t flows_created = 0, flows_expired = 0, flow_table_full = 0;
    uint64_t tcp_connections = 0, tcp_established = 0;
    uint64_t facts = 0, facts_dropped = 0;
    uint64_t syn_pending_at_end = 0;  // lone SYNs cut off by the end of the capture
};

class FlowEngine {
public:
    // `tls`: trust stores and identity rules for the TLS analyzer; `sip`, `dns`:
    // the SIP and DNS signatures (null: none).
    FlowEngine(const Config& cfg, FactSink& sink, const TlsShared* tls = nullptr, const SipShared* sip = nullptr,
               const DnsShared* dns = nullptr);

    // One decoded packet of a monitored flow (decode said kOk).
    void process(const PacketView& v);
    // Packet time has reached now_ns: give the verdicts it settles.
    void advance(uint64_t now_ns);
    // End of capture: every verdict that the packets seen already prove.
    void flush();
    // Every verdict for a time before this has been pushed.
    uint64_t watermark() const { return table_.timers().watermark(); }

    const EngineCounters& counters() const { return n_; }
    const TlsCounters& tls_counters() const { return tls_.counters(); }
    const SipCounters& sip_counters() const { return sip_.counters(); }
    const DnsCounters& dns_counters() const { return dns_.counters(); }
    const IpReassemblyCounters& fragment_counters() const { return frags_.counters(); }
    const ReassemblyCounters& reassembly_counters() const { return pool_.counters(); }
    // Signatures reloaded (allocates; between packets only).
    void take_rules(const TlsShared* tls, const SipShared* sip, const DnsShared* dns) {
        tls_.take_rules(tls);
        sip_.take_rules(sip);
        dns_.take_rules(dns);
    }
    uint32_t live_flows() const { return table_.size(); }

private:
    void on_check(uint32_t idx, uint64_t now_ns, bool end_of_capture);
    void emit(const ConnFact& fact);
    uint64_t next_check(Flow& f, uint64_t tls_due) const;
    void forget(uint32_t idx);
    void emit_view(const Flow& f, uint64_t decided_ns, bool at_capture_end);
    void emit_started(const Flow& f, uint64_t ts_ns);
    void process_whole(const PacketView& v);
    void claim(Flow& f, const PacketView& v);
    void app_packet(Flow& f, const PacketView& v, bool from_client);
    void finish_app(Flow& f, bool end_of_capture);

    const Config& cfg_;
    FactSink& sink_;
    mutable FlowTable table_;
    ReassemblyPool pool_;  // out-of-order TCP bytes of every analysed flow
    TlsTracker tls_;
    SipTracker sip_;
    DnsTracker dns_;
    IpReassembler frags_;          // UDP datagrams that came in fragments
    uint64_t next_frag_expiry_ = 0;
    EngineCounters n_;
};

}  // namespace cs
