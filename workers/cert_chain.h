// cert_chain: a certificate chain as presented in a TLS Certificate message
// (leaf first) checked for order, completeness and X509_verify_cert at packet
// time against trust bundles loaded once at start; a bounded cache keyed by the
// chain's bytes so a chain seen on thousands of connections is verified once.
#pragma once
#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "workers/x509_cert.h"

namespace cs {

// Certificates looked at per chain; a longer one is flagged (too_long) and
// only its first kMaxChainCerts are summarised and checked.
inline constexpr size_t kMaxChainCerts = 10;

// Where trust comes from (config keys trust.cloud_cas and trust.public_roots).
struct TrustConfig {
    std::string cloud_cas;               // PEM file: the CAs on-prem should trust for the cloud's chain; "" = not configured
    std::string public_roots = "system"; // PEM file the cloud's trust is modelled by; "system" = OpenSSL's default CA file
};

// Which bundle a chain is verified against: the cloud's chain against what
// on-prem should trust (kCloudCas), on-prem's chain against what the cloud
// trusts (kPublicRoots).
enum class TrustSet : uint8_t { kCloudCas = 0, kPublicRoots = 1 };
const char* trust_set_name(TrustSet t);  // "cloud_cas", "public_roots"

// The two X509_STOREs, built once. Immutable afterwards, so one instance may be
// shared by every worker; OpenSSL takes a short internal read lock in issuer
// lookups, which happen only on a cache miss (per new chain, not per packet).
class TrustStores {
public:
    // Reads the PEM files (the whole file, so verification never touches the
    // disk: "system" loads the default CA file, not the hashed directory).
    // On error: nullptr and *error is one line naming the key and the file, e.g.
    // "trust.cloud_cas: /etc/cs/webex.pem: cannot open: No such file or directory".
    static std::shared_ptr<const TrustStores> load(const TrustConfig& cfg, std::string* error);
    ~TrustStores();
    TrustStores(const TrustStores&) = delete;
    TrustStores& operator=(const TrustStores&) = delete;

    X509_STORE* store(TrustSet t) const { return stores_[int(t)]; }  // nullptr when not configured
    size_t cert_count(TrustSet t) const { return counts_[int(t)]; }
    const std::string& source(TrustSet t) const { return sources_[int(t)]; }  // file actually read

private:
    TrustStores() = default;
    X509_STORE* stores_[2] = {nullptr, nullptr};
    size_t counts_[2] = {0, 0};
    std::string sources_[2];
};

// Does certs[i] name certs[i+1] as issuer, and does its signature verify?
enum class OrderFault : uint8_t { kNone = 0, kNameMismatch, kBadSignature };

// Where the leaf's path through the presented certificates ends.
enum class Completion : uint8_t {
    kIncomplete = 0,    // its top is not self-signed and no bundle certificate issued it
    kSelfSignedRoot,    // it ends at a presented self-signed certificate
    kIssuerInBundle,    // the top's issuer is in the bundle (name matches, signature verifies)
};
const char* completion_name(Completion c);  // "incomplete", "self_signed_root", "issuer_in_bundle"

enum class VerifyStatus : uint8_t {
    kNotRun = 0,  // no certificate, one did not parse, or the bundle is not configured
    kOk,          // X509_verify_cert accepted the chain at packet time
    kFailed,      // it refused: verify_error says why
};

struct ChainReport {
    TrustSet trust = TrustSet::kCloudCas;
    uint32_t presented = 0;          // certificates in the message
    bool too_long = false;           // presented > kMaxChainCerts: only the first kMaxChainCerts are looked at
    std::vector<CertSummary> certs;  // the first min(presented, kMaxChainCerts), wire order (leaf first)
    int8_t bad_cert = -1;            // index of the first certificate that did not parse (its summary has the error)

    // Order: each certificate issued by the next (issuer name == next subject, signature verifies).
    bool ordered = false;            // true for a single parsed certificate
    int8_t order_break = -1;         // first i with certs[i] not issued by certs[i+1]
    OrderFault order_fault = OrderFault::kNone;

    // Completeness: the path from the leaf through the presented certificates, in any order.
    Completion completion = Completion::kIncomplete;
    uint8_t path_len = 0;            // presented certificates on that path (leaf included)
    uint8_t unused = 0;              // presented certificates not on it
    std::string bundle_issuer;       // kIssuerInBundle: RFC 2253 subject of the bundle certificate
    bool complete() const { return completion != Completion::kIncomplete; }

    // X509_verify_cert against the bundle, at the packet's time.
    VerifyStatus verify = VerifyStatus::kNotRun;
    int verify_error = 0;                   // X509_V_OK or X509_V_ERR_* (e.g. 20, 19, 10)
    const char* verify_error_text = "";     // X509_verify_cert_error_string (static text)
    int verify_depth = -1;                  // kFailed: depth the error is about (0 = leaf); kOk: the anchor's
                                            // depth (verified_chain_len - 1); -1 when not run
    uint8_t verified_chain_len = 0;         // certificates in the chain OpenSSL built (anchor included)
    std::string anchor;                     // kOk: RFC 2253 subject of the trust anchor
    int64_t verify_time = 0;                // epoch seconds the check used (packet time)
    // Every packet time in [same_from, same_until) gives this same report: no
    // validity bound of a certificate that took part lies inside (epoch seconds).
    int64_t same_from = INT64_MIN, same_until = INT64_MAX;

    bool from_cache = false;                // set by ChainChecker::check on a cache hit
};

// One chain, no cache: parses, summarises, checks order and completeness and
// runs X509_verify_cert with X509_VERIFY_PARAM_set_time(packet time). `certs`
// are the DER spans of the Certificate message, leaf first.
void check_chain(const TrustStores& stores, TrustSet which, std::span<const std::span<const uint8_t>> certs,
                 uint64_t packet_ns, ChainReport& out);

// Per worker: check_chain behind a fixed-size cache. The key is a SHA-256 over
// the trust set and every certificate's bytes; an entry also records the time
// window in which nothing OpenSSL compares against the clock changes (the
// validity bounds of the presented certificates and of every bundle
// certificate that could issue one of them), so a hit at another packet time
// gives exactly what a fresh check would. Least recently used entry replaced.
class ChainChecker {
public:
    explicit ChainChecker(std::shared_ptr<const TrustStores> stores, size_t cache_entries = 64);
    ~ChainChecker();
    ChainChecker(const ChainChecker&) = delete;
    ChainChecker& operator=(const ChainChecker&) = delete;

    // The report for this chain at this packet time. The reference stays valid
    // until the next call to check().
    const ChainReport& check(TrustSet which, std::span<const std::span<const uint8_t>> certs, uint64_t packet_ns);

    struct Stats {
        uint64_t checks = 0;
        uint64_t hits = 0;
        uint64_t misses = 0;     // fresh check_chain runs
        uint64_t evictions = 0;  // a full cache replaced its least recently used entry
        uint64_t uncached = 0;   // chains too big to keep (kMaxCachedChainBytes): checked, not kept
    };
    const Stats& stats() const { return stats_; }
    size_t capacity() const { return entries_.size(); }

    // Chains with more DER bytes than this are checked but not kept, which
    // bounds what the cache holds to about capacity * this.
    static constexpr size_t kMaxCachedChainBytes = 64 * 1024;

private:
    struct Entry {
        bool used = false;
        uint8_t key[32] = {};
        uint64_t last_use = 0;
        ChainReport report;
    };
    std::shared_ptr<const TrustStores> stores_;
    std::vector<Entry> entries_;
    ChainReport scratch_;  // for chains not kept
    uint64_t clock_ = 0;
    Stats stats_;
    EVP_MD* sha256_ = nullptr;
    EVP_MD_CTX* md_ctx_ = nullptr;
};

}  // namespace cs
