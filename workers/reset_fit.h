// reset_fit: does a TCP reset fit the endpoint it claims to come from? A
// middlebox that tears a connection down forges resets with the endpoint's
// addresses but its own IP TTL, IP-ID counter and TCP timestamp clock, and it
// answers faster than the endpoint could from where it sits. Each check
// compares the reset with what the claimed sender showed earlier in the same
// connection (pipeline/tcp_tracker keeps those facts, resets excluded).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/tcp_tracker.h"

namespace cs {

enum class FitVerdict : uint8_t { kUnknown = 0, kFits, kMisfit };
const char* fit_verdict_name(FitVerdict v);

struct ResetFit {
    FitVerdict ttl = FitVerdict::kUnknown;     // reset TTL vs the sender's earlier TTLs
    FitVerdict ip_id = FitVerdict::kUnknown;   // reset IP-ID vs the sender's IP-ID sequence
    FitVerdict ts = FitVerdict::kUnknown;      // reset TSval vs the sender's timestamp clock
    FitVerdict timing = FitVerdict::kUnknown;  // reset sooner after the last packet towards the
                                               // sender than the sender's round trip allows
    int64_t latency_ns = -1;                   // last packet towards the sender -> reset
    int64_t sender_rtt_ns = -1;                // vantage <-> sender round trip, from the handshake
    std::vector<std::string> reasons;          // one line per misfit, for the evidence

    // A forged reset: a TTL or timing misfit, or two other misfits. One soft
    // sign alone (IP-ID, timestamps) is not enough: stacks differ.
    bool forged() const;
};

// Judges c.rst (call only when c.rst_seen).
ResetFit judge_reset(const TcpConnection& c);

}  // namespace cs
