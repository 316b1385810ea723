// Config: everything callsentry's flags and YAML file hold, validated.
// Flags override the file; a wrong value is a one-line error naming it (exit 2).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/ip_addr.h"
#include "pipeline/port_set.h"

namespace cs {

// One capture input: a pcap file or a live interface, with its vantage label.
struct InputSpec {
    enum Kind { kPcap, kIface } kind = kPcap;
    std::string vantage = "outside";
    std::string path;  // file path or interface name
};

struct Limits {
    uint32_t flows_per_worker = 262144;   // flow table capacity per worker
    uint32_t event_ring = 16384;          // connection facts in flight per worker
    uint32_t sip_ring = 2048;             // SIP message facts in flight per worker (about 3 KB each)
    uint32_t dns_ring = 2048;             // DNS facts (watched names) in flight per worker (about 3 KB each)
    uint32_t worker_ring = 8192;          // mbufs in flight per worker ring (ring mode)
    uint32_t max_attempt_connections = 64; // connections listed in one event
};

struct Timeouts {
    double syn_timeout_s = 10.0;     // a SYN with no answer this long after the first is unanswered
    double failover_window_s = 12.0; // a failed connect within this of the previous one joins its attempt
    double attempt_max_span_s = 60.0;// an attempt is closed after this long, however it goes on
    double fold_window_s = 300.0;    // repeats of one failure within this are folded into one event
    double tcp_idle_s = 300.0;       // an established TCP flow with no packet this long is dropped
    double tcp_closed_s = 5.0;       // a closed (FIN/RST) flow is kept this long for stray packets
    double udp_idle_s = 60.0;
    double stats_interval_s = 10.0;  // live mode: period of the callsentry.stats event (wall clock)
};

// Mutual TLS: trust, identities and pacing (the TLS analyzer and its diagnosis).
struct TlsSettings {
    std::string cloud_cas;                // PEM bundle: the CAs on-prem should trust for the cloud
    std::string public_roots = "system";  // PEM bundle, or "system": the roots the cloud trusts
    std::vector<std::string> expected_identities = {"callservice.ciscospark.com", "callservice.webex.com"};
    std::vector<std::string> verified_domains;  // the organisation's verified domains (Control Hub)
    std::string identity_rules;           // Hyperscan rules file; empty: the one shipped in signatures/
    double handshake_timeout_s = 30.0;    // TLS_HANDSHAKE_STALLED after this long without progress
    double ok_interval_s = 3600.0;        // TLS_OK at most once per chain fingerprint per interval
};

// SIP where it is visible in clear: signatures, the message size limit the
// receiving stack enforces (CUCM's SIP Max Incoming Message Size) and timers.
struct SipSettings {
    std::string rules;                    // Hyperscan rules file; empty: the one shipped in signatures/
    uint32_t max_message_bytes = 5000;    // SIP_MESSAGE_TOO_LARGE above this (guide BI-2: CUCM's 5000)
    double timer_b_s = 32.0;              // SIP_NO_FINAL_RESPONSE after this long (RFC 3261 Timer B, 64*T1)
    double call_idle_s = 300.0;           // a dialog with no message this long is finished
    uint32_t max_calls = 4096;            // open calls tracked at once (beyond: counted, not tracked)
};

// DNS: the watched names' signatures and the lookup timeout.
struct DnsSettings {
    std::string rules;                    // Hyperscan rules over query names; empty: the shipped file
    double timeout_s = 2.0;               // a watched lookup unanswered this long failed (guide IN-1)
    uint32_t max_lookups = 4096;          // open lookups tracked at once (beyond: counted)
};

struct Config {
    std::vector<InputSpec> inputs;
    std::vector<IpPrefix> local_nets;      // the on-premises side
    PortSet monitor_ports;                 // default PortSet::kDefaultSpec
    unsigned workers = 0;                  // 0: lcores minus one, at least one
    std::string events_out;                // JSON-lines file; empty: none
    std::string zmq_pub = "tcp://127.0.0.1:5570";  // empty: no ZeroMQ
    unsigned zmq_wait_subscribers = 0;     // offline: wait for this many subscribers before reading
    double zmq_wait_timeout_s = 5.0;       // ... for at most this long
    uint64_t max_packets = 0;              // 0: no limit
    bool pcap_loop = false;
    bool emit_ok_events = true;            // healthy connections/calls as events (later analyzers)
    // Compiled signature databases are cached here (keyed by the rules' text
    // and the Hyperscan build), so start-up and reloads skip compiling; empty: no cache.
    std::string cache_dir = "/var/cache/callsentry";
    Limits limits;
    Timeouts timeouts;
    TlsSettings tls;
    SipSettings sip;
    DnsSettings dns;
    std::vector<std::string> eal_args;     // after "--"
    std::string config_file;

    bool is_local(const IpAddr& a) const {
        for (const auto& p : local_nets)
            if (p.contains(a)) return true;
        return false;
    }
    bool offline() const { return !inputs.empty() && inputs.front().kind == InputSpec::kPcap; }
};

// Parses argv (and the YAML file named by --config). On error: returns nullopt
// and sets *error to one line that names the flag or key. --help/--version print
// and set *exit_now.
std::optional<Config> parse_config(int argc, char** argv, std::string* error, bool* exit_now);

// Loads the YAML file into cfg (used by parse_config; exposed for tests).
bool load_config_file(const std::string& path, Config& cfg, std::string* error);

}  // namespace cs
