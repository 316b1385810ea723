// sip_setup: the SIP signatures loaded from the config (sip.rules, default the
// file shipped in signatures/), compiled with Hyperscan, each rule's tag
// mapped to the SipTag bit the call diagnosis reads.
#pragma once
#include <string>

#include "pipeline/config.h"
#include "workers/sip_tracker.h"

namespace cs {

// The rules file SIP signatures come from under this config.
std::string sip_rules_path(const Config& cfg);

// false and a one-line error naming the file when the rules cannot be loaded.
bool load_sip_shared(const Config& cfg, SipShared* out, std::string* error);

}  // namespace cs
