// x509_cert: one X.509 certificate as it travels in a TLS Certificate message
// (DER bytes) -> a plain CertSummary (names, SANs, validity, key, fingerprint,
// CA and self-signed flags), and RFC 6125 identity matching on that summary.
// Parsing is OpenSSL's (d2i_X509); bad bytes give an error value, never a crash.
#pragma once
#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cs {

// A certificate longer than this is refused before OpenSSL sees it. Real ones
// are 1-3 KB (the Webex leaf with 25 SANs is 2338 B); 64 KiB bounds what one
// summary can hold and cost.
inline constexpr size_t kMaxCertDer = 65536;
// dNSNames kept per certificate; more are counted (san_dns_total) and flagged.
inline constexpr size_t kMaxSanDns = 256;

enum class CertError : uint8_t {
    kNone = 0,
    kEmpty,         // no bytes
    kTooLarge,      // more than kMaxCertDer bytes
    kBadDer,        // d2i_X509 refused the bytes
    kTrailingData,  // a certificate parsed but bytes follow it inside its span
    kCount
};
const char* cert_error_name(CertError e);

enum class KeyType : uint8_t { kUnknown = 0, kRsa, kRsaPss, kEc, kEd25519, kEd448, kDsa, kCount };
const char* key_type_name(KeyType k);  // "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA", "unknown"

// Oddities of a certificate that did parse (CertSummary::anomalies bits). They
// are counted, never fatal: the summary is still filled as far as it can be.
enum CertAnomaly : uint16_t {
    kCertAnomBadValidity = 1u << 0,    // notBefore/notAfter not a valid time: that field is 0 / ""
    kCertAnomBadExtensions = 1u << 1,  // OpenSSL marked an extension invalid or duplicated (EXFLAG_INVALID), or the SAN did not decode
    kCertAnomSanTruncated = 1u << 2,   // more than kMaxSanDns dNSNames: the first kMaxSanDns kept
    kCertAnomBadName = 1u << 3,        // a CN or dNSName with control/NUL/non-ASCII bytes (replaced by '?') or undecodable
    kCertAnomNoPublicKey = 1u << 4,    // the public key did not decode: key_* unknown, self_signed false
    kCertAnomBadVersion = 1u << 5,     // version field outside v1..v3: version is 0
};

struct CertSummary {
    CertError error = CertError::kNone;  // anything but kNone: only der_len is meaningful
    uint16_t anomalies = 0;              // CertAnomaly bits
    uint8_t version = 0;                 // 1, 2 or 3 (X.509 v1..v3); 0 with kCertAnomBadVersion
    uint32_t der_len = 0;                // bytes given

    std::string subject;     // one-line RFC 2253 ("CN=...,O=Cisco Systems\, Inc.,C=US"); non-ASCII escaped as \XX
    std::string issuer;      // same form
    std::string subject_cn;  // last (most specific) CN of the subject, UTF-8; "" when none
    std::string issuer_cn;   // last CN of the issuer ("HydrantID SSL ICA G2", "Temporary CA <uuid>")
    std::vector<std::string> san_dns;  // every subjectAltName dNSName in order (up to kMaxSanDns)
    uint32_t san_dns_total = 0;        // dNSNames in the certificate (> san_dns.size() when truncated)
    bool has_san = false;              // a subjectAltName extension is present (of any name type)

    std::string serial_hex;  // upper-case hex of the serial's bytes, "01" for serial 1; "-" prefix if negative

    int64_t not_before = 0;  // epoch seconds (UTC)
    int64_t not_after = 0;
    char not_before_iso[24] = {};  // "2016-11-16T00:00:00Z"
    char not_after_iso[24] = {};

    KeyType key_type = KeyType::kUnknown;
    uint32_t key_bits = 0;   // EVP_PKEY_get_bits: RSA modulus bits, EC field bits (256 for P-256)
    std::string key_curve;   // EC: "P-256"/"P-384"/"P-521", else OpenSSL's group name; "" for non-EC
    std::string sig_alg;     // signature algorithm long name ("sha256WithRSAEncryption"), or dotted OID

    std::array<uint8_t, 32> sha256{};  // SHA-256 over the DER bytes as given (the fingerprint)
    char sha256_hex[65] = {};          // same, lower-case hex

    bool has_basic_constraints = false;
    bool is_ca = false;        // basicConstraints cA = TRUE
    int32_t path_len = -1;     // basicConstraints pathLenConstraint; -1 when absent
    bool self_issued = false;  // issuer name == subject name (X509_NAME_cmp)
    bool self_signed = false;  // self_issued AND its signature verifies with its own public key

    bool ok() const { return error == CertError::kNone; }
    std::string key_description() const;  // "RSA 2048", "EC P-256", "Ed25519"
};

// Summarises one DER certificate. `out` is overwritten (its string capacity is
// reused). Costs one d2i_X509, a SHA-256 of the bytes and one signature
// verification when the certificate is self-issued: about 0.3-0.4 ms and ~1300
// OpenSSL allocations with OpenSSL 3.0, nearly all of it d2i_X509 decoding the
// public key through the provider decoders. Per handshake (and behind
// ChainChecker's cache), never per packet.
void summarize_cert(std::span<const uint8_t> der, CertSummary& out);
CertSummary summarize_cert(std::span<const uint8_t> der);

// The same, keeping the parsed certificate for further checks (the chain code).
// Returns the X509 (the caller owns it: X509_free) or nullptr when out.error != kNone.
X509* summarize_cert_keep(std::span<const uint8_t> der, CertSummary& out);

// An ASN1_TIME as epoch seconds (UTC); false when it is not a valid time.
bool asn1_time_epoch(const ASN1_TIME* t, int64_t* epoch);

// RFC 6125 matching of a reference DNS name against the certificate's
// identities: the SAN dNSNames when there is at least one, the subject CN only
// when there is none. A wildcard is accepted only as the whole left-most label
// ("*.ciscospark.com"), matches exactly one label and needs at least two labels
// after it. Case-insensitive (ASCII), one trailing dot ignored on either side.
// Presented names with bytes other than letters, digits, '-', '.', '_' or the
// leading "*." never match. No allocation.
bool matches_identity(const CertSummary& s, std::string_view reference);

// One presented DNS name (pattern) against one reference name, as above.
bool dns_name_matches(std::string_view pattern, std::string_view reference);

}  // namespace cs
