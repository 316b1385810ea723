#include "workers/tls_setup.h"

#include "workers/rules_cache.h"

namespace cs {

#ifndef CS_DEFAULT_IDENTITY_RULES
#define CS_DEFAULT_IDENTITY_RULES "/usr/share/callsentry/identity.rules.yaml"
#endif

bool load_tls_shared(const Config& cfg, TlsShared* out, std::string* error) {
    TrustConfig trust;
    trust.cloud_cas = cfg.tls.cloud_cas;
    trust.public_roots = cfg.tls.public_roots;
    out->trust = TrustStores::load(trust, error);
    if (!out->trust) return false;
    auto rules = load_rule_set(identity_rules_path(cfg), rules_build_options(cfg, identity_rules_path(cfg)), error);
    if (!rules) return false;
    set_identity_rules(*out, std::move(rules));
    return true;
}

std::string identity_rules_path(const Config& cfg) {
    return cfg.tls.identity_rules.empty() ? CS_DEFAULT_IDENTITY_RULES : cfg.tls.identity_rules;
}

void set_identity_rules(TlsShared& shared, std::shared_ptr<const RuleSet> rules) {
    shared.rules = std::move(rules);
    shared.labels.cloud_identity = shared.rules->find_label("cloud_identity");
    shared.labels.expected_identity = shared.rules->find_label("expected_service_identity");
    shared.labels.default_cert = shared.rules->find_label("default_cert_marker");
}

}  // namespace cs
