// cert_chain: order, completeness and X509_verify_cert of a presented chain,
// trust bundles loaded once, and the per-worker chain cache.
#include "workers/cert_chain.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace cs {

const char* trust_set_name(TrustSet t) { return t == TrustSet::kCloudCas ? "cloud_cas" : "public_roots"; }

const char* completion_name(Completion c) {
    switch (c) {
    case Completion::kIncomplete: return "incomplete";
    case Completion::kSelfSignedRoot: return "self_signed_root";
    case Completion::kIssuerInBundle: return "issuer_in_bundle";
    }
    return "unknown";
}

// ---------------------------------------------------------------- trust stores

namespace {

// Reads every certificate of a PEM file into st. The whole file is read here,
// at start, so a verification never waits on the disk.
bool load_pem_file(const char* key, const std::string& spec, X509_STORE* st, size_t* count, std::string* source,
                   std::string* error) {
    std::string path = spec;
    std::string label = spec;
    if (spec == "system") {
        const char* env = std::getenv(X509_get_default_cert_file_env());  // SSL_CERT_FILE, as OpenSSL honours it
        path = env && *env ? env : X509_get_default_cert_file();
        label = "system (" + path + ")";
    }
    *source = path;
    auto fail = [&](const std::string& why) {
        *error = std::string("trust.") + key + ": " + label + ": " + why;
        ERR_clear_error();
        return false;
    };
    struct stat sb {};
    if (::stat(path.c_str(), &sb) != 0) return fail(std::string("cannot open: ") + std::strerror(errno));
    if (S_ISDIR(sb.st_mode)) return fail("is a directory, not a PEM file");
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return fail(std::string("cannot open: ") + std::strerror(errno));
    BIO* bio = BIO_new_fp(f, BIO_CLOSE);
    if (bio == nullptr) {
        std::fclose(f);
        return fail("out of memory");
    }
    size_t n = 0;
    for (;;) {
        X509* x = PEM_read_bio_X509_AUX(bio, nullptr, nullptr, nullptr);
        if (x == nullptr) {
            const unsigned long e = ERR_peek_last_error();
            // "no start line" at the end of the file is the normal end.
            if (e == 0 || (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) break;
            const char* why = ERR_reason_error_string(e);
            BIO_free(bio);
            return fail("unparsable certificate after " + std::to_string(n) + " good one(s)" +
                        (why ? std::string(" (") + why + ")" : std::string()));
        }
        const int added = X509_STORE_add_cert(st, x);
        X509_free(x);
        if (added != 1) {
            BIO_free(bio);
            return fail("cannot add certificate " + std::to_string(n + 1) + " to the store");
        }
        ++n;
    }
    BIO_free(bio);
    ERR_clear_error();
    if (n == 0) return fail("no PEM certificate in it");
    *count = n;
    return true;
}

}  // namespace

std::shared_ptr<const TrustStores> TrustStores::load(const TrustConfig& cfg, std::string* error) {
    std::shared_ptr<TrustStores> ts(new TrustStores());
    const std::string* specs[2] = {&cfg.cloud_cas, &cfg.public_roots};
    for (int i = 0; i < 2; ++i) {
        if (specs[i]->empty()) continue;  // not configured: chains against it are not verified
        ts->stores_[i] = X509_STORE_new();
        if (ts->stores_[i] == nullptr) {
            *error = std::string("trust.") + trust_set_name(TrustSet(i)) + ": out of memory";
            return nullptr;
        }
        if (!load_pem_file(trust_set_name(TrustSet(i)), *specs[i], ts->stores_[i], &ts->counts_[i], &ts->sources_[i],
                           error))
            return nullptr;
    }
    return ts;
}

TrustStores::~TrustStores() {
    for (X509_STORE* s : stores_)
        if (s) X509_STORE_free(s);
}

// ---------------------------------------------------------------- one chain

namespace {

// Narrows [from, until) around `now` by one instant at which a result may change.
struct Window {
    int64_t now, from = INT64_MIN, until = INT64_MAX;
    void bound(int64_t t) {
        if (t <= now) from = std::max(from, t);
        else until = std::min(until, t);
    }
    // OpenSSL 3.0 takes a certificate as valid for notBefore <= t < notAfter
    // (X509_cmp_time is "earlier than or equal"); notAfter + 1 is a bound too,
    // so the window stays right if that comparison ever changes.
    void cert(X509* x) {
        int64_t t = 0;
        if (asn1_time_epoch(X509_get0_notBefore(x), &t)) bound(t);
        if (asn1_time_epoch(X509_get0_notAfter(x), &t)) {
            bound(t);
            if (t < INT64_MAX) bound(t + 1);
        }
    }
    // Every bundle certificate that could issue x: OpenSSL prefers the ones
    // valid at the check time, so their bounds matter too.
    void candidates(X509_STORE_CTX* ctx, X509* x) {
        STACK_OF(X509)* sk = X509_STORE_CTX_get1_certs(ctx, X509_get_issuer_name(x));
        if (sk == nullptr) return;
        for (int i = 0; i < sk_X509_num(sk); ++i) cert(sk_X509_value(sk, i));
        sk_X509_pop_free(sk, X509_free);
    }
};

OrderFault issued_by(X509* child, X509* parent) {
    if (X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(parent)) != 0)
        return OrderFault::kNameMismatch;
    EVP_PKEY* pk = X509_get0_pubkey(parent);
    return pk != nullptr && X509_verify(child, pk) == 1 ? OrderFault::kNone : OrderFault::kBadSignature;
}

void name_line(const X509_NAME* name, std::string& out) {
    out.clear();
    BIO* bio = BIO_new(BIO_s_mem());
    if (bio == nullptr) return;
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
        char* data = nullptr;
        long len = BIO_get_mem_data(bio, &data);
        if (len > 0 && data) out.assign(data, size_t(len));
    }
    BIO_free(bio);
}

void reset(ChainReport& r, TrustSet which, size_t presented, int64_t now) {
    r.trust = which;
    r.presented = uint32_t(std::min<size_t>(presented, UINT32_MAX));
    r.too_long = presented > kMaxChainCerts;
    r.certs.resize(std::min(presented, kMaxChainCerts));  // keeps the summaries' string capacity
    r.bad_cert = -1;
    r.ordered = false;
    r.order_break = -1;
    r.order_fault = OrderFault::kNone;
    r.completion = Completion::kIncomplete;
    r.path_len = 0;
    r.unused = 0;
    r.bundle_issuer.clear();
    r.verify = VerifyStatus::kNotRun;
    r.verify_error = 0;
    r.verify_error_text = "";
    r.verify_depth = -1;
    r.verified_chain_len = 0;
    r.anchor.clear();
    r.verify_time = now;
    r.same_from = INT64_MIN;
    r.same_until = INT64_MAX;
    r.from_cache = false;
}

struct Certs {
    X509* x[kMaxChainCerts] = {};
    ~Certs() {
        for (X509* c : x)
            if (c) X509_free(c);
    }
};

// The checks proper, on parsed certificates; ctx is free for our use.
void check_parsed(X509_STORE* store, X509_STORE_CTX* ctx, X509* const* x, size_t n, ChainReport& r, Window& w) {
    // issued[i][j]: certs[i] issued by certs[j]; computed on demand, at most once.
    int8_t memo[kMaxChainCerts][kMaxChainCerts];
    std::memset(memo, -1, sizeof memo);
    auto issued = [&](size_t i, size_t j) {
        if (memo[i][j] < 0) memo[i][j] = int8_t(issued_by(x[i], x[j]));
        return OrderFault(memo[i][j]);
    };

    r.ordered = true;
    for (size_t i = 0; i + 1 < n; ++i) {
        const OrderFault f = issued(i, i + 1);
        if (f != OrderFault::kNone) {
            r.ordered = false;
            r.order_break = int8_t(i);
            r.order_fault = f;
            break;
        }
    }

    // The leaf's path through the presented certificates, trying the next one
    // on the wire first (the usual case costs no extra signature check).
    bool on_path[kMaxChainCerts] = {};
    size_t cur = 0;
    on_path[0] = true;
    r.path_len = 1;
    for (;;) {
        if (r.certs[cur].self_signed) {
            r.completion = Completion::kSelfSignedRoot;
            break;
        }
        size_t next = n;
        for (size_t k = 1; k < n && next == n; ++k) {
            const size_t j = (cur + k) % n;
            if (!on_path[j] && issued(cur, j) == OrderFault::kNone) next = j;
        }
        if (next != n) {
            on_path[next] = true;
            ++r.path_len;
            cur = next;
            continue;
        }
        // Not in the message: is the top's issuer in the bundle?
        if (store != nullptr && X509_STORE_CTX_init(ctx, store, x[cur], nullptr) == 1) {
            STACK_OF(X509)* sk = X509_STORE_CTX_get1_certs(ctx, X509_get_issuer_name(x[cur]));
            for (int i = 0; sk && i < sk_X509_num(sk); ++i) {
                X509* cand = sk_X509_value(sk, i);
                w.cert(cand);
                EVP_PKEY* pk = X509_get0_pubkey(cand);
                if (r.completion == Completion::kIncomplete && pk && X509_verify(x[cur], pk) == 1) {
                    r.completion = Completion::kIssuerInBundle;
                    name_line(X509_get_subject_name(cand), r.bundle_issuer);
                }
            }
            if (sk) sk_X509_pop_free(sk, X509_free);
            X509_STORE_CTX_cleanup(ctx);
        }
        break;
    }
    r.unused = uint8_t(n - r.path_len);

    if (store == nullptr) return;
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    if (untrusted == nullptr) return;
    for (size_t i = 1; i < n; ++i) sk_X509_push(untrusted, x[i]);  // borrowed: freed with sk_X509_free
    if (X509_STORE_CTX_init(ctx, store, x[0], untrusted) == 1) {
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), time_t(r.verify_time));
        const int ok = X509_verify_cert(ctx);
        r.verify = ok == 1 ? VerifyStatus::kOk : VerifyStatus::kFailed;
        r.verify_error = X509_STORE_CTX_get_error(ctx);
        if (ok != 1 && r.verify_error == X509_V_OK) r.verify_error = X509_V_ERR_UNSPECIFIED;
        r.verify_error_text = X509_verify_cert_error_string(r.verify_error);
        STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx);
        const int len = built ? sk_X509_num(built) : 0;
        r.verified_chain_len = uint8_t(std::clamp(len, 0, 255));
        r.verify_depth = ok == 1 ? len - 1 : X509_STORE_CTX_get_error_depth(ctx);
        if (ok == 1 && len > 0) name_line(X509_get_subject_name(sk_X509_value(built, len - 1)), r.anchor);
        // The time window: the bounds of what was built and of every bundle
        // certificate that could have issued any certificate involved.
        for (int i = 0; i < len; ++i) {
            w.cert(sk_X509_value(built, i));
            w.candidates(ctx, sk_X509_value(built, i));
        }
        for (size_t i = 0; i < n; ++i) w.candidates(ctx, x[i]);
        X509_STORE_CTX_cleanup(ctx);
    }
    sk_X509_free(untrusted);
}

void check_chain_ctx(const TrustStores& stores, TrustSet which, std::span<const std::span<const uint8_t>> certs,
                     uint64_t packet_ns, ChainReport& r, X509_STORE_CTX* ctx) {
    const int64_t now = int64_t(packet_ns / 1000000000ull);
    reset(r, which, certs.size(), now);
    Window w{now};
    const size_t n = r.certs.size();
    Certs parsed;
    for (size_t i = 0; i < n; ++i) {
        parsed.x[i] = summarize_cert_keep(certs[i], r.certs[i]);
        if (parsed.x[i] == nullptr && r.bad_cert < 0) r.bad_cert = int8_t(i);
        if (parsed.x[i]) w.cert(parsed.x[i]);
    }
    // A certificate that does not parse leaves nothing sound to order or verify.
    if (n > 0 && r.bad_cert < 0 && ctx != nullptr) check_parsed(stores.store(which), ctx, parsed.x, n, r, w);
    r.same_from = w.from;
    r.same_until = w.until;
    ERR_clear_error();
}

}  // namespace

void check_chain(const TrustStores& stores, TrustSet which, std::span<const std::span<const uint8_t>> certs,
                 uint64_t packet_ns, ChainReport& out) {
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    check_chain_ctx(stores, which, certs, packet_ns, out, ctx);
    X509_STORE_CTX_free(ctx);
}

// ---------------------------------------------------------------- the cache

ChainChecker::ChainChecker(std::shared_ptr<const TrustStores> stores, size_t cache_entries)
    : stores_(std::move(stores)), entries_(std::max<size_t>(cache_entries, 1)) {
    sha256_ = EVP_MD_fetch(nullptr, "SHA256", nullptr);  // fetched once: an implicit fetch per digest costs a lookup
    md_ctx_ = EVP_MD_CTX_new();
}

ChainChecker::~ChainChecker() {
    EVP_MD_CTX_free(md_ctx_);
    EVP_MD_free(sha256_);
}

const ChainReport& ChainChecker::check(TrustSet which, std::span<const std::span<const uint8_t>> certs,
                                       uint64_t packet_ns) {
    ++stats_.checks;
    ++clock_;
    const int64_t now = int64_t(packet_ns / 1000000000ull);
    X509_STORE_CTX* ctx = nullptr;

    // Key: SHA-256 over the trust set, the count and every looked-at certificate
    // with its length (so two splits of the same bytes differ). A collision would
    // need a SHA-256 collision: a crafted chain cannot borrow a trusted verdict.
    uint8_t key[32] = {};
    size_t total = 0;
    bool keyed = sha256_ && md_ctx_ && EVP_DigestInit_ex(md_ctx_, sha256_, nullptr) == 1;
    const uint8_t head[5] = {uint8_t(which), uint8_t(certs.size() >> 24), uint8_t(certs.size() >> 16),
                             uint8_t(certs.size() >> 8), uint8_t(certs.size())};
    keyed = keyed && EVP_DigestUpdate(md_ctx_, head, sizeof head) == 1;
    for (size_t i = 0; keyed && i < std::min(certs.size(), kMaxChainCerts); ++i) {
        const size_t len = certs[i].size();
        total += len;
        const uint8_t l[4] = {uint8_t(len >> 24), uint8_t(len >> 16), uint8_t(len >> 8), uint8_t(len)};
        keyed = EVP_DigestUpdate(md_ctx_, l, sizeof l) == 1 && EVP_DigestUpdate(md_ctx_, certs[i].data(), len) == 1;
    }
    unsigned int klen = 0;
    keyed = keyed && EVP_DigestFinal_ex(md_ctx_, key, &klen) == 1 && klen == sizeof key;

    if (!keyed || total > kMaxCachedChainBytes) {
        ++stats_.uncached;
        ++stats_.misses;
        ctx = X509_STORE_CTX_new();
        check_chain_ctx(*stores_, which, certs, packet_ns, scratch_, ctx);
        X509_STORE_CTX_free(ctx);
        return scratch_;
    }

    Entry* same_key = nullptr;
    Entry* victim = nullptr;
    for (Entry& e : entries_) {
        if (e.used && std::memcmp(e.key, key, sizeof key) == 0) {
            same_key = &e;
            break;
        }
        if (!e.used) {
            if (victim == nullptr || victim->used) victim = &e;
        } else if (victim == nullptr || (victim->used && e.last_use < victim->last_use)) {
            victim = &e;
        }
    }
    if (same_key && now >= same_key->report.same_from && now < same_key->report.same_until) {
        ++stats_.hits;
        same_key->last_use = clock_;
        same_key->report.from_cache = true;
        same_key->report.verify_time = now;
        return same_key->report;
    }
    Entry* e = same_key ? same_key : victim;  // same chain at a time outside its window: refresh in place
    if (!same_key && e->used) ++stats_.evictions;
    ++stats_.misses;
    ctx = X509_STORE_CTX_new();
    check_chain_ctx(*stores_, which, certs, packet_ns, e->report, ctx);
    X509_STORE_CTX_free(ctx);
    e->used = true;
    std::memcpy(e->key, key, sizeof key);
    e->last_use = clock_;
    return e->report;
}

}  // namespace cs
