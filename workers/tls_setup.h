// tls_setup: what the TLS analyzer needs before capture starts, loaded once
// from the config: the trust stores (trust.cloud_cas, trust.public_roots) and
// the identity rules compiled with Hyperscan, with their labels looked up.
#pragma once
#include <string>

#include "pipeline/config.h"
#include "workers/tls_tracker.h"

namespace cs {

// false and a one-line error naming the file or key when something cannot be loaded.
bool load_tls_shared(const Config& cfg, TlsShared* out, std::string* error);

// The identity rules file under this config.
std::string identity_rules_path(const Config& cfg);

// Takes `rules` as the identity rules and looks its labels up.
void set_identity_rules(TlsShared& shared, std::shared_ptr<const RuleSet> rules);

}  // namespace cs
