#include "workers/reset_fit.h"

#include <fmt/format.h>

namespace cs {

const char* fit_verdict_name(FitVerdict v) {
    switch (v) {
        case FitVerdict::kFits: return "fits";
        case FitVerdict::kMisfit: return "misfit";
        default: return "unknown";
    }
}

bool ResetFit::forged() const {
    if (ttl == FitVerdict::kMisfit || timing == FitVerdict::kMisfit) return true;
    return (ip_id == FitVerdict::kMisfit) + (ts == FitVerdict::kMisfit) >= 2;
}

namespace {

// Hops do not change within a connection; a route change may move the TTL by one.
constexpr int kTtlSlack = 1;
// IP-IDs of one sender move forward by the packets it sent since; more than
// this between its last packet and the reset is another counter.
constexpr uint16_t kIpIdMaxStep = 2048;
// A reset can come no sooner than this fraction of the sender's round trip
// after the packet it answers (jitter keeps it above about half).
constexpr double kRttFloor = 0.5;
// Timestamp clocks run at 1..1000 Hz; allow for the fastest plus slack.
constexpr double kTsMaxHz = 1200.0;

}  // namespace

ResetFit judge_reset(const TcpConnection& c) {
    ResetFit f;
    const TcpResetFacts& r = c.rst;
    const uint8_t s = r.from, other = uint8_t(1 - r.from);
    const TcpSideFacts& sender = c.side[s];
    const char* who = s == TcpConnection::kClient ? "client" : "server";

    if (sender.packets > 0) {
        const bool ok = int(r.ttl) >= int(sender.ttl_min) - kTtlSlack && int(r.ttl) <= int(sender.ttl_max) + kTtlSlack;
        f.ttl = ok ? FitVerdict::kFits : FitVerdict::kMisfit;
        if (!ok)
            f.reasons.push_back(fmt::format("reset TTL {} but the {} sent with TTL {}{}", r.ttl, who, sender.ttl_min,
                                            sender.ttl_max != sender.ttl_min ? fmt::format("-{}", sender.ttl_max) : ""));
        // Zero IDs (Linux with DF on some packets) say nothing either way.
        if (r.ip_id != 0 && sender.ip_id_last != 0) {
            uint16_t step = uint16_t(r.ip_id - sender.ip_id_last);
            f.ip_id = step <= kIpIdMaxStep ? FitVerdict::kFits : FitVerdict::kMisfit;
            if (f.ip_id == FitVerdict::kMisfit)
                f.reasons.push_back(fmt::format("reset IP-ID {} does not follow the {}'s last IP-ID {}", r.ip_id, who,
                                                sender.ip_id_last));
        }
    }
    if (sender.ts_seen) {
        if (!r.has_ts) {
            f.ts = FitVerdict::kMisfit;
            f.reasons.push_back(fmt::format("reset has no TCP timestamp though the {} used them", who));
        } else {
            const double dt = double(r.ns - sender.tsval_last_ns) / 1e9;
            const int64_t ticks = int64_t(int32_t(r.tsval - sender.tsval_last));
            const bool ok = ticks >= 0 && double(ticks) <= dt * kTsMaxHz + 2;
            f.ts = ok ? FitVerdict::kFits : FitVerdict::kMisfit;
            if (!ok)
                f.reasons.push_back(fmt::format("reset TSval {} is off the {}'s clock (last TSval {} {:.3f} s before)",
                                                r.tsval, who, sender.tsval_last, dt));
        }
    }
    // Timing: the reset answers the last packet that went towards its sender.
    f.sender_rtt_ns = s == TcpConnection::kServer ? c.rtt_server_ns : c.rtt_client_ns;
    const TcpSideFacts& peer = c.side[other];
    if (peer.packets > 0 && r.ns >= peer.ip_id_last_ns) {
        f.latency_ns = int64_t(r.ns - peer.ip_id_last_ns);
        if (f.sender_rtt_ns > 0) {
            const bool ok = double(f.latency_ns) >= kRttFloor * double(f.sender_rtt_ns);
            f.timing = ok ? FitVerdict::kFits : FitVerdict::kMisfit;
            if (!ok)
                f.reasons.push_back(fmt::format(
                    "reset came {:.3f} ms after the last packet towards the {}, whose round trip is {:.3f} ms",
                    f.latency_ns / 1e6, who, f.sender_rtt_ns / 1e6));
        }
    }
    return f;
}

}  // namespace cs
