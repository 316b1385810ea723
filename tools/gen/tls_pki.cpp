#include "tools/gen/tls_pki.h"

// RAND_set_rand_method and RAND_METHOD are deprecated in OpenSSL 3.0 but
// still honoured; they are the one hook that reaches every library context.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace cs::gen::tls {

// ---------------------------------------------------------------------------
// Seeded randomness.

namespace {

std::mt19937_64* g_stream = nullptr;

int seeded_bytes(unsigned char* buf, int num) {
    if (!g_stream || num < 0) return 0;
    for (int i = 0; i < num; i += 8) {
        uint64_t r = (*g_stream)();
        for (int k = 0; k < 8 && i + k < num; ++k) buf[i + k] = uint8_t(r >> (8 * k));
    }
    return 1;
}
int seeded_seed(const void*, int) { return 1; }
int seeded_add(const void*, int, double) { return 1; }
int seeded_status() { return g_stream != nullptr; }

const RAND_METHOD kSeededMethod = {seeded_seed, seeded_bytes, nullptr, seeded_add, seeded_bytes, seeded_status};

}  // namespace

RandomScope::RandomScope(std::mt19937_64& stream)
    : previous_stream_(g_stream), previous_method_(RAND_get_rand_method()) {
    g_stream = &stream;
    if (previous_method_ != &kSeededMethod && RAND_set_rand_method(&kSeededMethod) != 1)
        throw std::runtime_error("OpenSSL refused the seeded RAND method");
}

RandomScope::~RandomScope() {
    if (previous_method_ != &kSeededMethod) RAND_set_rand_method(static_cast<const RAND_METHOD*>(previous_method_));
    g_stream = previous_stream_;
}

// ---------------------------------------------------------------------------
// Certificate building.

namespace {

struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ConfFree {
    void operator()(CONF* c) const { NCONF_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using ConfPtr = std::unique_ptr<CONF, ConfFree>;

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string("test PKI: ") + what); }

// FNV-1a: a key's seed from its label, so each key is the same whatever
// else the process generated before it.
uint64_t label_seed(std::string_view label) {
    uint64_t h = 0xcbf29ce484222325;
    for (char c : label) h = (h ^ uint8_t(c)) * 0x100000001b3;
    return h;
}

struct BnFree {
    void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

BnPtr bn() {
    BnPtr b(BN_new());
    if (!b) fail("BN_new");
    return b;
}

// The odd primes below 2^16, for trial division.
const std::vector<uint32_t>& small_primes() {
    static const std::vector<uint32_t> primes = [] {
        std::vector<uint32_t> v;
        std::vector<bool> composite(1 << 16);
        for (uint32_t i = 3; i < composite.size(); i += 2) {
            if (composite[i]) continue;
            v.push_back(i);
            for (uint32_t j = i * i; j < composite.size(); j += 2 * i) composite[j] = true;
        }
        return v;
    }();
    return primes;
}

// A prime of `bits` bits (top two set, so p*q has exactly twice as many):
// the first number from a random odd start that no small prime divides, that
// is 1 above no multiple of 65537, and that passes Miller-Rabin. Returns the
// number of Miller-Rabin candidates in `tests`.
BnPtr prime(int bits, std::mt19937_64& stream, BN_CTX* ctx, unsigned& tests) {
    std::vector<unsigned char> raw(size_t(bits) / 8);
    for (size_t i = 0; i < raw.size(); ++i) raw[i] = uint8_t(stream());
    raw[0] |= 0xc0;
    raw.back() |= 1;
    BnPtr start(BN_bin2bn(raw.data(), int(raw.size()), nullptr));
    if (!start) fail("BN_bin2bn");
    const std::vector<uint32_t>& primes = small_primes();
    std::vector<uint32_t> residue(primes.size());
    for (size_t i = 0; i < primes.size(); ++i) residue[i] = uint32_t(BN_mod_word(start.get(), primes[i]));
    const uint32_t e_residue = uint32_t(BN_mod_word(start.get(), 65537));
    BnPtr candidate = bn();
    for (uint32_t delta = 0; delta < (1u << 30); delta += 2) {
        bool sieved = (e_residue + delta) % 65537 == 1;  // gcd(e, p - 1) must be 1
        for (size_t i = 0; i < primes.size() && !sieved; ++i) sieved = (residue[i] + delta) % primes[i] == 0;
        if (sieved) continue;
        if (!BN_copy(candidate.get(), start.get()) || !BN_add_word(candidate.get(), delta)) fail("BN_add_word");
        ++tests;
        // Two rounds: these keys protect test traffic, not secrets.
        int r = BN_is_prime_fasttest_ex(candidate.get(), 2, ctx, 0, nullptr);
        if (r < 0) fail("Miller-Rabin");
        if (r == 1) return candidate;
    }
    fail("no prime found");
}

// An RSA key whose primes come from a stream seeded by `label`: the same key
// in every run, built in well under a second even at 4096 bits (OpenSSL's own
// generator spends seconds on 64-128 Miller-Rabin rounds per prime).
PkeyPtr rsa_key(std::string_view label, unsigned bits) {
    std::mt19937_64 stream(label_seed(label));
    std::unique_ptr<BN_CTX, decltype(&BN_CTX_free)> ctx(BN_CTX_new(), BN_CTX_free);
    if (!ctx) fail("BN_CTX_new");
    unsigned tests = 0;
    BnPtr p = prime(int(bits / 2), stream, ctx.get(), tests);
    BnPtr q = prime(int(bits / 2), stream, ctx.get(), tests);
    if (BN_cmp(p.get(), q.get()) < 0) std::swap(p, q);
    BnPtr n = bn(), e = bn(), d = bn(), p1 = bn(), q1 = bn(), phi = bn(), dp = bn(), dq = bn(), qinv = bn();
    if (!BN_mul(n.get(), p.get(), q.get(), ctx.get()) || !BN_set_word(e.get(), 65537) ||
        !BN_sub(p1.get(), p.get(), BN_value_one()) || !BN_sub(q1.get(), q.get(), BN_value_one()) ||
        !BN_mul(phi.get(), p1.get(), q1.get(), ctx.get()) || !BN_mod_inverse(d.get(), e.get(), phi.get(), ctx.get()) ||
        !BN_mod(dp.get(), d.get(), p1.get(), ctx.get()) || !BN_mod(dq.get(), d.get(), q1.get(), ctx.get()) ||
        !BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx.get()))
        fail("RSA key arithmetic");
    if (BN_num_bits(n.get()) != int(bits)) fail("RSA modulus size");

    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
    if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), "n", n.get()) || !OSSL_PARAM_BLD_push_BN(bld.get(), "e", e.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), "d", d.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), "rsa-factor1", p.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), "rsa-factor2", q.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), "rsa-exponent1", dp.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), "rsa-exponent2", dq.get()) ||
        !OSSL_PARAM_BLD_push_BN(bld.get(), "rsa-coefficient1", qinv.get()))
        fail("RSA parameters");
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> kctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr),
                                                                   EVP_PKEY_CTX_free);
    EVP_PKEY* key = nullptr;
    if (!params || !kctx || EVP_PKEY_fromdata_init(kctx.get()) != 1 ||
        EVP_PKEY_fromdata(kctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) != 1)
        fail("RSA key from parameters");
    return PkeyPtr(key);
}

// Certificate policies with a CPS pointer need a configuration section.
constexpr char kPolicyConf[] =
    "[quovadis_ica]\n"
    "policyIdentifier = 2.5.29.32.0\n"
    "CPS.1 = http://www.hydrantid.com/support/repository\n"
    "[hydrant_leaf]\n"
    "policyIdentifier = 2.23.140.1.2.2\n"
    "CPS.1 = https://www.hydrantid.com/support/repository\n"
    "[godaddy_any]\n"
    "policyIdentifier = 2.5.29.32.0\n"
    "CPS.1 = https://certs.godaddy.com/repository/\n"
    "[godaddy_dv]\n"
    "policyIdentifier = 2.16.840.1.114413.1.7.23.1\n"
    "CPS.1 = http://certificates.godaddy.com/repository/\n";

CONF* policy_conf() {
    static ConfPtr conf = [] {
        ConfPtr c(NCONF_new(nullptr));
        std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(kPolicyConf, -1), BIO_free);
        long line = 0;
        if (!c || !bio || NCONF_load_bio(c.get(), bio.get(), &line) != 1) fail("policy configuration");
        return c;
    }();
    return conf.get();
}

struct Rdn {
    const char* field;
    std::string value;
};

struct CertSpec {
    std::vector<Rdn> subject;
    const char* serial_hex;
    const char* not_before;  // YYYYMMDDHHMMSSZ
    const char* not_after;
    std::vector<std::pair<const char*, std::string>> extensions;  // OpenSSL v3 configuration syntax, in order
};

// An issuing authority: its certificate and key.
struct Authority {
    X509Ptr cert;
    PkeyPtr key;
};

// Builds and signs (sha256WithRSAEncryption) a certificate for `key`;
// self-signed when `issuer` is null.
X509Ptr make_cert(const CertSpec& spec, EVP_PKEY* key, const Authority* issuer) {
    X509Ptr x(X509_new());
    if (!x || X509_set_version(x.get(), 2) != 1) fail("X509_new");

    BIGNUM* bn = nullptr;
    if (BN_hex2bn(&bn, spec.serial_hex) == 0) fail("serial");
    ASN1_INTEGER* serial = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x.get()));
    BN_free(bn);
    if (!serial) fail("serial");

    X509_NAME* name = X509_get_subject_name(x.get());
    for (const Rdn& r : spec.subject)
        if (X509_NAME_add_entry_by_txt(name, r.field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(r.value.c_str()),
                                       -1, -1, 0) != 1)
            fail("subject");
    X509* issuer_cert = issuer ? issuer->cert.get() : x.get();
    if (X509_set_issuer_name(x.get(), X509_get_subject_name(issuer_cert)) != 1) fail("issuer");
    if (ASN1_TIME_set_string_X509(X509_getm_notBefore(x.get()), spec.not_before) != 1 ||
        ASN1_TIME_set_string_X509(X509_getm_notAfter(x.get()), spec.not_after) != 1)
        fail("validity");
    if (X509_set_pubkey(x.get(), key) != 1) fail("public key");

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer_cert, x.get(), nullptr, nullptr, 0);
    X509V3_set_nconf(&ctx, policy_conf());
    for (const auto& [ext_name, value] : spec.extensions) {
        X509_EXTENSION* ext = X509V3_EXT_nconf(policy_conf(), &ctx, ext_name, value.c_str());
        if (!ext) fail(ext_name);
        int ok = X509_add_ext(x.get(), ext, -1);
        X509_EXTENSION_free(ext);
        if (ok != 1) fail(ext_name);
    }

    // PKCS#1 v1.5 signatures are deterministic; the scope covers RSA blinding.
    std::mt19937_64 stream(label_seed(spec.serial_hex));
    RandomScope scope(stream);
    if (X509_sign(x.get(), issuer ? issuer->key.get() : key, EVP_sha256()) == 0) fail("signature");
    return x;
}

Der der_of(X509* x) {
    unsigned char* p = nullptr;
    int n = i2d_X509(x, &p);
    if (n <= 0) fail("certificate encoding");
    Der d(p, p + n);
    OPENSSL_free(p);
    return d;
}

Der der_of(EVP_PKEY* k) {
    unsigned char* p = nullptr;
    int n = i2d_PrivateKey(k, &p);
    if (n <= 0) fail("key encoding");
    Der d(p, p + n);
    OPENSSL_free(p);
    return d;
}

// The usual leaf and CA extension sets.
std::vector<std::pair<const char*, std::string>> root_extensions() {
    return {{"basicConstraints", "critical,CA:TRUE"},
            {"keyUsage", "critical,keyCertSign,cRLSign"},
            {"subjectKeyIdentifier", "hash"}};
}

// ---------------------------------------------------------------------------
// The authorities. Each is built once per process, on first use.

const Authority& quovadis() {
    static const Authority a = [] {
        Authority r{nullptr, rsa_key("QuoVadis Root CA 2", 4096)};
        CertSpec s{{{"C", "BM"}, {"O", "QuoVadis Limited"}, {"CN", "QuoVadis Root CA 2"}},
                   "0509",
                   "20061124182700Z",
                   "20311124182333Z",
                   {{"basicConstraints", "critical,CA:TRUE"},
                    {"keyUsage", "keyCertSign,cRLSign"},
                    {"subjectKeyIdentifier", "hash"},
                    {"authorityKeyIdentifier", "keyid:always,issuer:always"}}};
        r.cert = make_cert(s, r.key.get(), nullptr);
        return r;
    }();
    return a;
}

const Authority& hydrant() {
    static const Authority a = [] {
        Authority r{nullptr, rsa_key("HydrantID SSL ICA G2", 2048)};
        CertSpec s{{{"C", "US"}, {"O", "HydrantID (Avalanche Cloud Corporation)"}, {"CN", "HydrantID SSL ICA G2"}},
                   "75173ED79E6F33E7EE5C8F9B5D3F8D5E4A7D34F5",
                   "20131217142510Z",
                   "20231217142510Z",
                   {{"authorityInfoAccess",
                     "OCSP;URI:http://ocsp.quovadisglobal.com,caIssuers;URI:http://trust.quovadisglobal.com/qvrca2.crt"},
                    {"basicConstraints", "critical,CA:TRUE,pathlen:0"},
                    {"certificatePolicies", "@quovadis_ica"},
                    {"crlDistributionPoints", "URI:http://crl.quovadisglobal.com/qvrca2.crl"},
                    {"keyUsage", "critical,keyCertSign,cRLSign"},
                    {"authorityKeyIdentifier", "keyid"},
                    {"subjectKeyIdentifier", "hash"}}};
        r.cert = make_cert(s, r.key.get(), &quovadis());
        return r;
    }();
    return a;
}

std::vector<Rdn> godaddy_root_subject() {
    return {{"C", "US"},
            {"ST", "Arizona"},
            {"L", "Scottsdale"},
            {"O", "GoDaddy.com, Inc."},
            {"CN", "Go Daddy Root Certificate Authority - G2"}};
}

const Authority& godaddy_g2() {
    static const Authority a = [] {
        Authority r{nullptr, rsa_key("Go Daddy Root Certificate Authority - G2", 2048)};
        CertSpec s{godaddy_root_subject(), "00", "20090901000000Z", "20371231235959Z", root_extensions()};
        r.cert = make_cert(s, r.key.get(), nullptr);
        return r;
    }();
    return a;
}

const Authority& godaddy_class2() {
    static const Authority a = [] {
        Authority r{nullptr, rsa_key("Go Daddy Class 2 Certification Authority", 2048)};
        CertSpec s{{{"C", "US"}, {"O", "The Go Daddy Group, Inc."}, {"OU", "Go Daddy Class 2 Certification Authority"}},
                   "00",
                   "20040629170620Z",
                   "20340629170620Z",
                   {{"subjectKeyIdentifier", "hash"},
                    {"authorityKeyIdentifier", "keyid:always,issuer:always"},
                    {"basicConstraints", "CA:TRUE"}}};
        r.cert = make_cert(s, r.key.get(), nullptr);
        return r;
    }();
    return a;
}

const Authority& godaddy_secure_g2() {
    static const Authority a = [] {
        Authority r{nullptr, rsa_key("Go Daddy Secure Certificate Authority - G2", 2048)};
        CertSpec s{{{"C", "US"},
                    {"ST", "Arizona"},
                    {"L", "Scottsdale"},
                    {"O", "GoDaddy.com, Inc."},
                    {"OU", "http://certs.godaddy.com/repository/"},
                    {"CN", "Go Daddy Secure Certificate Authority - G2"}},
                   "07",
                   "20110503070000Z",
                   "20310503070000Z",
                   {{"basicConstraints", "critical,CA:TRUE"},
                    {"keyUsage", "critical,keyCertSign,cRLSign"},
                    {"subjectKeyIdentifier", "hash"},
                    {"authorityKeyIdentifier", "keyid"},
                    {"authorityInfoAccess", "OCSP;URI:http://ocsp.godaddy.com/"},
                    {"crlDistributionPoints", "URI:http://crl.godaddy.com/gdroot-g2.crl"},
                    {"certificatePolicies", "@godaddy_any"}}};
        r.cert = make_cert(s, r.key.get(), &godaddy_g2());
        return r;
    }();
    return a;
}

// A GoDaddy domain-validated leaf for `cn` (serverAuth and clientAuth, as
// mutual TLS needs), 4096-bit as the guide's Expressway certificates are
// (their ServerKeyExchange and CertificateVerify carry 512-byte signatures).
Credential godaddy_leaf(const char* cn, const char* key_label, const char* serial, const char* from, const char* to,
                        const std::string& san) {
    PkeyPtr key = rsa_key(key_label, 4096);
    CertSpec s{{{"OU", "Domain Control Validated"}, {"CN", cn}},
               serial,
               from,
               to,
               {{"basicConstraints", "critical,CA:FALSE"},
                {"extendedKeyUsage", "serverAuth,clientAuth"},
                {"keyUsage", "critical,digitalSignature,keyEncipherment"},
                {"crlDistributionPoints", "URI:http://crl.godaddy.com/gdig2s1-574.crl"},
                {"certificatePolicies", "@godaddy_dv,2.23.140.1.2.1"},
                {"authorityInfoAccess",
                 "OCSP;URI:http://ocsp.godaddy.com/,caIssuers;URI:http://certificates.godaddy.com/repository/gdig2.crt"},
                {"authorityKeyIdentifier", "keyid"},
                {"subjectAltName", san},
                {"subjectKeyIdentifier", "hash"}}};
    X509Ptr leaf = make_cert(s, key.get(), &godaddy_secure_g2());
    return {{der_of(leaf.get())}, der_of(key.get())};
}

// A Cisco server certificate for `cn` issued by HydrantID SSL ICA G2, sent
// with the intermediate and the QuoVadis root, as Webex servers do (guide C8).
Credential hydrant_leaf(const char* cn, EVP_PKEY* key, const char* serial, const char* from, const char* to,
                        const std::string& san) {
    CertSpec s{{{"C", "US"},
                {"ST", "California"},
                {"L", "San Jose"},
                {"O", "Cisco Systems, Inc."},
                {"CN", cn}},
               serial,
               from,
               to,
               {{"authorityInfoAccess",
                 "caIssuers;URI:http://trust.quovadisglobal.com/hydsslg2.crt,OCSP;URI:http://ocsp.quovadisglobal.com"},
                {"subjectKeyIdentifier", "hash"},
                {"basicConstraints", "CA:FALSE"},
                {"authorityKeyIdentifier", "keyid"},
                {"certificatePolicies", "@hydrant_leaf"},
                {"extendedKeyUsage", "serverAuth,clientAuth"},
                {"crlDistributionPoints", "URI:http://crl.quovadisglobal.com/hydsslg2.crl"},
                {"keyUsage", "critical,digitalSignature,keyEncipherment"},
                {"subjectAltName", san}}};
    X509Ptr leaf = make_cert(s, key, &hydrant());
    return {{der_of(leaf.get()), der_of(hydrant().cert.get()), der_of(quovadis().cert.get())}, der_of(key)};
}

Credential webex_leaf(const char* serial, bool with_service_names) {
    static const PkeyPtr key = rsa_key("l2sip-cfa-01.ciscospark.com", 2048);
    std::string san;
    for (const std::string& n : webex_san_names()) {
        if (!with_service_names && (n == "callservice.ciscospark.com" || n == "callservice.webex.com")) continue;
        san += (san.empty() ? "DNS:" : ",DNS:") + n;
    }
    return hydrant_leaf("l2sip-cfa-01.ciscospark.com", key.get(), serial, "20170216181512Z", "20190216182500Z", san);
}

}  // namespace

// ---------------------------------------------------------------------------

const std::vector<std::string>& webex_san_names() {
    static const std::vector<std::string> names = {
        "l2sip-cfa-01.ciscospark.com",
        "l2sip-cfa-01.wbx2.com",
        "l2sip-cfa-01-web.wbx2.com",
        "l2sip-cfa-web.wbx2.com",
        "callservice.ciscospark.com",
        "callservice.call.ciscospark.com",
        "l2sip-a-Webexcall.ciscospark.com",
        "l2sip-prod-11-dfw-public.wbx2.com",
        "l2sip-prod-12-dfw-public.wbx2.com",
        "l2sip-l2sipproda1-294-riad-public.wbx2.com",
        "l2sip-l2sipproda1-817-riad-public.wbx2.com",
        "l2sip-l2sip-prod-wpsjc-web.ciscospark.com",
        "l2sip-l2sip-prod-wpsjc-web.wbx2.com",
        "l2sip-l2sip-prod-wpdfw-web.ciscospark.com",
        "l2sip-l2sip-prod-wpdfw-web.wbx2.com",
        "l2sip-cfa-02.wbx2.com",
        "Webexcmr-wpa.ciscospark.com",
        "Webexcmr-wpb.ciscospark.com",
        "Webexcmr-wpc.ciscospark.com",
        "l2sip-wpa-01.wbx2.com",
        "l2sip-wpa-02.wbx2.com",
        "l2sip-wpb-01.wbx2.com",
        "l2sip-wpb-02.wbx2.com",
        "l2sip-wpc-01.wbx2.com",
        "l2sip-wpc-02.wbx2.com",
    };
    return names;
}

const Der& quovadis_root() {
    static const Der d = der_of(quovadis().cert.get());
    return d;
}
const Der& godaddy_root() {
    static const Der d = der_of(godaddy_g2().cert.get());
    return d;
}
const Der& godaddy_class2_root() {
    static const Der d = der_of(godaddy_class2().cert.get());
    return d;
}

const Credential& webex_l2sip() {
    static const Credential c = webex_leaf("1C5A3E2B0F7D49A6C1E9B3D2F4A5C6E7D8F90A1B", true);
    return c;
}

const Credential& webex_l2sip_without_service_names() {
    static const Credential c = webex_leaf("5E0B7A2C9D4F13B8A6C2E0F9D1B3A5C7E9F02468", false);
    return c;
}

// Valid within the intermediate's life (it ends 2023-12-17), around seed
// 004's capture (2023-09-04).
const Credential& wxc_sbc() {
    static const Credential c = [] {
        PkeyPtr key = rsa_key("*.bcld.webex.com", 2048);
        return hydrant_leaf("*.bcld.webex.com", key.get(), "4B1F0C7A92D3E65810AB2C4D6E8F0A1B3C5D7E9F",
                            "20221219173502Z", "20231215173502Z", "DNS:*.bcld.webex.com,DNS:bcld.webex.com");
    }();
    return c;
}

const Credential& expressway_public() {
    static const Credential c = [] {
        Credential leaf = godaddy_leaf("amer-expressway01.ciscotac.net", "amer-expressway01.ciscotac.net", "3E5B8A1C7D29F046",
                                       "20170608185203Z", "20180608185203Z",
                                       "DNS:amer-expressway01.ciscotac.net,DNS:www.amer-expressway01.ciscotac.net");
        leaf.chain.push_back(der_of(godaddy_secure_g2().cert.get()));
        leaf.chain.push_back(godaddy_root());
        return leaf;
    }();
    return c;
}

const Credential& expressway_leaf_only() {
    static const Credential c = [] {
        Credential all = expressway_public();
        all.chain.resize(1);
        return all;
    }();
    return c;
}

const Credential& expressway_temporary() {
    static const Credential c = [] {
        const std::string ca_name = "Temporary CA 01362422-4216-4701-9910-6bd35f2a3a41";
        Authority ca{nullptr, rsa_key(ca_name, 2048)};
        ca.cert = make_cert({{{"O", ca_name}, {"OU", ca_name}, {"CN", ca_name}},
                             "01",
                             "20170926120513Z",
                             "20270926120513Z",
                             root_extensions()},
                            ca.key.get(), nullptr);
        const std::string cert_name = "Temporary Certificate b3821a0c-5b6e-4e52-8f0a-7d1c9e2b4a63";
        PkeyPtr key = rsa_key("amer-expressway01 temporary", 2048);
        X509Ptr leaf = make_cert({{{"O", cert_name}, {"OU", cert_name}, {"CN", "amer-expressway01"}},
                                  "01",
                                  "20170926120513Z",
                                  "20180926120513Z",
                                  {{"basicConstraints", "CA:FALSE"},
                                   {"nsComment", "Temporary Certificate"},
                                   {"subjectKeyIdentifier", "hash"},
                                   {"authorityKeyIdentifier", "keyid"},
                                   {"keyUsage", "digitalSignature,nonRepudiation,keyEncipherment"},
                                   {"extendedKeyUsage", "serverAuth,clientAuth"}}},
                                 key.get(), &ca);
        return Credential{{der_of(leaf.get())}, der_of(key.get())};
    }();
    return c;
}

const Credential& vcse_public() {
    static const Credential c = [] {
        Credential leaf = godaddy_leaf("vcse", "vcse", "0B2F7C41E9A3D6", "20170301160000Z", "20180301160000Z", "DNS:vcse");
        leaf.chain.push_back(der_of(godaddy_secure_g2().cert.get()));
        // Go Daddy Root G2 cross-signed by the Class 2 root: same subject and key.
        CertSpec cross{godaddy_root_subject(),
                       "1BE715",
                       "20140101070000Z",
                       "20310530070000Z",
                       {{"basicConstraints", "critical,CA:TRUE"},
                        {"keyUsage", "critical,keyCertSign,cRLSign"},
                        {"subjectKeyIdentifier", "hash"},
                        {"authorityKeyIdentifier", "keyid"},
                        {"authorityInfoAccess", "OCSP;URI:http://ocsp.godaddy.com/"},
                        {"crlDistributionPoints", "URI:http://crl.godaddy.com/gdroot.crl"},
                        {"certificatePolicies", "@godaddy_any"}}};
        X509Ptr cross_cert = make_cert(cross, godaddy_g2().key.get(), &godaddy_class2());
        leaf.chain.push_back(der_of(cross_cert.get()));
        leaf.chain.push_back(godaddy_class2_root());
        return leaf;
    }();
    return c;
}

}  // namespace cs::gen::tls
