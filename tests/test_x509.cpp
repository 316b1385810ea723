// x509_cert and cert_chain against test PKIs made here with the OpenSSL 3 API,
// shaped like the guide's (FAILURE_CATALOG_guide.md §3.1, captures §1.4 C3/C6/C7/C9):
// QuoVadis Root CA 2 -> HydrantID SSL ICA G2 -> l2sip-cfa-01.ciscospark.com (25 SANs),
// Go Daddy Root G2 -> Go Daddy Secure CA G2 -> amer-expressway01.ciscotac.net,
// the 4-certificate vcse chain through the cross-signed G2 root to Go Daddy Class 2,
// and the Expressway's default "Temporary Certificate" issued by "Temporary CA <uuid>".
// Expected values are the guide's, typed here, or computed by a second route
// (timegm, X509_digest, openssl's own name printing is not used for expectations).
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "workers/cert_chain.h"
#include "workers/x509_cert.h"

using namespace cs;

namespace {

using Der = std::vector<uint8_t>;
using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

int64_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
    struct tm tm {};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return int64_t(timegm(&tm));
}
uint64_t ns(int64_t epoch_s) { return uint64_t(epoch_s) * 1000000000ull; }

PKey rsa(unsigned bits) { return PKey(EVP_RSA_gen(bits), EVP_PKEY_free); }
PKey ec(const char* curve) { return PKey(EVP_EC_gen(curve), EVP_PKEY_free); }
PKey ed25519() { return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free); }

struct Rdn {
    const char* field;
    std::string value;
};
using Dn = std::vector<Rdn>;  // in DER order: C first, CN last

X509_NAME* make_name(const Dn& dn) {
    X509_NAME* n = X509_NAME_new();
    for (const Rdn& r : dn)
        X509_NAME_add_entry_by_txt(n, r.field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(r.value.data()),
                                   int(r.value.size()), -1, 0);
    return n;
}

struct Spec {
    Dn subject;
    EVP_PKEY* key = nullptr;         // the subject's key
    const X509* issuer = nullptr;    // null: the issuer name is issuer_dn, or the subject itself
    Dn issuer_dn;                    // used when issuer is null and this is not empty
    EVP_PKEY* signer = nullptr;      // the signing key (null: key, i.e. self-signed)
    int64_t not_before = 0, not_after = 0;
    std::string serial_hex = "01";
    bool ca = false;
    int pathlen = -1;
    bool basic_constraints = true;
    std::vector<std::string> sans;
    std::vector<std::pair<int, std::string>> extra;  // more extensions as nid -> config value
};

void add_ext(X509* x, X509V3_CTX* ctx, int nid, const std::string& value) {
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
    ASSERT_NE(e, nullptr) << OBJ_nid2sn(nid) << " = " << value;
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

Cert make_cert(const Spec& s) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    BIGNUM* bn = nullptr;
    BN_hex2bn(&bn, s.serial_hex.c_str());
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    BN_free(bn);
    ASN1_TIME_set(X509_getm_notBefore(x), time_t(s.not_before));
    ASN1_TIME_set(X509_getm_notAfter(x), time_t(s.not_after));
    X509_NAME* subj = make_name(s.subject);
    X509_set_subject_name(x, subj);
    if (s.issuer) {
        X509_set_issuer_name(x, X509_get_subject_name(s.issuer));
    } else if (!s.issuer_dn.empty()) {
        X509_NAME* iss = make_name(s.issuer_dn);
        X509_set_issuer_name(x, iss);
        X509_NAME_free(iss);
    } else {
        X509_set_issuer_name(x, subj);
    }
    X509_NAME_free(subj);
    X509_set_pubkey(x, s.key);

    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, s.issuer ? const_cast<X509*>(s.issuer) : x, x, nullptr, nullptr, 0);
    if (s.basic_constraints) {
        std::string bc = s.ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
        if (s.ca && s.pathlen >= 0) bc += ",pathlen:" + std::to_string(s.pathlen);
        add_ext(x, &ctx, NID_basic_constraints, bc);
    }
    add_ext(x, &ctx, NID_key_usage, s.ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment");
    add_ext(x, &ctx, NID_subject_key_identifier, "hash");
    if (s.issuer || s.issuer_dn.empty()) add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
    if (!s.sans.empty()) {
        std::string v;
        for (const std::string& n : s.sans) v += (v.empty() ? "DNS:" : ",DNS:") + n;
        add_ext(x, &ctx, NID_subject_alt_name, v);
    }
    for (const auto& [nid, value] : s.extra) add_ext(x, &ctx, nid, value);
    EVP_PKEY* signer = s.signer ? s.signer : s.key;
    const bool no_md = EVP_PKEY_get_base_id(signer) == EVP_PKEY_ED25519;
    EXPECT_GT(X509_sign(x, signer, no_md ? nullptr : EVP_sha256()), 0);
    return Cert(x, X509_free);
}

Der der_of(const X509* x) {
    unsigned char* buf = nullptr;
    int n = i2d_X509(x, &buf);
    Der d(buf, buf + (n > 0 ? n : 0));
    OPENSSL_free(buf);
    return d;
}

std::string hex_digest(const X509* x) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    X509_digest(x, EVP_sha256(), md, &len);
    std::string s;
    char b[3];
    for (unsigned i = 0; i < len; ++i) {
        std::snprintf(b, sizeof b, "%02x", md[i]);
        s += b;
    }
    return s;
}

// The 25 SANs of the Webex certificate as the guide lists them (§3.1).
const std::vector<std::string> kWebexSans = {
    "l2sip-cfa-01.ciscospark.com", "l2sip-cfa-01.wbx2.com", "l2sip-cfa-01-web.wbx2.com", "l2sip-cfa-web.wbx2.com",
    "callservice.ciscospark.com", "callservice.call.ciscospark.com", "l2sip-a-Webexcall.ciscospark.com",
    "l2sip-prod-11-dfw-public.wbx2.com", "l2sip-prod-12-dfw-public.wbx2.com",
    "l2sip-l2sipproda1-294-riad-public.wbx2.com", "l2sip-l2sipproda1-817-riad-public.wbx2.com",
    "l2sip-l2sip-prod-wpsjc-web.ciscospark.com", "l2sip-l2sip-prod-wpsjc-web.wbx2.com",
    "l2sip-l2sip-prod-wpdfw-web.ciscospark.com", "l2sip-l2sip-prod-wpdfw-web.wbx2.com", "l2sip-cfa-02.wbx2.com",
    "Webexcmr-wpa.ciscospark.com", "Webexcmr-wpb.ciscospark.com", "Webexcmr-wpc.ciscospark.com",
    "l2sip-wpa-01.wbx2.com", "l2sip-wpa-02.wbx2.com", "l2sip-wpb-01.wbx2.com", "l2sip-wpb-02.wbx2.com",
    "l2sip-wpc-01.wbx2.com", "l2sip-wpc-02.wbx2.com",
};

const Dn kQuoVadisDn = {{"C", "BM"}, {"O", "QuoVadis Limited"}, {"CN", "QuoVadis Root CA 2"}};
const Dn kGoDaddyRootDn = {{"C", "US"}, {"ST", "Arizona"}, {"L", "Scottsdale"}, {"O", "GoDaddy.com, Inc."},
                           {"CN", "Go Daddy Root Certificate Authority - G2"}};
const char* kTempCa = "Temporary CA 01362422-4216-4701-9910-3a8c2e5d4f10";

// Packet times of the guide's captures.
const int64_t kC1 = utc(2017, 9, 20, 14, 22, 13);  // Webex -> Exp-E, healthy
const int64_t kC6 = utc(2017, 9, 19, 15, 12, 9);   // Exp-E sends its leaf alone
const int64_t kC7 = utc(2017, 6, 13, 18, 31, 38);  // vcse's 4-certificate chain
const int64_t kC9 = utc(2017, 9, 26, 12, 18, 8);   // Temporary Certificate

struct Pki {
    PKey qv_key = rsa(2048), hydrant_key = rsa(2048), webex_key = rsa(2048);
    PKey gd_root_key = rsa(2048), gd_ica_key = rsa(2048), class2_key = rsa(2048);
    PKey expe_key = ec("P-256"), vcse_key = ec("P-384"), temp_ca_key = rsa(2048), temp_key = rsa(2048);
    PKey other_key = ec("P-256"), ed_key = ed25519();

    Cert qv_root{nullptr, X509_free}, hydrant{nullptr, X509_free}, webex{nullptr, X509_free};
    Cert gd_root{nullptr, X509_free}, gd_ica{nullptr, X509_free}, expe{nullptr, X509_free};
    Cert class2{nullptr, X509_free}, gd_cross{nullptr, X509_free}, vcse{nullptr, X509_free};
    Cert temp_ca{nullptr, X509_free}, temp{nullptr, X509_free}, self_leaf{nullptr, X509_free};

    Pki() {
        Spec s;
        s.subject = kQuoVadisDn;
        s.key = qv_key.get();
        s.not_before = utc(2006, 11, 24, 18, 27);
        s.not_after = utc(2031, 11, 24, 18, 23, 33);
        s.serial_hex = "0509";
        s.ca = true;
        qv_root = make_cert(s);

        s = Spec{};
        s.subject = {{"C", "US"}, {"O", "HydrantID (Avalanche Cloud Corporation)"}, {"CN", "HydrantID SSL ICA G2"}};
        s.key = hydrant_key.get();
        s.issuer = qv_root.get();
        s.signer = qv_key.get();
        s.not_before = utc(2013, 12, 17, 14, 25, 10);
        s.not_after = utc(2023, 12, 17, 14, 25, 10);
        s.serial_hex = "751716778" "3D0437EB556C35704E4563B8EBD3AC";
        s.ca = true;
        s.pathlen = 0;
        hydrant = make_cert(s);

        webex = webex_leaf(kWebexSans, webex_key.get(), hydrant_key.get());

        s = Spec{};
        s.subject = kGoDaddyRootDn;
        s.key = gd_root_key.get();
        s.not_before = utc(2009, 9, 1);
        s.not_after = utc(2037, 12, 31, 23, 59, 59);
        s.ca = true;
        gd_root = make_cert(s);

        s = Spec{};
        s.subject = {{"C", "US"}, {"ST", "Arizona"}, {"L", "Scottsdale"}, {"O", "GoDaddy.com, Inc."},
                     {"OU", "http://certs.godaddy.com/repository/"},
                     {"CN", "Go Daddy Secure Certificate Authority - G2"}};
        s.key = gd_ica_key.get();
        s.issuer = gd_root.get();
        s.signer = gd_root_key.get();
        s.not_before = utc(2011, 5, 3, 7);
        s.not_after = utc(2031, 5, 3, 7);
        s.serial_hex = "07";
        s.ca = true;
        gd_ica = make_cert(s);

        s = Spec{};
        s.subject = {{"OU", "Domain Control Validated"}, {"CN", "amer-expressway01.ciscotac.net"}};
        s.key = expe_key.get();
        s.issuer = gd_ica.get();
        s.signer = gd_ica_key.get();
        s.not_before = utc(2017, 3, 1);
        s.not_after = utc(2019, 3, 1);
        s.serial_hex = "6F2C3A9D1E0B44A1";
        s.sans = {"amer-expressway01.ciscotac.net", "www.amer-expressway01.ciscotac.net"};
        expe = make_cert(s);

        s = Spec{};
        s.subject = {{"C", "US"}, {"O", "The Go Daddy Group, Inc."}, {"OU", "Go Daddy Class 2 Certification Authority"}};
        s.key = class2_key.get();
        s.not_before = utc(2004, 6, 29, 17, 6, 20);
        s.not_after = utc(2034, 6, 29, 17, 6, 20);
        s.serial_hex = "00";
        s.ca = true;
        class2 = make_cert(s);

        // Same name and key as the G2 root, issued by Class 2 (the cross certificate).
        s = Spec{};
        s.subject = kGoDaddyRootDn;
        s.key = gd_root_key.get();
        s.issuer = class2.get();
        s.signer = class2_key.get();
        s.not_before = utc(2014, 1, 1, 7);
        s.not_after = utc(2031, 5, 30, 7);
        s.serial_hex = "1BE715";
        s.ca = true;
        gd_cross = make_cert(s);

        s = Spec{};
        s.subject = {{"OU", "Domain Control Validated"}, {"CN", "vcse"}};
        s.key = vcse_key.get();
        s.issuer = gd_ica.get();
        s.signer = gd_ica_key.get();
        s.not_before = utc(2017, 1, 10);
        s.not_after = utc(2018, 1, 10);
        s.serial_hex = "2A";
        s.sans = {"vcse"};
        vcse = make_cert(s);

        // The Expressway's default certificate: issued by a per-box "Temporary CA"
        // it never sends, so issuer != subject and nothing presented can verify it.
        const Dn temp_ca_dn = {{"O", kTempCa}, {"OU", kTempCa}, {"CN", kTempCa}};
        s = Spec{};
        s.subject = temp_ca_dn;
        s.key = temp_ca_key.get();
        s.not_before = utc(2017, 9, 26, 10);
        s.not_after = utc(2019, 9, 26, 10);
        s.ca = true;
        temp_ca = make_cert(s);
        s = Spec{};
        s.subject = {{"OU", "Temporary Certificate b6d21a3e-5f7c-4c2d-9a1b-0e8f7d6c5b4a"}, {"CN", "amer-expressway01"}};
        s.key = temp_key.get();
        s.issuer = temp_ca.get();
        s.signer = temp_ca_key.get();
        s.not_before = utc(2017, 9, 26, 10, 2);
        s.not_after = utc(2018, 9, 28, 10, 2);
        s.serial_hex = "01";
        s.extra = {{NID_netscape_comment, "Temporary Certificate"}, {NID_ext_key_usage, "serverAuth,clientAuth"}};
        temp = make_cert(s);

        // A truly self-signed box certificate.
        s = Spec{};
        s.subject = {{"CN", "amer-expressway01"}};
        s.key = temp_key.get();
        s.not_before = utc(2017, 9, 26);
        s.not_after = utc(2018, 9, 26);
        self_leaf = make_cert(s);
    }

    Cert webex_leaf(const std::vector<std::string>& sans, EVP_PKEY* key, EVP_PKEY* signer,
                    const std::string& cn = "l2sip-cfa-01.ciscospark.com") {
        Spec s;
        s.subject = {{"C", "US"}, {"ST", "CA"}, {"L", "San Jose"}, {"O", "Cisco Systems, Inc."}, {"CN", cn}};
        s.key = key;
        s.issuer = hydrant.get();
        s.signer = signer;
        s.not_before = utc(2016, 11, 16, 16, 57, 22);
        s.not_after = utc(2018, 11, 16, 17, 7);
        s.serial_hex = "4E7D6C0B2F5A11E3B2C4";
        s.sans = sans;
        s.extra = {{NID_ext_key_usage, "serverAuth,clientAuth"}};
        return make_cert(s);
    }
};

Pki* g_pki = nullptr;
std::filesystem::path g_dir;

std::string write_pem(const std::string& name, std::initializer_list<const X509*> certs) {
    const std::string path = (g_dir / name).string();
    FILE* f = std::fopen(path.c_str(), "w");
    for (const X509* x : certs) PEM_write_X509(f, x);
    std::fclose(f);
    return path;
}

void write_file(const std::string& path, const std::string& content) {
    FILE* f = std::fopen(path.c_str(), "w");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
}

// DER copies of certificates, and the spans a Certificate message would give.
struct Chain {
    std::vector<Der> ders;
    std::vector<std::span<const uint8_t>> spans;
    Chain(std::initializer_list<const X509*> certs) {
        for (const X509* x : certs) ders.push_back(der_of(x));
        for (const Der& d : ders) spans.emplace_back(d.data(), d.size());
    }
    explicit Chain(std::vector<Der> d) : ders(std::move(d)) {
        for (const Der& x : ders) spans.emplace_back(x.data(), x.size());
    }
    // spans point into ders' buffers: a move keeps them, a copy would not.
    Chain(const Chain&) = delete;
    Chain(Chain&&) noexcept = default;
};

class X509Test : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        char tmpl[] = "/tmp/cs-x509-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        g_dir = tmpl;
        g_pki = new Pki();
    }
    static void TearDownTestSuite() {
        delete g_pki;
        g_pki = nullptr;
        std::filesystem::remove_all(g_dir);
    }
    const Pki& P() const { return *g_pki; }

    // cloud_cas: QuoVadis root; public_roots: the two Go Daddy roots.
    std::shared_ptr<const TrustStores> stores(const std::string& cloud = "", const std::string& pub = "") {
        TrustConfig tc;
        tc.cloud_cas = cloud.empty() ? write_pem("cloud.pem", {P().qv_root.get()}) : cloud;
        tc.public_roots = pub.empty() ? write_pem("public.pem", {P().gd_root.get(), P().class2.get()}) : pub;
        std::string err;
        auto ts = TrustStores::load(tc, &err);
        EXPECT_TRUE(ts) << err;
        return ts;
    }
};

// ------------------------------------------------------------------ summaries

TEST_F(X509Test, WebexLeafSummaryCarriesTheGuideValues) {
    const Der der = der_of(P().webex.get());
    const CertSummary s = summarize_cert(der);
    ASSERT_TRUE(s.ok()) << cert_error_name(s.error);
    EXPECT_EQ(s.anomalies, 0);
    EXPECT_EQ(s.version, 3);
    EXPECT_EQ(s.der_len, der.size());
    EXPECT_EQ(s.subject, "CN=l2sip-cfa-01.ciscospark.com,O=Cisco Systems\\, Inc.,L=San Jose,ST=CA,C=US");
    EXPECT_EQ(s.issuer, "CN=HydrantID SSL ICA G2,O=HydrantID (Avalanche Cloud Corporation),C=US");
    EXPECT_EQ(s.subject_cn, "l2sip-cfa-01.ciscospark.com");
    EXPECT_EQ(s.issuer_cn, "HydrantID SSL ICA G2");
    EXPECT_TRUE(s.has_san);
    EXPECT_EQ(s.san_dns_total, 25u);
    EXPECT_EQ(s.san_dns, kWebexSans);
    EXPECT_EQ(s.serial_hex, "4E7D6C0B2F5A11E3B2C4");
    EXPECT_EQ(s.not_before, utc(2016, 11, 16, 16, 57, 22));
    EXPECT_EQ(s.not_after, utc(2018, 11, 16, 17, 7));
    EXPECT_STREQ(s.not_before_iso, "2016-11-16T16:57:22Z");
    EXPECT_STREQ(s.not_after_iso, "2018-11-16T17:07:00Z");
    EXPECT_EQ(s.key_type, KeyType::kRsa);
    EXPECT_EQ(s.key_bits, 2048u);
    EXPECT_EQ(s.key_description(), "RSA 2048");
    EXPECT_EQ(s.sig_alg, "sha256WithRSAEncryption");
    EXPECT_EQ(std::string(s.sha256_hex), hex_digest(P().webex.get()));
    EXPECT_TRUE(s.has_basic_constraints);
    EXPECT_FALSE(s.is_ca);
    EXPECT_EQ(s.path_len, -1);
    EXPECT_FALSE(s.self_issued);
    EXPECT_FALSE(s.self_signed);
}

TEST_F(X509Test, CaFlagsSerialsKeysAndSignatureAlgorithms) {
    const CertSummary root = summarize_cert(der_of(P().qv_root.get()));
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(root.subject, "CN=QuoVadis Root CA 2,O=QuoVadis Limited,C=BM");
    EXPECT_EQ(root.issuer, root.subject);
    EXPECT_TRUE(root.is_ca);
    EXPECT_EQ(root.path_len, -1);
    EXPECT_EQ(root.serial_hex, "0509");
    EXPECT_TRUE(root.self_issued);
    EXPECT_TRUE(root.self_signed);
    EXPECT_FALSE(root.has_san);
    EXPECT_TRUE(root.san_dns.empty());

    const CertSummary ica = summarize_cert(der_of(P().hydrant.get()));
    EXPECT_TRUE(ica.is_ca);
    EXPECT_EQ(ica.path_len, 0);
    EXPECT_EQ(ica.serial_hex, "0751716778" "3D0437EB556C35704E4563B8EBD3AC");  // odd digit count: leading 0 byte nibble
    EXPECT_FALSE(ica.self_signed);

    const CertSummary expe = summarize_cert(der_of(P().expe.get()));
    EXPECT_EQ(expe.key_description(), "EC P-256");
    EXPECT_EQ(expe.key_bits, 256u);
    EXPECT_EQ(expe.subject, "CN=amer-expressway01.ciscotac.net,OU=Domain Control Validated");
    EXPECT_EQ(expe.sig_alg, "sha256WithRSAEncryption");

    const CertSummary vcse = summarize_cert(der_of(P().vcse.get()));
    EXPECT_EQ(vcse.key_description(), "EC P-384");

    // Class 2 has no CN at all.
    const CertSummary class2 = summarize_cert(der_of(P().class2.get()));
    EXPECT_EQ(class2.subject_cn, "");
    EXPECT_EQ(class2.subject, "OU=Go Daddy Class 2 Certification Authority,O=The Go Daddy Group\\, Inc.,C=US");
    EXPECT_EQ(class2.serial_hex, "00");
    EXPECT_TRUE(class2.self_signed);

    // ECDSA and Ed25519 signers and keys.
    Spec s;
    s.subject = {{"CN", "ed.example.net"}};
    s.key = P().ed_key.get();
    s.not_before = utc(2020, 1, 1);
    s.not_after = utc(2021, 1, 1);
    const CertSummary ed = summarize_cert(der_of(make_cert(s).get()));
    EXPECT_EQ(ed.key_description(), "Ed25519");
    EXPECT_EQ(ed.sig_alg, "ED25519");
    EXPECT_TRUE(ed.self_signed);
    s.key = P().other_key.get();
    const CertSummary ecs = summarize_cert(der_of(make_cert(s).get()));
    EXPECT_EQ(ecs.sig_alg, "ecdsa-with-SHA256");
    EXPECT_TRUE(ecs.self_signed);
}

TEST_F(X509Test, TemporaryCertificateIsNotSelfSigned) {
    const CertSummary t = summarize_cert(der_of(P().temp.get()));
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t.subject_cn, "amer-expressway01");
    EXPECT_EQ(t.issuer_cn, kTempCa);
    EXPECT_EQ(t.subject, "CN=amer-expressway01,OU=Temporary Certificate b6d21a3e-5f7c-4c2d-9a1b-0e8f7d6c5b4a");
    EXPECT_EQ(t.serial_hex, "01");
    EXPECT_FALSE(t.has_san);
    EXPECT_FALSE(t.self_issued);
    EXPECT_FALSE(t.self_signed);
    EXPECT_FALSE(t.is_ca);
    EXPECT_EQ(t.not_after, utc(2018, 9, 28, 10, 2));

    const CertSummary ss = summarize_cert(der_of(P().self_leaf.get()));
    EXPECT_TRUE(ss.self_issued);
    EXPECT_TRUE(ss.self_signed);
}

TEST_F(X509Test, SameNameSignedByAnotherKeyIsSelfIssuedNotSelfSigned) {
    Spec s;
    s.subject = kQuoVadisDn;
    s.key = P().qv_key.get();
    s.signer = P().other_key.get();
    s.not_before = utc(2006, 11, 24);
    s.not_after = utc(2031, 11, 24);
    s.ca = true;
    const CertSummary f = summarize_cert(der_of(make_cert(s).get()));
    ASSERT_TRUE(f.ok());
    EXPECT_TRUE(f.self_issued);
    EXPECT_FALSE(f.self_signed);

    // And the genuine root with one bit of its signature flipped.
    Der d = der_of(P().qv_root.get());
    d[d.size() - 9] ^= 0x10;
    const CertSummary g = summarize_cert(d);
    ASSERT_TRUE(g.ok());
    EXPECT_TRUE(g.self_issued);
    EXPECT_FALSE(g.self_signed);
}

// ------------------------------------------------------------------ identities

TEST_F(X509Test, IdentityMatchingFollowsRfc6125) {
    const CertSummary w = summarize_cert(der_of(P().webex.get()));
    EXPECT_TRUE(matches_identity(w, "callservice.ciscospark.com"));
    EXPECT_TRUE(matches_identity(w, "CallService.CiscoSpark.COM."));
    EXPECT_TRUE(matches_identity(w, "l2sip-cfa-01.ciscospark.com"));
    EXPECT_TRUE(matches_identity(w, "webexcmr-wpc.ciscospark.com"));
    EXPECT_FALSE(matches_identity(w, "calllservice.ciscospark.com"));  // the guide's mistyped verify name
    EXPECT_FALSE(matches_identity(w, "callservice.webex.com"));
    EXPECT_FALSE(matches_identity(w, "ciscospark.com"));
    EXPECT_FALSE(matches_identity(w, ""));

    // The same leaf without callservice.ciscospark.com.
    std::vector<std::string> sans = kWebexSans;
    std::erase(sans, "callservice.ciscospark.com");
    Pki& p = *g_pki;
    const CertSummary without = summarize_cert(der_of(p.webex_leaf(sans, p.webex_key.get(), p.hydrant_key.get()).get()));
    EXPECT_EQ(without.san_dns_total, 24u);
    EXPECT_FALSE(matches_identity(without, "callservice.ciscospark.com"));
    EXPECT_TRUE(matches_identity(without, "callservice.call.ciscospark.com"));
    EXPECT_FALSE(matches_identity(summarize_cert(der_of(P().expe.get())), "callservice.ciscospark.com"));

    // CN is looked at only when there is no dNSName.
    const CertSummary cn_and_san = summarize_cert(der_of(
        p.webex_leaf({"l2sip-cfa-01.wbx2.com"}, p.webex_key.get(), p.hydrant_key.get(), "callservice.ciscospark.com")
            .get()));
    EXPECT_FALSE(matches_identity(cn_and_san, "callservice.ciscospark.com"));
    const CertSummary cn_only = summarize_cert(
        der_of(p.webex_leaf({}, p.webex_key.get(), p.hydrant_key.get(), "callservice.ciscospark.com").get()));
    EXPECT_FALSE(cn_only.has_san);
    EXPECT_TRUE(matches_identity(cn_only, "callservice.ciscospark.com"));
    EXPECT_FALSE(matches_identity(summarize_cert(der_of(P().temp.get())), "amer-expressway01.rtp.ciscotac.net"));

    // Wildcards: one whole left-most label standing for exactly one label.
    const CertSummary wild =
        summarize_cert(der_of(p.webex_leaf({"*.ciscospark.com", "*.wbx2.com"}, p.webex_key.get(), p.hydrant_key.get())
                                  .get()));
    EXPECT_TRUE(matches_identity(wild, "callservice.ciscospark.com"));
    EXPECT_TRUE(matches_identity(wild, "l2sip-cfa-02.wbx2.com"));
    EXPECT_FALSE(matches_identity(wild, "a.callservice.ciscospark.com"));
    EXPECT_FALSE(matches_identity(wild, "ciscospark.com"));
}

TEST(DnsNameMatch, WildcardAndCharacterRules) {
    EXPECT_TRUE(dns_name_matches("*.ciscospark.com", "callservice.ciscospark.com"));
    EXPECT_TRUE(dns_name_matches("*.CiscoSpark.com", "CALLSERVICE.ciscospark.com."));
    EXPECT_FALSE(dns_name_matches("*.ciscospark.com", "a.b.ciscospark.com"));
    EXPECT_FALSE(dns_name_matches("*.ciscospark.com", ".ciscospark.com"));
    EXPECT_FALSE(dns_name_matches("*.ciscospark.com", "ciscospark.com"));
    EXPECT_FALSE(dns_name_matches("*.com", "example.com"));
    EXPECT_FALSE(dns_name_matches("*", "example"));
    EXPECT_FALSE(dns_name_matches("call*.ciscospark.com", "callservice.ciscospark.com"));
    EXPECT_FALSE(dns_name_matches("*call.ciscospark.com", "xcall.ciscospark.com"));
    EXPECT_FALSE(dns_name_matches("callservice.*.com", "callservice.ciscospark.com"));
    EXPECT_FALSE(dns_name_matches("*.*.com", "a.b.com"));
    EXPECT_FALSE(dns_name_matches("callservice.ciscospark.com", "*.ciscospark.com"));  // no wildcard in the reference
    EXPECT_FALSE(dns_name_matches("*.ciscospark.com", "*.ciscospark.com"));
    EXPECT_TRUE(dns_name_matches("callservice.ciscospark.com.", "callservice.ciscospark.com"));
    EXPECT_FALSE(dns_name_matches("callservice..ciscospark.com", "callservice..ciscospark.com"));
    EXPECT_FALSE(dns_name_matches(std::string_view("good.com\0.evil.com", 18), "good.com"));
    EXPECT_FALSE(dns_name_matches("good.com?.evil.com", "good.com?.evil.com"));
    EXPECT_FALSE(dns_name_matches("", ""));
}

TEST_F(X509Test, HostileSanContents) {
    // A dNSName with a NUL in it, 300 dNSNames, and a duplicated SAN extension.
    const Pki& p = P();
    Spec s;
    s.subject = {{"CN", "good.com"}};
    s.key = p.other_key.get();
    s.not_before = utc(2020, 1, 1);
    s.not_after = utc(2021, 1, 1);
    Cert c = make_cert(s);
    GENERAL_NAMES* gens = sk_GENERAL_NAME_new_null();
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    ASN1_STRING_set(ia5, "good.com\0.evil.com", 18);
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    sk_GENERAL_NAME_push(gens, gn);
    X509_add1_ext_i2d(c.get(), NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND);
    GENERAL_NAMES_free(gens);
    X509_sign(c.get(), p.other_key.get(), EVP_sha256());
    const CertSummary nul = summarize_cert(der_of(c.get()));
    ASSERT_TRUE(nul.ok());
    ASSERT_EQ(nul.san_dns.size(), 1u);
    EXPECT_EQ(nul.san_dns[0], "good.com?.evil.com");
    EXPECT_TRUE(nul.anomalies & kCertAnomBadName);
    EXPECT_FALSE(matches_identity(nul, "good.com"));

    std::vector<std::string> many;
    char name[32];
    for (int i = 0; i < 300; ++i) {
        std::snprintf(name, sizeof name, "h%d.wbx2.com", i);
        many.emplace_back(name);
    }
    s.sans = many;
    const CertSummary lots = summarize_cert(der_of(make_cert(s).get()));
    ASSERT_TRUE(lots.ok());
    EXPECT_EQ(lots.san_dns_total, 300u);
    EXPECT_EQ(lots.san_dns.size(), kMaxSanDns);
    EXPECT_TRUE(lots.anomalies & kCertAnomSanTruncated);
    EXPECT_EQ(lots.san_dns.back(), "h255.wbx2.com");

    s.sans = {"a.example.com"};
    Cert dup = make_cert(s);
    X509_EXTENSION* again = X509_EXTENSION_dup(X509_get_ext(dup.get(), X509_get_ext_by_NID(dup.get(), NID_subject_alt_name, -1)));
    X509_add_ext(dup.get(), again, -1);
    X509_EXTENSION_free(again);
    X509_sign(dup.get(), p.other_key.get(), EVP_sha256());
    const CertSummary d = summarize_cert(der_of(dup.get()));
    ASSERT_TRUE(d.ok());
    EXPECT_TRUE(d.anomalies & kCertAnomBadExtensions);
    EXPECT_TRUE(d.has_san);
    EXPECT_TRUE(d.san_dns.empty());
}

// ------------------------------------------------------------------ malformed DER

TEST_F(X509Test, EveryTruncationIsAnErrorValue) {
    const Der der = der_of(P().webex.get());
    for (size_t n = 0; n < der.size(); ++n) {
        const CertSummary s = summarize_cert(std::span<const uint8_t>(der.data(), n));
        ASSERT_FALSE(s.ok()) << "truncated to " << n;
        EXPECT_EQ(s.error, n == 0 ? CertError::kEmpty : CertError::kBadDer) << n;
        EXPECT_FALSE(matches_identity(s, "callservice.ciscospark.com"));
    }
    Der longer = der;
    longer.push_back(0);
    EXPECT_EQ(summarize_cert(longer).error, CertError::kTrailingData);
    Der huge(kMaxCertDer + 1, 0x30);
    EXPECT_EQ(summarize_cert(huge).error, CertError::kTooLarge);
    EXPECT_STREQ(cert_error_name(CertError::kBadDer), "bad_der");
}

TEST_F(X509Test, VersionOutsideV1ToV3IsAnAnomaly) {
    // The version is the first field of tbsCertificate: [0] { INTEGER 2 } = a0 03 02 01 02.
    Der d = der_of(P().webex.get());
    const uint8_t v3[] = {0xa0, 0x03, 0x02, 0x01, 0x02};
    auto at = std::search(d.begin(), d.end(), std::begin(v3), std::end(v3));
    ASSERT_NE(at, d.end());
    at[4] = 0x07;
    const CertSummary s = summarize_cert(d);
    ASSERT_TRUE(s.ok());  // OpenSSL 3.0 parses it (the fuzzer found one): the summary flags it
    EXPECT_EQ(s.version, 0);
    EXPECT_TRUE(s.anomalies & kCertAnomBadVersion);
    EXPECT_EQ(s.san_dns.size(), 25u);
    EXPECT_FALSE(s.self_signed);
}

TEST_F(X509Test, RandomBitFlipsGiveErrorsOrConsistentSummaries) {
    std::mt19937 rng(20170920);
    const X509* sources[] = {P().webex.get(), P().qv_root.get(), P().temp.get(), P().vcse.get()};
    size_t parsed = 0, refused = 0;
    for (const X509* src : sources) {
        const Der orig = der_of(src);
        const CertSummary base = summarize_cert(orig);
        for (int it = 0; it < 1500; ++it) {
            Der d = orig;
            const int flips = 1 + int(rng() % 3);
            for (int f = 0; f < flips; ++f) d[rng() % d.size()] ^= uint8_t(1u << (rng() % 8));
            if (d == orig) continue;
            const CertSummary s = summarize_cert(d);
            if (!s.ok()) {
                ++refused;
                EXPECT_TRUE(s.subject.empty() && s.san_dns.empty());
                continue;
            }
            ++parsed;
            EXPECT_NE(std::string(s.sha256_hex), std::string(base.sha256_hex));
            EXPECT_LE(s.san_dns.size(), kMaxSanDns);
            // Any change to a root's signed bytes or signature breaks self-signature.
            if (src == P().qv_root.get() && s.self_signed) ADD_FAILURE() << "flipped root still self-signed";
        }
    }
    EXPECT_GT(parsed, 100u);   // flips in names, keys and signatures still parse
    EXPECT_GT(refused, 100u);  // flips in tags and lengths do not
}

// ------------------------------------------------------------------ trust stores

TEST_F(X509Test, TrustStoreErrorsNameTheKeyAndFile) {
    std::string err;
    TrustConfig tc;
    tc.cloud_cas = (g_dir / "missing.pem").string();
    EXPECT_EQ(TrustStores::load(tc, &err), nullptr);
    EXPECT_EQ(err, "trust.cloud_cas: " + tc.cloud_cas + ": cannot open: No such file or directory");

    const std::string garbage = (g_dir / "garbage.pem").string();
    write_file(garbage, "this is not a certificate\n");
    tc.cloud_cas = garbage;
    EXPECT_EQ(TrustStores::load(tc, &err), nullptr);
    EXPECT_EQ(err, "trust.cloud_cas: " + garbage + ": no PEM certificate in it");

    // A good certificate, then one whose base64 is cut short.
    const std::string good = write_pem("good.pem", {P().qv_root.get()});
    FILE* f = std::fopen(good.c_str(), "r");
    std::string pem(8192, '\0');
    pem.resize(std::fread(pem.data(), 1, pem.size(), f));
    std::fclose(f);
    const std::string broken = (g_dir / "broken.pem").string();
    write_file(broken, pem + pem.substr(0, 200) + "\n-----END CERTIFICATE-----\n");
    tc.cloud_cas = good;
    tc.public_roots = broken;
    EXPECT_EQ(TrustStores::load(tc, &err), nullptr);
    EXPECT_EQ(err.rfind("trust.public_roots: " + broken + ": unparsable certificate after 1 good one(s)", 0), 0u)
        << err;
    EXPECT_EQ(err.find('\n'), std::string::npos);

    tc.public_roots = g_dir.string();
    EXPECT_EQ(TrustStores::load(tc, &err), nullptr);
    EXPECT_EQ(err, "trust.public_roots: " + g_dir.string() + ": is a directory, not a PEM file");

    tc.public_roots = good;
    tc.cloud_cas = "";
    auto ts = TrustStores::load(tc, &err);
    ASSERT_TRUE(ts);
    EXPECT_EQ(ts->store(TrustSet::kCloudCas), nullptr);
    EXPECT_EQ(ts->cert_count(TrustSet::kPublicRoots), 1u);
}

TEST_F(X509Test, SystemStoreIsTheDefaultCaFile) {
    const std::string bundle = write_pem("sys.pem", {P().gd_root.get(), P().class2.get(), P().qv_root.get()});
    ASSERT_EQ(setenv(X509_get_default_cert_file_env(), bundle.c_str(), 1), 0);
    TrustConfig tc;  // public_roots defaults to "system"
    std::string err;
    auto ts = TrustStores::load(tc, &err);
    unsetenv(X509_get_default_cert_file_env());
    ASSERT_TRUE(ts) << err;
    EXPECT_EQ(ts->cert_count(TrustSet::kPublicRoots), 3u);
    EXPECT_EQ(ts->source(TrustSet::kPublicRoots), bundle);

    // The machine's own default file, when it has one.
    if (std::filesystem::exists(X509_get_default_cert_file())) {
        auto sys = TrustStores::load(TrustConfig{}, &err);
        ASSERT_TRUE(sys) << err;
        EXPECT_GT(sys->cert_count(TrustSet::kPublicRoots), 10u);
    }
}

// ------------------------------------------------------------------ chains

TEST_F(X509Test, CompleteTrustedWebexChainVerifiesAtPacketTime) {
    auto ts = stores();
    for (const Chain& c : {Chain{P().webex.get(), P().hydrant.get(), P().qv_root.get()},
                           Chain{P().webex.get(), P().hydrant.get()}}) {
        ChainReport r;
        check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(kC1), r);
        EXPECT_EQ(r.presented, c.spans.size());
        ASSERT_EQ(r.certs.size(), c.spans.size());
        EXPECT_EQ(r.certs[0].san_dns.size(), 25u);
        EXPECT_EQ(r.bad_cert, -1);
        EXPECT_TRUE(r.ordered);
        EXPECT_EQ(r.order_break, -1);
        EXPECT_TRUE(r.complete());
        EXPECT_EQ(r.completion, c.spans.size() == 3 ? Completion::kSelfSignedRoot : Completion::kIssuerInBundle);
        if (c.spans.size() == 2) {
            EXPECT_EQ(r.bundle_issuer, "CN=QuoVadis Root CA 2,O=QuoVadis Limited,C=BM");
        }
        EXPECT_EQ(r.path_len, c.spans.size());
        EXPECT_EQ(r.unused, 0);
        EXPECT_EQ(r.verify, VerifyStatus::kOk) << r.verify_error_text;
        EXPECT_EQ(r.verify_error, X509_V_OK);
        EXPECT_STREQ(r.verify_error_text, "ok");
        EXPECT_EQ(r.verified_chain_len, 3);
        EXPECT_EQ(r.verify_depth, 2);
        EXPECT_EQ(r.anchor, "CN=QuoVadis Root CA 2,O=QuoVadis Limited,C=BM");
        EXPECT_EQ(r.verify_time, kC1);
        EXPECT_LE(r.same_from, kC1);
        EXPECT_GT(r.same_until, kC1);
    }
}

TEST_F(X509Test, LeafOnlyChainIsIncompleteAndCannotGetIssuer) {
    // C6: the Expressway sends amer-expressway01.ciscotac.net alone.
    auto ts = stores();
    Chain c{P().expe.get()};
    ChainReport r;
    check_chain(*ts, TrustSet::kPublicRoots, c.spans, ns(kC6), r);
    EXPECT_TRUE(r.ordered);
    EXPECT_FALSE(r.complete());
    EXPECT_EQ(r.path_len, 1);
    EXPECT_FALSE(r.certs[0].self_signed);
    EXPECT_EQ(r.verify, VerifyStatus::kFailed);
    EXPECT_EQ(r.verify_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_STREQ(r.verify_error_text, "unable to get local issuer certificate");
    EXPECT_EQ(r.verify_depth, 0);

    // After the fix the full chain goes out and verifies; with the intermediate
    // in the bundle instead, the leaf alone is complete.
    Chain full{P().expe.get(), P().gd_ica.get(), P().gd_root.get()};
    check_chain(*ts, TrustSet::kPublicRoots, full.spans, ns(kC6), r);
    EXPECT_TRUE(r.ordered);
    EXPECT_EQ(r.completion, Completion::kSelfSignedRoot);
    EXPECT_EQ(r.verify, VerifyStatus::kOk) << r.verify_error_text;
    auto with_ica = stores("", write_pem("pub_ica.pem", {P().gd_ica.get(), P().gd_root.get()}));
    check_chain(*with_ica, TrustSet::kPublicRoots, c.spans, ns(kC6), r);
    EXPECT_EQ(r.completion, Completion::kIssuerInBundle);
    EXPECT_EQ(r.bundle_issuer,
              "CN=Go Daddy Secure Certificate Authority - G2,OU=http://certs.godaddy.com/repository/,"
              "O=GoDaddy.com\\, Inc.,L=Scottsdale,ST=Arizona,C=US");
    EXPECT_EQ(r.verify, VerifyStatus::kOk) << r.verify_error_text;
}

TEST_F(X509Test, FourCertificateVcseChainThroughTheCrossCertificate) {
    Chain c{P().vcse.get(), P().gd_ica.get(), P().gd_cross.get(), P().class2.get()};
    ChainReport r;
    // Class 2 alone trusted: OpenSSL walks all four.
    auto class2_only = stores("", write_pem("class2.pem", {P().class2.get()}));
    check_chain(*class2_only, TrustSet::kPublicRoots, c.spans, ns(kC7), r);
    EXPECT_EQ(r.presented, 4u);
    EXPECT_TRUE(r.ordered);
    EXPECT_EQ(r.completion, Completion::kSelfSignedRoot);
    EXPECT_EQ(r.path_len, 4);
    EXPECT_EQ(r.verify, VerifyStatus::kOk) << r.verify_error_text;
    EXPECT_EQ(r.verified_chain_len, 4);
    EXPECT_EQ(r.anchor, "OU=Go Daddy Class 2 Certification Authority,O=The Go Daddy Group\\, Inc.,C=US");
    EXPECT_TRUE(r.certs[2].is_ca);
    EXPECT_FALSE(r.certs[2].self_issued);  // the cross certificate: G2 name, Class 2 issuer
    EXPECT_TRUE(r.certs[3].self_signed);

    // G2 self-signed root trusted: the trusted G2 root is found first, three certificates.
    auto g2_only = stores("", write_pem("g2.pem", {P().gd_root.get()}));
    check_chain(*g2_only, TrustSet::kPublicRoots, c.spans, ns(kC7), r);
    EXPECT_EQ(r.verify, VerifyStatus::kOk) << r.verify_error_text;
    EXPECT_EQ(r.verified_chain_len, 3);
    EXPECT_EQ(r.anchor, "CN=Go Daddy Root Certificate Authority - G2,O=GoDaddy.com\\, Inc.,L=Scottsdale,ST=Arizona,C=US");
}

TEST_F(X509Test, WrongOrderIsDetectedButStillVerifies) {
    auto ts = stores();
    Chain c{P().webex.get(), P().qv_root.get(), P().hydrant.get()};
    ChainReport r;
    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(kC1), r);
    EXPECT_FALSE(r.ordered);
    EXPECT_EQ(r.order_break, 0);
    EXPECT_EQ(r.order_fault, OrderFault::kNameMismatch);
    EXPECT_EQ(r.completion, Completion::kSelfSignedRoot);  // the path exists, out of order
    EXPECT_EQ(r.path_len, 3);
    EXPECT_EQ(r.verify, VerifyStatus::kOk);  // OpenSSL builds from the pool, like most peers

    // An extra unrelated certificate: ordered fails at it and it is not on the path.
    Chain extra{P().webex.get(), P().hydrant.get(), P().gd_ica.get(), P().qv_root.get()};
    check_chain(*ts, TrustSet::kCloudCas, extra.spans, ns(kC1), r);
    EXPECT_FALSE(r.ordered);
    EXPECT_EQ(r.order_break, 1);
    EXPECT_EQ(r.path_len, 3);
    EXPECT_EQ(r.unused, 1);
    EXPECT_EQ(r.completion, Completion::kSelfSignedRoot);

    // The name of the next certificate, but another RSA key's signature.
    Pki& p = *g_pki;
    Cert forged = p.webex_leaf(kWebexSans, p.webex_key.get(), p.temp_key.get());
    Chain bad{forged.get(), P().hydrant.get(), P().qv_root.get()};
    check_chain(*ts, TrustSet::kCloudCas, bad.spans, ns(kC1), r);
    EXPECT_FALSE(r.ordered);
    EXPECT_EQ(r.order_break, 0);
    EXPECT_EQ(r.order_fault, OrderFault::kBadSignature);
    EXPECT_FALSE(r.complete());
    EXPECT_EQ(r.path_len, 1);
    EXPECT_EQ(r.verify, VerifyStatus::kFailed);
    EXPECT_EQ(r.verify_error, X509_V_ERR_CERT_SIGNATURE_FAILURE);
    EXPECT_EQ(r.verify_depth, 0);
    // Signed with an EC key: OpenSSL 3 does not even take the RSA intermediate
    // as a candidate issuer, so it reports the issuer missing.
    Cert forged_ec = p.webex_leaf(kWebexSans, p.webex_key.get(), p.other_key.get());
    check_chain(*ts, TrustSet::kCloudCas, Chain{forged_ec.get(), P().hydrant.get(), P().qv_root.get()}.spans,
                ns(kC1), r);
    EXPECT_EQ(r.order_fault, OrderFault::kBadSignature);
    EXPECT_EQ(r.verify_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
}

TEST_F(X509Test, ExpiryFollowsPacketTimeNotTheClock) {
    auto ts = stores();
    Chain c{P().webex.get(), P().hydrant.get(), P().qv_root.get()};
    ChainReport r;
    const int64_t after = utc(2019, 1, 15, 9);
    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(after), r);
    EXPECT_EQ(r.verify, VerifyStatus::kFailed);
    EXPECT_EQ(r.verify_error, X509_V_ERR_CERT_HAS_EXPIRED);
    EXPECT_STREQ(r.verify_error_text, "certificate has expired");
    EXPECT_EQ(r.verify_depth, 0);
    EXPECT_TRUE(r.complete());  // completeness does not depend on time

    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(kC1), r);
    EXPECT_EQ(r.verify, VerifyStatus::kOk);

    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(utc(2015, 6, 1)), r);
    EXPECT_EQ(r.verify_error, X509_V_ERR_CERT_NOT_YET_VALID);

    // The intermediate expired (2023-12-17) before the root: depth 1.
    check_chain(*ts, TrustSet::kCloudCas, Chain{P().hydrant.get(), P().qv_root.get()}.spans,
                ns(utc(2024, 1, 1)), r);
    EXPECT_EQ(r.verify_error, X509_V_ERR_CERT_HAS_EXPIRED);
    EXPECT_EQ(r.verify_depth, 0);

    // OpenSSL 3 (X509_cmp_time "earlier than or equal"): valid for notBefore <= t < notAfter.
    const int64_t na = utc(2018, 11, 16, 17, 7);
    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(na - 1), r);
    EXPECT_EQ(r.verify, VerifyStatus::kOk);
    EXPECT_EQ(r.same_until, na);
    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(na), r);
    EXPECT_EQ(r.verify_error, X509_V_ERR_CERT_HAS_EXPIRED);
    const int64_t nb = utc(2016, 11, 16, 16, 57, 22);
    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(nb - 1), r);
    EXPECT_EQ(r.verify_error, X509_V_ERR_CERT_NOT_YET_VALID);
    check_chain(*ts, TrustSet::kCloudCas, c.spans, ns(nb), r);
    EXPECT_EQ(r.verify, VerifyStatus::kOk);
    EXPECT_EQ(r.same_from, nb);
}

TEST_F(X509Test, UntrustedRootsGiveTheirOwnErrors) {
    auto ts = stores();
    ChainReport r;
    // The Webex chain judged against the Go Daddy bundle.
    check_chain(*ts, TrustSet::kPublicRoots, Chain{P().webex.get(), P().hydrant.get(), P().qv_root.get()}.spans,
                ns(kC1), r);
    EXPECT_TRUE(r.complete());
    EXPECT_EQ(r.verify_error, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    EXPECT_STREQ(r.verify_error_text, "self-signed certificate in certificate chain");
    EXPECT_EQ(r.verify_depth, 2);
    check_chain(*ts, TrustSet::kPublicRoots, Chain{P().webex.get(), P().hydrant.get()}.spans, ns(kC1), r);
    EXPECT_FALSE(r.complete());
    EXPECT_EQ(r.verify_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_EQ(r.verify_depth, 1);

    // C9: a self-signed box certificate, and the Temporary Certificate.
    check_chain(*ts, TrustSet::kPublicRoots, Chain{P().self_leaf.get()}.spans, ns(kC9), r);
    EXPECT_EQ(r.completion, Completion::kSelfSignedRoot);
    EXPECT_EQ(r.verify_error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    check_chain(*ts, TrustSet::kPublicRoots, Chain{P().temp.get()}.spans, ns(kC9), r);
    EXPECT_FALSE(r.complete());
    EXPECT_EQ(r.verify_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    EXPECT_EQ(r.certs[0].issuer_cn, kTempCa);
}

TEST_F(X509Test, BadEmptyAndOverlongChains) {
    auto ts = stores();
    ChainReport r;
    check_chain(*ts, TrustSet::kCloudCas, {}, ns(kC1), r);
    EXPECT_EQ(r.presented, 0u);
    EXPECT_EQ(r.verify, VerifyStatus::kNotRun);
    EXPECT_FALSE(r.complete());

    const Der leaf = der_of(P().webex.get());
    Chain broken{std::vector<Der>{leaf, Der(leaf.begin(), leaf.begin() + 700)}};
    check_chain(*ts, TrustSet::kCloudCas, broken.spans, ns(kC1), r);
    EXPECT_EQ(r.bad_cert, 1);
    EXPECT_EQ(r.certs[1].error, CertError::kBadDer);
    EXPECT_TRUE(r.certs[0].ok());
    EXPECT_EQ(r.verify, VerifyStatus::kNotRun);
    EXPECT_FALSE(r.ordered);

    std::vector<Der> eleven(11, leaf);
    eleven[1] = der_of(P().hydrant.get());
    Chain longc{eleven};
    check_chain(*ts, TrustSet::kCloudCas, longc.spans, ns(kC1), r);
    EXPECT_TRUE(r.too_long);
    EXPECT_EQ(r.presented, 11u);
    EXPECT_EQ(r.certs.size(), kMaxChainCerts);
    EXPECT_EQ(r.path_len, 2);
    EXPECT_EQ(r.unused, 8);

    // Not configured: summarised and ordered, never verified.
    TrustConfig tc;
    tc.public_roots = write_pem("only_pub.pem", {P().gd_root.get()});
    std::string err;
    auto no_cloud = TrustStores::load(tc, &err);
    ASSERT_TRUE(no_cloud) << err;
    check_chain(*no_cloud, TrustSet::kCloudCas, Chain{P().webex.get(), P().hydrant.get()}.spans, ns(kC1), r);
    EXPECT_TRUE(r.ordered);
    EXPECT_EQ(r.verify, VerifyStatus::kNotRun);
    EXPECT_FALSE(r.complete());

    // Every truncation of the leaf inside a chain.
    const Der ica = der_of(P().hydrant.get());
    for (size_t n = 0; n < leaf.size(); n += 7) {
        Chain t{std::vector<Der>{Der(leaf.begin(), leaf.begin() + long(n)), ica}};
        check_chain(*ts, TrustSet::kCloudCas, t.spans, ns(kC1), r);
        ASSERT_EQ(r.bad_cert, 0);
        ASSERT_EQ(r.verify, VerifyStatus::kNotRun);
    }
}

// ------------------------------------------------------------------ the cache

// Every field a diagnosis reads, for comparing a cached report with a fresh one.
std::string digest(const ChainReport& r) {
    std::ostringstream o;
    o << int(r.trust) << '|' << r.presented << '|' << r.too_long << '|' << int(r.bad_cert) << '|' << r.ordered << '|'
      << int(r.order_break) << '|' << int(r.order_fault) << '|' << completion_name(r.completion) << '|'
      << int(r.path_len) << '|' << int(r.unused) << '|' << r.bundle_issuer << '|' << int(r.verify) << '|'
      << r.verify_error << '|' << r.verify_error_text << '|' << r.verify_depth << '|' << int(r.verified_chain_len)
      << '|' << r.anchor << '|' << r.verify_time;
    for (const CertSummary& c : r.certs) o << '|' << c.sha256_hex << c.subject;
    return o.str();
}

TEST_F(X509Test, CachedResultsEqualFreshOnesAtEveryPacketTime) {
    auto ts = stores();
    ChainChecker checker(ts, 16);
    const std::vector<std::pair<TrustSet, Chain>> chains = [&] {
        std::vector<std::pair<TrustSet, Chain>> v;
        v.emplace_back(TrustSet::kCloudCas, Chain{P().webex.get(), P().hydrant.get(), P().qv_root.get()});
        v.emplace_back(TrustSet::kCloudCas, Chain{P().webex.get(), P().hydrant.get()});
        v.emplace_back(TrustSet::kPublicRoots, Chain{P().expe.get(), P().gd_ica.get(), P().gd_root.get()});
        v.emplace_back(TrustSet::kPublicRoots, Chain{P().expe.get()});
        v.emplace_back(TrustSet::kPublicRoots,
                       Chain{P().vcse.get(), P().gd_ica.get(), P().gd_cross.get(), P().class2.get()});
        v.emplace_back(TrustSet::kPublicRoots, Chain{P().temp.get()});
        v.emplace_back(TrustSet::kCloudCas, Chain{P().webex.get(), P().qv_root.get(), P().hydrant.get()});
        return v;
    }();
    // Every validity bound of every certificate, one second either side, and random times.
    std::vector<int64_t> times;
    for (const X509* x : {P().qv_root.get(), P().hydrant.get(), P().webex.get(), P().gd_root.get(), P().gd_ica.get(),
                          P().expe.get(), P().class2.get(), P().gd_cross.get(), P().vcse.get(), P().temp.get()}) {
        const CertSummary s = summarize_cert(der_of(x));
        for (int64_t t : {s.not_before, s.not_after})
            for (int64_t d : {-1, 0, 1}) times.push_back(t + d);
    }
    std::mt19937_64 rng(5062);
    for (int i = 0; i < 200; ++i) times.push_back(utc(2003, 1, 1) + int64_t(rng() % uint64_t(utc(2040, 1, 1) - utc(2003, 1, 1))));
    std::shuffle(times.begin(), times.end(), rng);

    // Shuffled times (windows left and re-entered), then in capture order.
    ChainReport fresh;
    auto run = [&] {
        size_t checked = 0;
        for (int64_t t : times) {
            for (const auto& [set, chain] : chains) {
                check_chain(*ts, set, chain.spans, ns(t), fresh);
                const ChainReport& cached = checker.check(set, chain.spans, ns(t));
                EXPECT_EQ(digest(cached), digest(fresh)) << "t=" << t;
                ++checked;
            }
        }
        return checked;
    };
    const size_t shuffled = run();
    EXPECT_EQ(checker.stats().checks, shuffled);
    EXPECT_EQ(checker.stats().hits + checker.stats().misses, shuffled);
    EXPECT_GT(checker.stats().hits, 0u);
    std::sort(times.begin(), times.end());
    const ChainChecker::Stats before = checker.stats();
    const size_t ordered = run();
    // In time order a chain misses only when a validity bound is crossed.
    EXPECT_LT(checker.stats().misses - before.misses, ordered / 4);
}

TEST_F(X509Test, SameChainVerifiedOnceAndCacheStaysBounded) {
    auto ts = stores();
    ChainChecker checker(ts, 4);
    Chain c{P().webex.get(), P().hydrant.get(), P().qv_root.get()};
    for (int i = 0; i < 1000; ++i) {
        const ChainReport& r = checker.check(TrustSet::kCloudCas, c.spans, ns(kC1 + i));
        ASSERT_EQ(r.verify, VerifyStatus::kOk);
        ASSERT_EQ(r.from_cache, i > 0);
    }
    EXPECT_EQ(checker.stats().misses, 1u);
    EXPECT_EQ(checker.stats().hits, 999u);

    // The same bytes against the other trust set are another entry.
    EXPECT_EQ(checker.check(TrustSet::kPublicRoots, c.spans, ns(kC1)).verify_error,
              X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    EXPECT_EQ(checker.check(TrustSet::kCloudCas, c.spans, ns(kC1)).verify, VerifyStatus::kOk);

    // 50 distinct leaves through a 4-entry cache.
    Pki& p = *g_pki;
    for (int i = 0; i < 50; ++i) {
        Spec s;
        s.subject = {{"CN", "l2sip-" + std::to_string(i) + ".wbx2.com"}};
        s.key = p.other_key.get();
        s.issuer = p.hydrant.get();
        s.signer = p.hydrant_key.get();
        s.not_before = utc(2017, 1, 1);
        s.not_after = utc(2018, 1, 1);
        s.serial_hex = std::to_string(1000 + i);
        Cert leaf = make_cert(s);
        Chain lc{leaf.get(), P().hydrant.get()};
        const ChainReport& r = checker.check(TrustSet::kCloudCas, lc.spans, ns(kC1));
        ASSERT_EQ(r.verify, VerifyStatus::kOk) << r.verify_error_text;
        ASSERT_FALSE(r.from_cache);
        ASSERT_EQ(r.certs[0].subject_cn, "l2sip-" + std::to_string(i) + ".wbx2.com");
    }
    EXPECT_EQ(checker.capacity(), 4u);
    EXPECT_EQ(checker.stats().evictions, 48u);  // 2 chains were cached, 50 more came: 52 - 4
    // The first chain was evicted long ago: a miss, still correct.
    const ChainReport& again = checker.check(TrustSet::kCloudCas, c.spans, ns(kC1));
    EXPECT_FALSE(again.from_cache);
    EXPECT_EQ(again.verify, VerifyStatus::kOk);

    // A chain bigger than the cache takes is checked, not kept.
    std::vector<Der> big(10, der_of(P().webex.get()));
    Der fat = der_of(p.webex_leaf(std::vector<std::string>(250, "a-long-name-to-make-this-certificate-big.wbx2.com"),
                                  p.webex_key.get(), p.hydrant_key.get()).get());
    for (auto& d : big) d = fat;
    Chain bigc{big};
    const uint64_t before = checker.stats().uncached;
    checker.check(TrustSet::kCloudCas, bigc.spans, ns(kC1));
    EXPECT_EQ(checker.stats().uncached, before + 1);
}

}  // namespace
