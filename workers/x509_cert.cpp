// x509_cert: DER -> CertSummary through OpenSSL 3, and RFC 6125 matching.
#include "workers/x509_cert.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>
#include <ctime>

namespace cs {

const char* cert_error_name(CertError e) {
    switch (e) {
    case CertError::kNone: return "none";
    case CertError::kEmpty: return "empty";
    case CertError::kTooLarge: return "too_large";
    case CertError::kBadDer: return "bad_der";
    case CertError::kTrailingData: return "trailing_data";
    case CertError::kCount: break;
    }
    return "unknown";
}

const char* key_type_name(KeyType k) {
    switch (k) {
    case KeyType::kRsa: return "RSA";
    case KeyType::kRsaPss: return "RSA-PSS";
    case KeyType::kEc: return "EC";
    case KeyType::kEd25519: return "Ed25519";
    case KeyType::kEd448: return "Ed448";
    case KeyType::kDsa: return "DSA";
    case KeyType::kUnknown:
    case KeyType::kCount: break;
    }
    return "unknown";
}

std::string CertSummary::key_description() const {
    std::string s = key_type_name(key_type);
    if (key_type == KeyType::kEc && !key_curve.empty()) {
        s += ' ';
        s += key_curve;
    } else if (key_type == KeyType::kRsa || key_type == KeyType::kRsaPss || key_type == KeyType::kDsa) {
        s += ' ';
        s += std::to_string(key_bits);
    }
    return s;
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// days_from_civil): timegm() would depend on the C library and TZ handling.
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = unsigned(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + int64_t(doe) - 719468;
}

// ASN1_TIME_to_tm with a null time answers "now": never pass one.
bool asn1_time_to_epoch(const ASN1_TIME* t, int64_t* epoch, char* iso, size_t iso_len) {
    struct tm tm {};
    if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return false;
    const int64_t days = days_from_civil(int64_t(tm.tm_year) + 1900, unsigned(tm.tm_mon + 1), unsigned(tm.tm_mday));
    *epoch = days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    // OpenSSL has checked the fields (years 0-9999, months 1-12, ...): fixed width.
    const int year = tm.tm_year + 1900;
    if (iso_len < 21 || year < 0 || year > 9999) return false;
    auto put = [&](size_t at, int v, int width) {
        for (int i = width - 1; i >= 0; --i, v /= 10) iso[at + size_t(i)] = char('0' + v % 10);
    };
    put(0, year, 4);
    iso[4] = '-';
    put(5, tm.tm_mon + 1, 2);
    iso[7] = '-';
    put(8, tm.tm_mday, 2);
    iso[10] = 'T';
    put(11, tm.tm_hour, 2);
    iso[13] = ':';
    put(14, tm.tm_min, 2);
    iso[16] = ':';
    put(17, tm.tm_sec, 2);
    iso[19] = 'Z';
    iso[20] = '\0';
    return true;
}

void to_hex(const uint8_t* p, size_t n, char* out) {
    const char* digits = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

// Names go into JSON events and are compared as DNS names: control bytes,
// DEL and NUL are replaced so a "CN=good.com\0.evil" cannot pass as good.com.
bool sanitize_into(std::string& dst, const unsigned char* p, size_t n, bool ascii_only) {
    dst.assign(reinterpret_cast<const char*>(p), n);
    bool clean = true;
    for (char& c : dst) {
        unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f || (ascii_only && u > 0x7f)) {
            c = '?';
            clean = false;
        }
    }
    return clean;
}

void name_line(BIO* bio, const X509_NAME* name, std::string& out) {
    out.clear();
    if (bio == nullptr || name == nullptr) return;
    (void)BIO_reset(bio);
    // XN_FLAG_RFC2253 escapes control and non-ASCII bytes, so the line is plain ASCII.
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) return;
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    if (len > 0 && data != nullptr) out.assign(data, size_t(len));
}

// The last CN: X.500 names run from the root of the directory tree down, so
// the last one is the most specific.
bool last_cn(const X509_NAME* name, std::string& out) {
    out.clear();
    if (name == nullptr) return true;
    int idx = -1, last = -1;
    while ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, idx)) >= 0) last = idx;
    if (last < 0) return true;
    const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
    unsigned char* utf8 = nullptr;
    int n = data ? ASN1_STRING_to_UTF8(&utf8, data) : -1;
    if (n < 0) return false;
    bool clean = sanitize_into(out, utf8, size_t(n), false);
    OPENSSL_free(utf8);
    return clean;
}

void fill_sans(X509* x, CertSummary& out) {
    int crit = -1;
    auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x, NID_subject_alt_name, &crit, nullptr));
    if (names == nullptr) {
        // crit -1: no SAN; -2: more than one (invalid); >= 0: present but undecodable.
        if (crit != -1) {
            out.has_san = true;
            out.anomalies |= kCertAnomBadExtensions;
        }
        return;
    }
    out.has_san = true;
    const int count = sk_GENERAL_NAME_num(names);
    for (int i = 0; i < count; ++i) {
        const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
        if (gn == nullptr || gn->type != GEN_DNS || gn->d.dNSName == nullptr) continue;
        ++out.san_dns_total;
        if (out.san_dns.size() >= kMaxSanDns) {
            out.anomalies |= kCertAnomSanTruncated;
            continue;
        }
        const ASN1_IA5STRING* s = gn->d.dNSName;
        out.san_dns.emplace_back();
        if (!sanitize_into(out.san_dns.back(), ASN1_STRING_get0_data(s), size_t(ASN1_STRING_length(s)), true))
            out.anomalies |= kCertAnomBadName;
    }
    GENERAL_NAMES_free(names);
}

void fill_serial(X509* x, CertSummary& out) {
    static const char digits[] = "0123456789ABCDEF";
    const ASN1_INTEGER* serial = X509_get0_serialNumber(x);
    const int n = serial ? ASN1_STRING_length(serial) : 0;
    const unsigned char* p = serial ? ASN1_STRING_get0_data(serial) : nullptr;
    if (n <= 0 || p == nullptr) {
        out.serial_hex.assign(2, '0');
        return;
    }
    const size_t neg = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER ? 1 : 0;
    out.serial_hex.resize(neg + 2 * size_t(n));
    if (neg) out.serial_hex[0] = '-';
    for (int i = 0; i < n; ++i) {
        out.serial_hex[neg + 2 * size_t(i)] = digits[p[i] >> 4];
        out.serial_hex[neg + 2 * size_t(i) + 1] = digits[p[i] & 15];
    }
}

void fill_key(X509* x, CertSummary& out) {
    EVP_PKEY* pk = X509_get0_pubkey(x);  // decodes and caches the key; null when it does not decode
    if (pk == nullptr) {
        out.anomalies |= kCertAnomNoPublicKey;
        return;
    }
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: out.key_type = KeyType::kRsa; break;
    case EVP_PKEY_RSA_PSS: out.key_type = KeyType::kRsaPss; break;
    case EVP_PKEY_EC: out.key_type = KeyType::kEc; break;
    case EVP_PKEY_ED25519: out.key_type = KeyType::kEd25519; break;
    case EVP_PKEY_ED448: out.key_type = KeyType::kEd448; break;
    case EVP_PKEY_DSA: out.key_type = KeyType::kDsa; break;
    default: out.key_type = KeyType::kUnknown; break;
    }
    const int bits = EVP_PKEY_get_bits(pk);
    out.key_bits = bits > 0 ? uint32_t(bits) : 0;
    out.key_curve.clear();
    if (out.key_type == KeyType::kEc) {
        char group[64] = {};
        size_t len = 0;
        if (EVP_PKEY_get_group_name(pk, group, sizeof group, &len) == 1 && len > 0) {
            const char* nist = EC_curve_nid2nist(OBJ_txt2nid(group));
            out.key_curve = nist ? nist : group;
        } else {
            out.key_curve = "explicit";  // explicit curve parameters, no named group
        }
    }
}

void fill_sig_alg(X509* x, CertSummary& out) {
    const int nid = X509_get_signature_nid(x);
    if (nid != NID_undef) {
        if (const char* ln = OBJ_nid2ln(nid)) {
            out.sig_alg = ln;
            return;
        }
    }
    const X509_ALGOR* alg = nullptr;
    X509_get0_signature(nullptr, &alg, x);
    const ASN1_OBJECT* obj = nullptr;
    if (alg) X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    char oid[128] = {};
    if (obj == nullptr || OBJ_obj2txt(oid, sizeof oid, obj, 1) <= 0) {
        out.sig_alg = "unknown";
        return;
    }
    out.sig_alg = oid;
}

void reset(CertSummary& out) {
    out.error = CertError::kNone;
    out.anomalies = 0;
    out.version = 0;
    out.der_len = 0;
    out.subject.clear();
    out.issuer.clear();
    out.subject_cn.clear();
    out.issuer_cn.clear();
    out.san_dns.clear();
    out.san_dns_total = 0;
    out.has_san = false;
    out.serial_hex.clear();
    out.not_before = out.not_after = 0;
    out.not_before_iso[0] = out.not_after_iso[0] = '\0';
    out.key_type = KeyType::kUnknown;
    out.key_bits = 0;
    out.key_curve.clear();
    out.sig_alg.clear();
    out.sha256.fill(0);
    out.sha256_hex[0] = '\0';
    out.has_basic_constraints = out.is_ca = false;
    out.path_len = -1;
    out.self_issued = out.self_signed = false;
}

bool dns_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

// A name made only of DNS characters, no empty label, no leading/trailing dot.
bool well_formed(std::string_view n) {
    if (n.empty() || n.front() == '.' || n.back() == '.') return false;
    for (size_t i = 0; i < n.size(); ++i) {
        if (!dns_char(static_cast<unsigned char>(n[i]))) return false;
        if (n[i] == '.' && i + 1 < n.size() && n[i + 1] == '.') return false;
    }
    return true;
}

}  // namespace

bool asn1_time_epoch(const ASN1_TIME* t, int64_t* epoch) {
    char iso[24];
    return asn1_time_to_epoch(t, epoch, iso, sizeof iso);
}

X509* summarize_cert_keep(std::span<const uint8_t> der, CertSummary& out) {
    reset(out);
    out.der_len = uint32_t(der.size() > UINT32_MAX ? UINT32_MAX : der.size());
    if (der.empty()) {
        out.error = CertError::kEmpty;
        return nullptr;
    }
    if (der.size() > kMaxCertDer) {
        out.error = CertError::kTooLarge;
        return nullptr;
    }
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, long(der.size()));
    if (x == nullptr) {
        ERR_clear_error();
        out.error = CertError::kBadDer;
        return nullptr;
    }
    if (p != der.data() + der.size()) {
        X509_free(x);
        ERR_clear_error();
        out.error = CertError::kTrailingData;
        return nullptr;
    }

    SHA256(der.data(), der.size(), out.sha256.data());
    to_hex(out.sha256.data(), out.sha256.size(), out.sha256_hex);

    const long ver = X509_get_version(x);
    out.version = uint8_t(ver >= 0 && ver <= 2 ? ver + 1 : 0);
    if (out.version == 0) out.anomalies |= kCertAnomBadVersion;

    BIO* bio = BIO_new(BIO_s_mem());
    name_line(bio, X509_get_subject_name(x), out.subject);
    name_line(bio, X509_get_issuer_name(x), out.issuer);
    BIO_free(bio);
    if (!last_cn(X509_get_subject_name(x), out.subject_cn)) out.anomalies |= kCertAnomBadName;
    if (!last_cn(X509_get_issuer_name(x), out.issuer_cn)) out.anomalies |= kCertAnomBadName;

    fill_sans(x, out);
    fill_serial(x, out);
    if (!asn1_time_to_epoch(X509_get0_notBefore(x), &out.not_before, out.not_before_iso, sizeof out.not_before_iso))
        out.anomalies |= kCertAnomBadValidity;
    if (!asn1_time_to_epoch(X509_get0_notAfter(x), &out.not_after, out.not_after_iso, sizeof out.not_after_iso))
        out.anomalies |= kCertAnomBadValidity;
    fill_key(x, out);
    fill_sig_alg(x, out);

    // Computes and caches the extension flags (basicConstraints, duplicates, ...).
    const uint32_t flags = X509_get_extension_flags(x);
    if (flags & EXFLAG_INVALID) out.anomalies |= kCertAnomBadExtensions;
    out.has_basic_constraints = (flags & EXFLAG_BCONS) != 0;
    out.is_ca = out.has_basic_constraints && (flags & EXFLAG_CA) != 0;
    if (out.is_ca) out.path_len = int32_t(X509_get_pathlen(x));

    out.self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
    if (out.self_issued) {
        EVP_PKEY* pk = X509_get0_pubkey(x);
        out.self_signed = pk != nullptr && X509_verify(x, pk) == 1;
    }
    ERR_clear_error();  // failed lookups above leave entries; never let them leak to the next caller
    return x;
}

void summarize_cert(std::span<const uint8_t> der, CertSummary& out) {
    X509* x = summarize_cert_keep(der, out);
    if (x) X509_free(x);
    ERR_clear_error();
}

CertSummary summarize_cert(std::span<const uint8_t> der) {
    CertSummary s;
    summarize_cert(der, s);
    return s;
}

bool dns_name_matches(std::string_view pattern, std::string_view reference) {
    if (!pattern.empty() && pattern.back() == '.') pattern.remove_suffix(1);
    if (!reference.empty() && reference.back() == '.') reference.remove_suffix(1);
    if (!well_formed(reference)) return false;
    if (pattern.size() >= 2 && pattern[0] == '*' && pattern[1] == '.') {
        const std::string_view rest = pattern.substr(2);  // "ciscospark.com"
        // At least two labels after the wildcard: "*.com" would cover a TLD.
        if (!well_formed(rest) || rest.find('.') == std::string_view::npos) return false;
        const size_t dot = reference.find('.');
        if (dot == std::string_view::npos || dot == 0) return false;
        return iequal(reference.substr(dot + 1), rest);  // the '*' stands for exactly one label
    }
    if (!well_formed(pattern)) return false;  // includes any '*' not forming a whole left-most label
    return iequal(pattern, reference);
}

bool matches_identity(const CertSummary& s, std::string_view reference) {
    if (!s.ok()) return false;
    if (s.san_dns_total > 0) {
        for (const std::string& n : s.san_dns)
            if (dns_name_matches(n, reference)) return true;
        return false;  // a DNS-ID is present: the CN is not looked at (RFC 6125 6.4.4)
    }
    return !s.subject_cn.empty() && dns_name_matches(s.subject_cn, reference);
}

}  // namespace cs
