#include "signatures/engine.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hs/hs.h>

#include <cerrno>
#include <new>
#include <cstdlib>
#include <cstring>

namespace cs {
namespace {

// Why per-field databases rather than one database filtered after the scan:
// a value is only run against the patterns that can apply to it (an SNI never
// pays for SIP message patterns, a 4 KB SIP message never for identity ones),
// and every match the callback sees is a hit, so there is nothing to filter.
// The cost is compiling a pattern once per field it lists, at start-up only.

// Bump when the cache layout or what is compiled from a rules text changes
// (e.g. the flags the engine adds), so older caches are seen as stale.
constexpr uint32_t kCacheFormat = 1;
constexpr char kCacheMagic[8] = {'C', 'S', 'H', 'S', 'D', 'B', '1', '\n'};
constexpr size_t kMaxCacheBytes = size_t(256) << 20;

// Header: magic, key, field count, then per field pattern count and blob
// size, then the payload's hash; the serialized databases follow in field order.
struct CacheHeader {
    char magic[8];
    uint64_t key;
    uint32_t format;
    uint32_t field_count;
    uint32_t patterns[kFieldCount];
    uint64_t blob_size[kFieldCount];
    uint64_t payload_hash;
};

uint64_t fnv(uint64_t h, const void* data, size_t n) {
    auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

struct ScanContext {
    const uint16_t* pattern_rule;
    MatchSet* out;
};

int on_match(unsigned int id, unsigned long long, unsigned long long, unsigned int, void* ctx) {
    auto* c = static_cast<ScanContext*>(ctx);
    c->out->set(c->pattern_rule[id]);
    return 0;  // keep going: other patterns may belong to other rules
}

}  // namespace

std::string_view cache_outcome_name(CacheOutcome o) {
    switch (o) {
        case CacheOutcome::kDisabled: return "disabled";
        case CacheOutcome::kHit: return "hit";
        case CacheOutcome::kMissing: return "missing";
        case CacheOutcome::kStale: return "stale";
        case CacheOutcome::kCorrupt: return "corrupt";
    }
    return "?";
}

// ---- Scratch ----

Scratch::~Scratch() {
    if (s_) hs_free_scratch(s_);
}

Scratch& Scratch::operator=(Scratch&& o) noexcept {
    if (this != &o) {
        if (s_) hs_free_scratch(s_);
        s_ = o.s_;
        o.s_ = nullptr;
        buf_ = std::move(o.buf_);
    }
    return *this;
}

bool Scratch::ensure_buffer() {
    if (!buf_) {
        buf_.reset(new (std::nothrow) char[kScanGuardBytes + kMaxScanBytes + kScanGuardBytes]);
        if (!buf_) return false;
        std::memset(buf_.get(), 0, kScanGuardBytes + kMaxScanBytes + kScanGuardBytes);
    }
    return true;
}

bool Scratch::fit(const RuleSet& set) {
    if (!ensure_buffer()) return false;
    for (auto* db : set.db_)
        if (db && hs_alloc_scratch(db, &s_) != HS_SUCCESS) return false;
    return true;
}

// ---- RuleSet ----

RuleSet::~RuleSet() {
    for (auto* db : db_)
        if (db) hs_free_database(db);
    if (prototype_) hs_free_scratch(prototype_);
}

std::shared_ptr<const RuleSet> RuleSet::build(RulesFile rules, const BuildOptions& opts, std::string* error) {
    auto fail = [&](const std::string& what) {
        if (error) *error = one_line(what);
        return nullptr;
    };
    if (rules.rules.empty()) return fail(rules.source + ": no rules");
    if (rules.rules.size() > kMaxRules) return fail(rules.source + ": more than " + std::to_string(kMaxRules) + " rules");
    if (hs_valid_platform() != HS_SUCCESS) return fail("Hyperscan: this CPU lacks SSSE3, signatures cannot run");

    std::shared_ptr<RuleSet> set(new RuleSet());
    set->file_ = std::move(rules);
    const auto& rs = set->file_.rules;

    // Pattern ids per field, in file order: the same order the cache was
    // written in, so a cached database's ids map through the same table.
    for (size_t ri = 0; ri < rs.size(); ++ri) {
        if (rs[ri].patterns.empty())
            return fail(set->file_.source + ":" + std::to_string(rs[ri].line) + ": rule " + std::to_string(rs[ri].id) +
                        ": patterns is empty");
        for (size_t f = 0; f < kFieldCount; ++f)
            if (rs[ri].applies_to(Field(f)))
                for (size_t pi = 0; pi < rs[ri].patterns.size(); ++pi) set->pattern_rule_[f].push_back(uint16_t(ri));
        const std::string& label = rs[ri].label();
        size_t li = 0;
        while (li < set->labels_.size() && set->labels_[li] != label) ++li;
        if (li == set->labels_.size()) {
            set->labels_.push_back(label);
            set->label_rules_.emplace_back();
        }
        set->label_rules_[li].set(ri);
    }

    if (!opts.cache_path.empty()) {
        set->cache_outcome_ = set->load_cache(opts.cache_path, set->cache_note_);
    }
    if (set->cache_outcome_ != CacheOutcome::kHit) {
        if (!set->compile(error)) return nullptr;
        if (!opts.cache_path.empty()) set->cache_written_ = set->write_cache(opts.cache_path, set->cache_note_);
    }
    for (auto* db : set->db_) {
        if (db && hs_alloc_scratch(db, &set->prototype_) != HS_SUCCESS)
            return fail(set->file_.source + ": Hyperscan could not allocate scratch space");
    }
    return set;
}

bool RuleSet::compile(std::string* error) {
    const auto& rs = file_.rules;
    for (size_t f = 0; f < kFieldCount; ++f) {
        if (pattern_rule_[f].empty()) continue;
        std::vector<const char*> exprs;
        std::vector<unsigned> flags, ids;
        std::vector<const Pattern*> origin;
        for (size_t ri = 0; ri < rs.size(); ++ri) {
            if (!rs[ri].applies_to(Field(f))) continue;
            for (const auto& p : rs[ri].patterns) {
                ids.push_back(unsigned(exprs.size()));
                exprs.push_back(p.regex.c_str());
                // SINGLEMATCH always: a scan answers "which rules", so one report
                // per pattern is all that is wanted, and it is the cheaper mode.
                flags.push_back(p.hs_flags | HS_FLAG_SINGLEMATCH);
                origin.push_back(&p);
            }
        }
        hs_compile_error_t* cerr = nullptr;
        if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), unsigned(exprs.size()), HS_MODE_BLOCK, nullptr,
                             &db_[f], &cerr) != HS_SUCCESS) {
            std::string msg = cerr && cerr->message ? cerr->message : "unknown error";
            int e = cerr ? cerr->expression : -1;
            hs_free_compile_error(cerr);
            db_[f] = nullptr;
            if (error) {
                if (e >= 0 && size_t(e) < origin.size()) {
                    const Pattern& p = *origin[size_t(e)];
                    const Rule& r = rs[pattern_rule_[f][size_t(e)]];
                    std::string shown = p.regex.substr(0, 80) + (p.regex.size() > 80 ? "..." : "");
                    *error = file_.source + ":" + std::to_string(p.line) + ": rule " + std::to_string(r.id) +
                             ": pattern '" + shown + "' does not compile: " + msg;
                } else {
                    *error = file_.source + ": the patterns for field " + std::string(field_name(Field(f))) +
                             " do not compile together: " + msg;
                }
                *error = one_line(*error);
            }
            return false;
        }
    }
    return true;
}

uint64_t RuleSet::cache_key() const {
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, &file_.content_hash, sizeof file_.content_hash);
    const char* v = hs_version();
    h = fnv(h, v, std::strlen(v));
    h = fnv(h, &kCacheFormat, sizeof kCacheFormat);
    return h;
}

// Never trusts the file: every size is checked against the file's length, the
// payload against its hash, the pattern counts against the parsed rules, and
// Hyperscan itself checks each database's version and target CPU.
CacheOutcome RuleSet::load_cache(const std::string& path, std::string& note) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        note = "cache " + path + ": not there yet";
        return CacheOutcome::kMissing;
    }
    std::string bytes, why;
    if (!read_small_file(path, kMaxCacheBytes, bytes, why)) {
        note = "cache " + path + ": " + why;
        return CacheOutcome::kCorrupt;
    }
    auto corrupt = [&](const std::string& what) {
        note = "cache " + path + ": " + what;
        return CacheOutcome::kCorrupt;
    };
    CacheHeader h;
    if (bytes.size() < sizeof h) return corrupt("truncated header");
    std::memcpy(&h, bytes.data(), sizeof h);
    if (std::memcmp(h.magic, kCacheMagic, sizeof h.magic) != 0) return corrupt("not a callsentry database cache");
    if (h.key != cache_key() || h.format != kCacheFormat || h.field_count != kFieldCount) {
        note = "cache " + path + ": made from other rules or another Hyperscan";
        return CacheOutcome::kStale;
    }
    uint64_t total = sizeof h;
    for (size_t f = 0; f < kFieldCount; ++f) {
        if (h.patterns[f] != pattern_rule_[f].size()) return corrupt("pattern counts do not match the rules");
        if ((h.blob_size[f] == 0) != (h.patterns[f] == 0) || h.blob_size[f] > kMaxCacheBytes)
            return corrupt("bad database size");
        total += h.blob_size[f];
    }
    if (total != bytes.size()) return corrupt("length does not match its header");
    if (fnv(0xcbf29ce484222325ull, bytes.data() + sizeof h, bytes.size() - sizeof h) != h.payload_hash)
        return corrupt("payload damaged (hash mismatch)");

    std::array<hs_database*, kFieldCount> dbs{};
    auto drop = [&] {
        for (auto*& db : dbs) {
            if (db) hs_free_database(db);
            db = nullptr;
        }
    };
    size_t off = sizeof h;
    for (size_t f = 0; f < kFieldCount; ++f) {
        if (h.blob_size[f] == 0) continue;
        hs_error_t rc = hs_deserialize_database(bytes.data() + off, size_t(h.blob_size[f]), &dbs[f]);
        if (rc != HS_SUCCESS) {
            dbs[f] = nullptr;
            drop();
            if (rc == HS_DB_VERSION_ERROR || rc == HS_DB_PLATFORM_ERROR) {
                note = "cache " + path + ": built for another Hyperscan version or CPU";
                return CacheOutcome::kStale;
            }
            return corrupt("Hyperscan rejected database for field " + std::string(field_name(Field(f))));
        }
        off += size_t(h.blob_size[f]);
    }
    db_ = dbs;
    return CacheOutcome::kHit;
}

// Written to a temporary file and renamed, so a reader never sees half a cache.
bool RuleSet::write_cache(const std::string& path, std::string& note) const {
    CacheHeader h{};
    std::memcpy(h.magic, kCacheMagic, sizeof h.magic);
    h.key = cache_key();
    h.format = kCacheFormat;
    h.field_count = kFieldCount;
    std::string payload;
    for (size_t f = 0; f < kFieldCount; ++f) {
        h.patterns[f] = uint32_t(pattern_rule_[f].size());
        if (!db_[f]) continue;
        char* blob = nullptr;
        size_t n = 0;
        if (hs_serialize_database(db_[f], &blob, &n) != HS_SUCCESS) {
            note = "cache " + path + ": Hyperscan could not serialize the database";
            return false;
        }
        payload.append(blob, n);
        std::free(blob);  // misc allocator: malloc unless the program set another
        h.blob_size[f] = n;
    }
    h.payload_hash = fnv(0xcbf29ce484222325ull, payload.data(), payload.size());

    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        note = "cache " + path + ": cannot write: " + std::strerror(errno);
        return false;
    }
    std::string all(reinterpret_cast<const char*>(&h), sizeof h);
    all += payload;
    size_t done = 0;
    while (done < all.size()) {
        ssize_t n = ::write(fd, all.data() + done, all.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += size_t(n);
    }
    bool ok = done == all.size();
    std::string why = ok ? "" : std::strerror(errno);
    if (::close(fd) != 0 && ok) {
        ok = false;
        why = std::strerror(errno);
    }
    if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
        ok = false;
        why = std::strerror(errno);
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        note = "cache " + path + ": cannot write: " + why;
    }
    return ok;
}

std::optional<uint16_t> RuleSet::index_of(uint32_t rule_id) const {
    for (size_t i = 0; i < file_.rules.size(); ++i)
        if (file_.rules[i].id == rule_id) return uint16_t(i);
    return std::nullopt;
}

std::optional<uint16_t> RuleSet::find_label(std::string_view tag_or_code) const {
    for (size_t i = 0; i < labels_.size(); ++i)
        if (labels_[i] == tag_or_code) return uint16_t(i);
    return std::nullopt;
}

Scratch RuleSet::make_scratch() const {
    Scratch s;
    if (prototype_) {
        std::lock_guard<std::mutex> lock(clone_mu_);
        if (hs_clone_scratch(prototype_, &s.s_) != HS_SUCCESS) s.s_ = nullptr;
    }
    if (s.s_ && !s.ensure_buffer()) return Scratch();
    return s;
}

bool RuleSet::scan(Scratch& scratch, Field field, std::string_view text, MatchSet& out) const {
    if (size_t(field) >= kFieldCount) return false;
    hs_database* db = db_[size_t(field)];
    if (!db) return true;  // no rule applies to this field
    if (!scratch.s_ || !scratch.buf_ || text.size() > kMaxScanBytes) return false;
    char* copy = scratch.buf_.get() + kScanGuardBytes;  // see Scratch: Hyperscan reads past the end
    if (!text.empty()) std::memcpy(copy, text.data(), text.size());
    // Set bits go to a copy first, so a scan that fails half-way leaves out unchanged.
    MatchSet found;
    ScanContext ctx{pattern_rule_[size_t(field)].data(), &found};
    hs_error_t rc = hs_scan(db, copy, unsigned(text.size()), 0, scratch.s_, on_match, &ctx);
    if (rc != HS_SUCCESS) return false;
    out |= found;
    return true;
}

std::shared_ptr<const RuleSet> load_rule_set(const std::string& path, const BuildOptions& opts, std::string* error) {
    auto file = load_rules_file(path, error);
    if (!file) return nullptr;
    return RuleSet::build(std::move(*file), opts, error);
}

bool reload_rule_set(const std::string& path, const BuildOptions& opts, std::shared_ptr<const RuleSet>& current,
                     std::string* error) {
    auto fresh = load_rule_set(path, opts, error);
    if (!fresh) return false;
    current = std::move(fresh);
    return true;
}

}  // namespace cs
