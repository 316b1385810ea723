// vantage_pairing: the same connection seen from two vantages (the firewall's
// outside and inside, say) proves who sent a reset. A TLS verdict closed by a
// reset claimed from the cloud waits, when several vantages are configured,
// until the other vantages' views of that connection have arrived; if one of
// them saw the connection without that reset, the firewall between them forged
// it (FIREWALL_FORGED_RST). Connections are matched on the cloud's address and
// port and the on-prem port (NAT changes the on-prem address, not the port).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <tuple>
#include <vector>

#include "pipeline/config.h"
#include "workers/conn_fact.h"
#include "workers/tls_incident.h"

namespace cs {

class VantagePairing {
public:
    explicit VantagePairing(const Config& cfg);

    bool enabled() const { return enabled_; }
    // One vantage's view of a connection at its end (ConnFact::kSeen).
    void seen(const ConnFact& f);
    // Keeps an incident that a reset from the cloud closed, until its views
    // can all have arrived; false: not held (give it on at once).
    bool hold(std::unique_ptr<TlsIncident>& inc);
    // When the next held incident is due (UINT64_MAX: none).
    uint64_t next_due() const;
    // The next held incident, judged against the views that arrived.
    std::unique_ptr<TlsIncident> release_next();

    uint64_t forged() const { return forged_; }

private:
    using Key = std::tuple<IpAddr, uint16_t, uint16_t>;  // cloud ip, cloud port, on-prem port
    struct View {
        uint16_t vantage;
        uint64_t first_ns, last_ns, cloud_last_ns;
        bool cloud_reset;
        uint32_t packets;
    };
    using HeldKey = std::tuple<uint64_t, uint64_t, IpAddr, uint16_t, uint16_t>;

    void prune(uint64_t now_ns);

    bool enabled_;
    uint64_t window_ns_;
    std::multimap<Key, View> views_;
    std::multimap<uint64_t, Key> view_times_;  // for pruning, by last packet
    std::map<HeldKey, std::unique_ptr<TlsIncident>> held_;  // by (due, start, cloud, ports)
    uint64_t forged_ = 0;
};

}  // namespace cs
