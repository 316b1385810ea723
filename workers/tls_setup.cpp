#include "workers/tls_setup.h"

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
    const std::string rules = cfg.tls.identity_rules.empty() ? CS_DEFAULT_IDENTITY_RULES : cfg.tls.identity_rules;
    out->rules = load_rule_set(rules, BuildOptions{}, error);
    if (!out->rules) return false;
    out->labels.cloud_identity = out->rules->find_label("cloud_identity");
    out->labels.expected_identity = out->rules->find_label("expected_service_identity");
    out->labels.default_cert = out->rules->find_label("default_cert_marker");
    return true;
}

}  // namespace cs
