#include "workers/live_rules.h"

#include "workers/rules_cache.h"
#include "workers/sip_setup.h"
#include "workers/tls_setup.h"

namespace cs {

bool LiveRules::load(const Config& cfg, std::string* error) {
    auto tls = std::make_shared<TlsShared>();
    if (!load_tls_shared(cfg, tls.get(), error)) return false;
    return load_rest_and_install(cfg, std::move(tls), error);
}

bool LiveRules::load_rest_and_install(const Config& cfg, std::shared_ptr<const TlsShared> tls, std::string* error) {
    auto sip = std::make_shared<SipShared>();
    if (!load_sip_shared(cfg, sip.get(), error)) return false;
    auto dns = std::make_shared<DnsShared>();
    const std::string dns_path = dns_rules_path(cfg.dns.rules);
    if (!load_dns_shared(dns_path, rules_build_options(cfg, dns_path), dns.get(), error)) return false;
    std::lock_guard<std::mutex> g(mu_);
    tls_ = std::move(tls);
    sip_ = std::move(sip);
    dns_ = std::move(dns);
    generation_.fetch_add(1, std::memory_order_acq_rel);
    return true;
}

bool LiveRules::reload(const Config& cfg, std::string* error) {
    // Trust stores are not reloaded: only the signature files are.
    auto tls = std::make_shared<TlsShared>(*this->tls());
    std::shared_ptr<const RuleSet> identity = tls->rules;
    const std::string path = identity_rules_path(cfg);
    if (!reload_rule_set(path, rules_build_options(cfg, path), identity, error)) return false;
    set_identity_rules(*tls, std::move(identity));
    return load_rest_and_install(cfg, std::move(tls), error);
}

}  // namespace cs
