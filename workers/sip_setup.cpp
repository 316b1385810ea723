#include "workers/sip_setup.h"

#include "workers/rules_cache.h"

namespace cs {

#ifndef CS_DEFAULT_SIP_RULES
#define CS_DEFAULT_SIP_RULES "/usr/share/callsentry/sip.rules.yaml"
#endif

std::string sip_rules_path(const Config& cfg) { return cfg.sip.rules.empty() ? CS_DEFAULT_SIP_RULES : cfg.sip.rules; }

bool load_sip_shared(const Config& cfg, SipShared* out, std::string* error) {
    out->rules = load_rule_set(sip_rules_path(cfg), rules_build_options(cfg, sip_rules_path(cfg)), error);
    if (!out->rules) return false;
    out->rule_tag.assign(out->rules->rules().size(), 0);
    for (size_t i = 0; i < out->rules->rules().size(); ++i) out->rule_tag[i] = sip_tag_from_name(out->rules->rule(i).tag);
    return true;
}

}  // namespace cs
