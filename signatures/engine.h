// engine: a parsed rules file compiled into Hyperscan block-mode databases
// (one per field), cached on disk, and scanned per value into a fixed MatchSet.
// A RuleSet is immutable once built; reloading builds a new one and the caller
// swaps its pointer, so a file that does not compile leaves the old set in use.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "signatures/rules.h"

struct hs_database;
struct hs_scratch;

namespace cs {

// The rules that matched: one bit per rule index (RuleSet::rules() order).
// Fixed size, lives on the caller's stack or in its per-handshake state;
// scanning writes into it and never allocates.
class MatchSet {
public:
    void clear() { words_.fill(0); }
    void set(size_t index) {
        if (index < kMaxRules) words_[index / 64] |= uint64_t(1) << (index % 64);
    }
    bool test(size_t index) const { return index < kMaxRules && (words_[index / 64] >> (index % 64)) & 1; }
    bool empty() const {
        for (auto w : words_)
            if (w) return false;
        return true;
    }
    size_t count() const {
        size_t n = 0;
        for (auto w : words_) n += size_t(__builtin_popcountll(w));
        return n;
    }
    bool intersects(const MatchSet& o) const {
        for (size_t i = 0; i < words_.size(); ++i)
            if (words_[i] & o.words_[i]) return true;
        return false;
    }
    MatchSet& operator|=(const MatchSet& o) {
        for (size_t i = 0; i < words_.size(); ++i) words_[i] |= o.words_[i];
        return *this;
    }
    bool operator==(const MatchSet&) const = default;
    // Calls f(index) for each matched rule index, ascending.
    template <class F>
    void for_each(F&& f) const {
        for (size_t i = 0; i < words_.size(); ++i)
            for (uint64_t w = words_[i]; w; w &= w - 1) f(i * 64 + size_t(__builtin_ctzll(w)));
    }

private:
    std::array<uint64_t, kMaxRules / 64> words_{};
};

// Longest value scan accepts (a certificate name or a SIP message is far
// shorter); and the guard bytes around the scan copy, see Scratch.
inline constexpr size_t kMaxScanBytes = 64 * 1024;
inline constexpr size_t kScanGuardBytes = 64;

// Hyperscan scratch space for one thread (one per worker), plus the buffer a
// value is copied into before it is scanned. Move-only; made by
// RuleSet::make_scratch (a clone of the set's prototype, so it fits every
// database of that set). One Scratch must never be used by two threads at once.
//
// Why the copy: Hyperscan 5.4.0 (Debian 12) reads a few bytes past the end of
// the scanned block for some anchored patterns (found by fuzzing: a SAN ending
// at a page boundary followed by an unmapped page faults). The copy sits
// between kScanGuardBytes of zeros on each side, so such reads stay in our own
// memory wherever the caller's bytes live (mbuf, reassembly buffer).
class Scratch {
public:
    Scratch() = default;
    ~Scratch();
    Scratch(Scratch&& o) noexcept : s_(o.s_), buf_(std::move(o.buf_)) { o.s_ = nullptr; }
    Scratch& operator=(Scratch&& o) noexcept;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;

    explicit operator bool() const { return s_ != nullptr; }
    // Grows this scratch (in place) to also fit `set`: what a worker does once
    // after taking a reloaded set. Allocates; false if Hyperscan refuses.
    bool fit(const class RuleSet& set);

private:
    friend class RuleSet;
    bool ensure_buffer();
    hs_scratch* s_ = nullptr;
    std::unique_ptr<char[]> buf_;  // guard + kMaxScanBytes + guard, allocated once
};

// What the compiled-database cache did for a build.
enum class CacheOutcome : uint8_t {
    kDisabled,  // no cache path given: compiled
    kHit,       // databases taken from the cache, nothing compiled
    kMissing,   // no cache file: compiled (and written)
    kStale,     // cache made from other rules, another Hyperscan or another CPU: recompiled
    kCorrupt,   // cache unreadable, truncated or damaged: recompiled
};
std::string_view cache_outcome_name(CacheOutcome o);

struct BuildOptions {
    std::string cache_path;  // the compiled databases' cache file; empty: no cache
};

class RuleSet {
public:
    // Compiles `rules` (or takes its databases from opts.cache_path when that
    // cache was made from the same rules text by the same Hyperscan) and
    // rewrites the cache when it was not used. A cache that cannot be written
    // is not an error (see cache_note). nullptr + one-line *error if a pattern
    // does not compile: "SOURCE:LINE: rule ID: pattern '...' does not compile: ...".
    static std::shared_ptr<const RuleSet> build(RulesFile rules, const BuildOptions& opts, std::string* error);
    ~RuleSet();
    RuleSet(const RuleSet&) = delete;
    RuleSet& operator=(const RuleSet&) = delete;

    const std::vector<Rule>& rules() const { return file_.rules; }
    const Rule& rule(size_t index) const { return file_.rules[index]; }
    const std::string& source() const { return file_.source; }
    uint64_t content_hash() const { return file_.content_hash; }
    std::optional<uint16_t> index_of(uint32_t rule_id) const;

    // Tags and codes ("labels"), interned at build time: look a label up once
    // at start-up, then ask a MatchSet about it with a few word ANDs.
    std::optional<uint16_t> find_label(std::string_view tag_or_code) const;
    bool has_label(const MatchSet& m, uint16_t label) const {
        return label < label_rules_.size() && m.intersects(label_rules_[label]);
    }
    const MatchSet& label_rules(uint16_t label) const { return label_rules_[label]; }  // label from find_label

    // A scratch for one more thread. Allocates (start-up / reload only).
    Scratch make_scratch() const;

    // Scans one value of `field` and ADDS the indices of the rules that match
    // to `out` (it does not clear it, so all SANs of a certificate can be
    // gathered into one set). No allocation: the text is copied into the
    // scratch's guarded buffer, Hyperscan works in `scratch`, the callback sets
    // bits. False (out unchanged) if the scratch does not fit this set or is in
    // use by another thread, or the text is longer than kMaxScanBytes.
    bool scan(Scratch& scratch, Field field, std::string_view text, MatchSet& out) const;

    CacheOutcome cache_outcome() const { return cache_outcome_; }
    bool cache_written() const { return cache_written_; }
    const std::string& cache_note() const { return cache_note_; }  // why the cache was not used / written
    size_t pattern_count(Field f) const { return pattern_rule_[size_t(f)].size(); }

private:
    friend class Scratch;
    RuleSet() = default;
    bool compile(std::string* error);
    CacheOutcome load_cache(const std::string& path, std::string& note);
    bool write_cache(const std::string& path, std::string& note) const;
    uint64_t cache_key() const;

    RulesFile file_;
    // Per field: database of the patterns of the rules that apply to it (null
    // if none), and Hyperscan pattern id -> rule index.
    std::array<hs_database*, kFieldCount> db_{};
    std::array<std::vector<uint16_t>, kFieldCount> pattern_rule_;
    std::vector<std::string> labels_;
    std::vector<MatchSet> label_rules_;
    hs_scratch* prototype_ = nullptr;
    mutable std::mutex clone_mu_;  // make_scratch may be called from several threads
    CacheOutcome cache_outcome_ = CacheOutcome::kDisabled;
    bool cache_written_ = false;
    std::string cache_note_;
};

// Reads, validates and builds the rules file at `path`: start-up, and the
// body of a reload. nullptr + one-line *error on any failure.
std::shared_ptr<const RuleSet> load_rule_set(const std::string& path, const BuildOptions& opts, std::string* error);

// Reload: on success replaces `current` with the new set and returns true;
// on any error returns false with *error set and `current` untouched (old
// rules stay in force). Publishing the pointer to workers is the caller's.
bool reload_rule_set(const std::string& path, const BuildOptions& opts, std::shared_ptr<const RuleSet>& current,
                     std::string* error);

}  // namespace cs
