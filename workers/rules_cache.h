// rules_cache: where the compiled databases of a rules file are cached under
// the configured cache directory (created on first use). One file per rules
// path, so several rules files (identity, SIP, a test's copy) never evict each
// other; the engine keys its content by the rules' text and Hyperscan build.
#pragma once
#include <string>

#include "pipeline/config.h"
#include "signatures/engine.h"

namespace cs {

// Build options for `rules_path` under cfg.cache_dir (no cache when it is
// empty or cannot be created: the engine then compiles, which is slower, not wrong).
BuildOptions rules_build_options(const Config& cfg, const std::string& rules_path);

}  // namespace cs
