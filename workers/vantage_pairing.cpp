#include "workers/vantage_pairing.h"

#include <fmt/format.h>

namespace cs {

namespace {

size_t distinct_vantages(const Config& cfg) {
    std::set<std::string> v;
    for (const auto& in : cfg.inputs) v.insert(in.vantage);
    return v.size();
}

}  // namespace

VantagePairing::VantagePairing(const Config& cfg)
    : enabled_(distinct_vantages(cfg) > 1),
      // The other view ends when its flow expires: at most the idle timeout
      // after its last packet, which is near the reset's time.
      window_ns_(uint64_t((cfg.timeouts.tcp_idle_s + cfg.timeouts.tcp_closed_s + 10) * 1e9)) {}

void VantagePairing::seen(const ConnFact& f) {
    if (!enabled_) return;
    const bool cloud_is_client = f.direction == Direction::kInbound;
    const IpAddr& cloud = cloud_is_client ? f.client_ip : f.server_ip;
    const uint16_t cloud_port = cloud_is_client ? f.client_port : f.server_port;
    const uint16_t onprem_port = cloud_is_client ? f.server_port : f.client_port;
    const uint8_t cloud_side = cloud_is_client ? TcpConnection::kClient : TcpConnection::kServer;
    View v{f.vantage, f.start_ns, f.last_ns, cloud_is_client ? f.last_ns : f.server_last_ns,
           f.rst_seen && f.rst.from == cloud_side, f.packets};
    const Key key{cloud, cloud_port, onprem_port};
    views_.emplace(key, v);
    view_times_.emplace(f.last_ns, key);
    prune(f.last_ns);
}

// Views far older than anything still to be paired are forgotten: bounded memory.
void VantagePairing::prune(uint64_t now_ns) {
    const uint64_t horizon = 4 * window_ns_;
    while (!view_times_.empty() && view_times_.begin()->first + horizon < now_ns) {
        auto [t, key] = *view_times_.begin();
        view_times_.erase(view_times_.begin());
        auto range = views_.equal_range(key);
        for (auto it = range.first; it != range.second; ++it)
            if (it->second.last_ns == t) {
                views_.erase(it);
                break;
            }
    }
}

bool VantagePairing::hold(std::unique_ptr<TlsIncident>& inc) {
    if (!enabled_ || !inc->tcp.rst_seen) return false;
    const TlsDir cloud = inc->verdict.onprem == TlsDir::kClient ? TlsDir::kServer : TlsDir::kClient;
    if (TlsDir(inc->tcp.rst.from) != cloud) return false;
    const bool cloud_is_client = cloud == TlsDir::kClient;
    HeldKey k{inc->decided_ns + window_ns_, inc->tcp.first_ns, cloud_is_client ? inc->client_ip : inc->server_ip,
              cloud_is_client ? inc->client_port : inc->server_port, inc->vantage};
    held_.emplace(k, std::move(inc));
    return true;
}

uint64_t VantagePairing::next_due() const { return held_.empty() ? UINT64_MAX : std::get<0>(held_.begin()->first); }

std::unique_ptr<TlsIncident> VantagePairing::release_next() {
    auto node = held_.extract(held_.begin());
    std::unique_ptr<TlsIncident> inc = std::move(node.mapped());
    const TlsDir cloud = inc->verdict.onprem == TlsDir::kClient ? TlsDir::kServer : TlsDir::kClient;
    const bool cloud_is_client = cloud == TlsDir::kClient;
    const Key key{cloud_is_client ? inc->client_ip : inc->server_ip,
                  cloud_is_client ? inc->client_port : inc->server_port,
                  cloud_is_client ? inc->server_port : inc->client_port};
    const uint64_t rst_ns = inc->tcp.rst.ns;
    auto range = views_.equal_range(key);
    for (auto it = range.first; it != range.second; ++it) {
        const View& v = it->second;
        if (v.vantage == inc->vantage || v.cloud_reset) continue;
        // The other view must cover the reset's moment (allowing for the
        // capture clocks and the path between the vantages).
        if (v.first_ns > rst_ns + 5'000'000'000ull || v.last_ns + 5'000'000'000ull < rst_ns) continue;
        inc->verdict.code = FailureCode::kFirewallForgedRst;
        inc->verdict.detail = "a reset claimed from the cloud was seen at one vantage and not at the other: the device "
                              "between them forged it";
        inc->paired_vantage = v.vantage;
        inc->paired_evidence.push_back(fmt::format(
            "saw the same connection ({} packets, until {:.3f} s after the reset) and no reset from the cloud{}",
            v.packets, v.last_ns > rst_ns ? double(v.last_ns - rst_ns) / 1e9 : 0.0,
            v.cloud_last_ns > rst_ns ? fmt::format("; the cloud kept sending until {:.3f} s after it",
                                                   double(v.cloud_last_ns - rst_ns) / 1e9)
                                     : std::string()));
        ++forged_;
        break;
    }
    return inc;
}

}  // namespace cs
