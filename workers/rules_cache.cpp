#include "workers/rules_cache.h"

#include <sys/stat.h>

#include <cerrno>
#include <fmt/format.h>

namespace cs {

BuildOptions rules_build_options(const Config& cfg, const std::string& rules_path) {
    BuildOptions o;
    if (cfg.cache_dir.empty()) return o;
    if (::mkdir(cfg.cache_dir.c_str(), 0755) != 0 && errno != EEXIST) return o;
    const size_t slash = rules_path.find_last_of('/');
    const std::string base = slash == std::string::npos ? rules_path : rules_path.substr(slash + 1);
    o.cache_path = fmt::format("{}/{}-{:016x}.hsdb", cfg.cache_dir, base, rules_content_hash(rules_path));
    return o;
}

}  // namespace cs
