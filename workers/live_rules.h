// LiveRules: the signature sets in force (TLS identities, SIP, DNS), replaced whole
// on reload (SIGHUP). The reloading thread builds new sets off the packet path
// and stores them under a short lock, then bumps the generation; each worker
// compares the generation between bursts (one relaxed load) and, when it
// moved, takes the new sets (its Hyperscan scratch grows once). A file that
// does not load leaves the sets in force untouched.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "pipeline/config.h"
#include "workers/dns_tracker.h"
#include "workers/sip_tracker.h"
#include "workers/tls_tracker.h"

namespace cs {

class LiveRules {
public:
    // The sets loaded from cfg at start; false and one line on error.
    bool load(const Config& cfg, std::string* error);
    // Reads and compiles the files again; on success the new sets replace the
    // old ones. On failure the old ones stay and *error says why.
    bool reload(const Config& cfg, std::string* error);

    uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
    std::shared_ptr<const TlsShared> tls() const {
        std::lock_guard<std::mutex> g(mu_);
        return tls_;
    }
    std::shared_ptr<const SipShared> sip() const {
        std::lock_guard<std::mutex> g(mu_);
        return sip_;
    }
    std::shared_ptr<const DnsShared> dns() const {
        std::lock_guard<std::mutex> g(mu_);
        return dns_;
    }

private:
    // Loads the SIP and DNS rules; on success every set goes into force together.
    bool load_rest_and_install(const Config& cfg, std::shared_ptr<const TlsShared> tls, std::string* error);

    mutable std::mutex mu_;
    std::shared_ptr<const TlsShared> tls_;
    std::shared_ptr<const SipShared> sip_;
    std::shared_ptr<const DnsShared> dns_;
    std::atomic<uint64_t> generation_{0};
};

}  // namespace cs
