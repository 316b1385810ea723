// tls_parser: pure TLS parsing. Record headers, handshake headers and the bodies
// of the cleartext handshake messages (TLS 1.0-1.2, and the hellos of 1.3),
// alerts and ChangeCipherSpec, content sniffing and record-boundary search.
// Bytes in, structs out: no state, no allocation, never reads past the span.
// Answers are Ok / Incomplete (need N more bytes) / Invalid (reason); buffering
// partial input is the caller's job (see workers/tls_stream.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>

namespace cs {

// ---- wire constants --------------------------------------------------------

namespace tls {
// Record content types.
constexpr uint8_t kChangeCipherSpec = 20, kAlert = 21, kHandshake = 22, kApplicationData = 23, kHeartbeat = 24;
// Handshake message types (RFC 5246 §7.4, RFC 8446 §4, RFC 6066, RFC 4680).
constexpr uint8_t kHelloRequest = 0, kClientHello = 1, kServerHello = 2, kHelloVerifyRequest = 3,
                  kNewSessionTicket = 4, kEndOfEarlyData = 5, kHelloRetryRequestType = 6, kEncryptedExtensions = 8,
                  kCertificate = 11, kServerKeyExchange = 12, kCertificateRequest = 13, kServerHelloDone = 14,
                  kCertificateVerify = 15, kClientKeyExchange = 16, kFinished = 20, kCertificateUrl = 21,
                  kCertificateStatus = 22, kSupplementalData = 23, kKeyUpdate = 24, kMessageHash = 254;
// Versions on the wire.
constexpr uint16_t kSsl3 = 0x0300, kTls10 = 0x0301, kTls11 = 0x0302, kTls12 = 0x0303, kTls13 = 0x0304;
// Extensions this parser reads.
constexpr uint16_t kExtServerName = 0, kExtSupportedGroups = 10, kExtSignatureAlgorithms = 13, kExtAlpn = 16,
                   kExtEncryptThenMac = 22, kExtExtendedMasterSecret = 23, kExtSessionTicket = 35,
                   kExtEarlyData = 42, kExtSupportedVersions = 43, kExtKeyShare = 51,
                   kExtRenegotiationInfo = 0xff01;
// Largest record the record layer accepts (TLSCiphertext: 2^14 + 2048, RFC 5246 §6.2.3).
constexpr uint32_t kMaxRecordLength = (1u << 14) + 2048;
constexpr uint32_t kRecordHeaderLength = 5, kHandshakeHeaderLength = 4;
}  // namespace tls

// Which side sent the bytes. Same numbering as TcpConnection::kClient/kServer.
enum class TlsDir : uint8_t { kClient = 0, kServer = 1 };

// Every problem the parser or the stream can find. Parsers answer Invalid with
// one of these; the stream reports each through TlsVisitor::on_anomaly.
enum class TlsAnomalyKind : uint8_t {
    kNone = 0,
    kBadRecordType,         // content type not 20..24: the direction stops parsing
    kBadRecordVersion,      // record version not 0x0300..0x0304: stops
    kRecordTooLong,         // record length > 2^14 + 2048: stops
    kEmptyRecord,           // zero-length handshake/alert/CCS record: stops
    kMalformedHandshake,    // a handshake body whose fields do not add up (detail: offset in the body)
    kMalformedExtension,    // a hello parsed, but one extension it reads is malformed (detail: type)
    kMessageTooLarge,       // a handshake message larger than the stream's buffer: skipped (detail: length)
    kInterleavedRecord,     // another record type between fragments of a handshake message: the fragment is dropped
    kBadAlert,              // cleartext alert record not 2 bytes or level not 1/2
    kBadChangeCipherSpec,   // CCS record not the single byte 1
    kGap,                   // reassembly gap (detail: bytes lost); framing kept or resync started
    kResynced,              // a record boundary found after skipping bytes (detail: bytes skipped)
    kResyncFailed,          // no record boundary within the scan bound: the direction stops
    kTruncatedAtEnd,        // the stream ended inside a record (detail: bytes missing)
    kCount
};
const char* tls_anomaly_name(TlsAnomalyKind k);

// ---- names -----------------------------------------------------------------

const char* tls_content_type_name(uint8_t type);          // "handshake", ... or "unknown"
const char* tls_handshake_type_name(uint8_t type);        // "client_hello", ... or "unknown"
const char* tls_alert_level_name(uint8_t level);          // "warning", "fatal" or "unknown"
const char* tls_alert_description_name(uint8_t desc);     // RFC 5246/8446 names, "unknown" otherwise
const char* tls_version_name(uint16_t version);           // "1.2", "1.3", "SSLv3", ... or "unknown"
inline bool tls_is_grease(uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }
// 0x0304 and the TLS 1.3 drafts (0x7f00 | n) count as TLS 1.3.
inline bool tls_version_is_13(uint16_t v) { return v == tls::kTls13 || (v & 0xff00) == 0x7f00; }

// ---- results ---------------------------------------------------------------

enum class TlsParseStatus : uint8_t { kOk, kIncomplete, kInvalid };

template <class T>
struct TlsParsed {
    TlsParseStatus status = TlsParseStatus::kInvalid;
    uint32_t need = 0;                                  // kIncomplete: at least this many more bytes
    TlsAnomalyKind reason = TlsAnomalyKind::kNone;      // kInvalid: why
    uint32_t at = 0;                                    // kInvalid: byte offset of the problem in the input
    T value{};                                          // kOk: the result (spans point into the input)
    bool ok() const { return status == TlsParseStatus::kOk; }
};

// ---- framing ---------------------------------------------------------------

struct TlsRecordHeader {
    uint8_t type = 0;
    uint16_t version = 0;
    uint16_t length = 0;
};
// Incomplete below 5 bytes; Invalid on bad type (20..24 accepted), version
// (0x0300..0x0304), length (> 2^14+2048, or 0 for handshake/alert/CCS).
TlsParsed<TlsRecordHeader> parse_record_header(std::span<const uint8_t> b);

struct TlsHandshakeHeader {
    uint8_t type = 0;
    uint32_t length = 0;  // body length (24-bit)
};
TlsParsed<TlsHandshakeHeader> parse_handshake_header(std::span<const uint8_t> b);

// One whole handshake message at the start of `b` (header and body); Incomplete
// until the body is all there. The body parsers below take `body`.
struct TlsHandshakeView {
    TlsHandshakeHeader header;
    std::span<const uint8_t> body;
};
TlsParsed<TlsHandshakeView> parse_handshake_message(std::span<const uint8_t> b);

// Content detection on the first bytes of a direction, on any port. kYes: a
// handshake record (version 0x0300..0x0304, sane length) opening with a
// ClientHello or ServerHello whose own version is plausible, or a 2-byte alert
// record (a server refusing the hello). kNeedMore: so far so good, but fewer
// than the 11 bytes (7 for an alert) that decide.
enum class TlsSniff : uint8_t { kNo, kNeedMore, kYes };
TlsSniff looks_like_tls(std::span<const uint8_t> first);

// Mid-connection pick-up: the next plausible record header in `b` (type 20..23,
// version 0x0300..0x0304, length fitting the type), checked by a second header
// of the same version (any version after a handshake record: hellos often
// carry 0x0301) exactly where the first record ends.
//  kFound:    a record starts at `offset`. validated: the following header was
//             there and checked; otherwise the candidate record ends exactly
//             at the end of `b` (chunks often end on record boundaries).
//  kNeedMore: the earliest surviving candidate is at `offset`, but its record
//             runs past the end of `b`: keep b[offset..] and call again with more.
//  kNotFound: no record starts in b[0..offset): drop those bytes. Never scans
//             more than max_scan start positions, so each call is bounded.
struct TlsBoundary {
    enum class Kind : uint8_t { kFound, kNeedMore, kNotFound };
    Kind kind = Kind::kNotFound;
    uint32_t offset = 0;
    bool validated = false;
};
constexpr uint32_t kTlsMaxBoundaryScan = 1u << 16;
TlsBoundary find_record_boundary(std::span<const uint8_t> b, uint32_t max_scan = kTlsMaxBoundaryScan);

// ---- messages (each is what TlsVisitor receives; spans are valid only during the call)

// Where a message came from. The parsers leave it zero; TlsStream fills it.
struct TlsMeta {
    TlsDir from = TlsDir::kClient;
    uint64_t offset = 0;  // byte offset in this direction's stream where the record (or message) starts
};

// Read a big-endian 16-bit entry of a list of 2-byte code points.
inline uint16_t tls_u16_at(std::span<const uint8_t> list, size_t i) {
    return uint16_t(list[2 * i] << 8 | list[2 * i + 1]);
}

struct TlsClientHello : TlsMeta {
    uint16_t legacy_version = 0;
    std::span<const uint8_t> random;             // 32 bytes
    std::span<const uint8_t> session_id;         // 0..32 bytes
    uint16_t cipher_suite_count = 0;
    std::span<const uint8_t> cipher_suites;      // 2 bytes each: tls_u16_at(cipher_suites, i)
    uint8_t compression_method_count = 0;
    std::span<const uint8_t> compression_methods;
    uint16_t extension_count = 0;
    std::span<const uint8_t> extensions;         // the raw extension block (type, length, data)*
    bool has_sni = false;
    std::span<const uint8_t> sni;                // first host_name, as sent (no NUL)
    bool has_alpn = false;
    uint16_t alpn_count = 0;
    std::span<const uint8_t> alpn;               // ProtocolNameList contents: (len, name)*
    std::span<const uint8_t> alpn_first;         // first protocol name
    bool has_supported_versions = false;
    uint8_t supported_version_count = 0;
    std::span<const uint8_t> supported_versions; // 2 bytes each
    uint16_t max_supported_version = 0;          // highest offered, GREASE ignored (0: extension absent)
    bool has_key_share = false;
    uint16_t key_share_count = 0;                // KeyShareEntry count
    bool has_early_data = false;
    bool has_session_ticket = false;
    bool has_extended_master_secret = false;
    bool has_signature_algorithms = false;
    uint16_t bad_extension = 0;                  // type of a read extension found malformed
    bool has_bad_extension = false;
    bool offers_tls13() const { return tls_version_is_13(max_supported_version); }
};
TlsParsed<TlsClientHello> parse_client_hello(std::span<const uint8_t> body);

struct TlsServerHello : TlsMeta {
    uint16_t legacy_version = 0;
    std::span<const uint8_t> random;             // 32 bytes
    std::span<const uint8_t> session_id;
    uint16_t cipher_suite = 0;
    uint8_t compression_method = 0;
    uint16_t extension_count = 0;
    std::span<const uint8_t> extensions;
    uint16_t selected_version = 0;               // supported_versions extension (0: absent)
    uint16_t version = 0;                        // negotiated: selected_version, else legacy_version
    bool tls13 = false;                          // version is TLS 1.3
    bool hello_retry_request = false;            // random is the RFC 8446 §4.1.3 HelloRetryRequest value
    bool has_key_share = false;
    uint16_t key_share_group = 0;                // server share's group (HRR: the group asked for)
    bool has_alpn = false;
    std::span<const uint8_t> alpn;               // selected protocol name
    bool has_extended_master_secret = false;
    bool has_encrypt_then_mac = false;
    bool has_session_ticket = false;
    bool has_renegotiation_info = false;
    uint16_t bad_extension = 0;
    bool has_bad_extension = false;
};
TlsParsed<TlsServerHello> parse_server_hello(std::span<const uint8_t> body);

// Certificate (TLS 1.0-1.2, either side): the DER certificates, leaf first. The
// list is validated by the parser, so iterating it is safe. Not parsed as X.509.
struct TlsCertificate : TlsMeta {
    uint32_t count = 0;                  // certificates present (0: a client with no certificate)
    uint32_t list_length = 0;
    std::span<const uint8_t> list;       // certificate_list contents: (u24 length, DER)*

    class Iterator {
    public:
        Iterator() = default;
        explicit Iterator(std::span<const uint8_t> rest) : rest_(rest) {}
        std::span<const uint8_t> operator*() const {
            size_t n = size_t(rest_[0]) << 16 | size_t(rest_[1]) << 8 | rest_[2];
            return rest_.subspan(3, n);
        }
        Iterator& operator++() {
            rest_ = rest_.subspan(3 + (**this).size());
            return *this;
        }
        bool operator==(const Iterator& o) const { return rest_.size() == o.rest_.size(); }
    private:
        std::span<const uint8_t> rest_;
    };
    Iterator begin() const { return Iterator(list); }
    Iterator end() const { return Iterator(list.subspan(list.size())); }
    std::span<const uint8_t> leaf() const { return count ? *begin() : std::span<const uint8_t>{}; }
};
TlsParsed<TlsCertificate> parse_certificate(std::span<const uint8_t> body);

// CertificateRequest (TLS 1.0-1.2). signature_algorithms exist from TLS 1.2 on;
// with version 0 (unknown, mid-stream) the 1.2 layout is tried first.
struct TlsCertificateRequest : TlsMeta {
    uint8_t cert_type_count = 0;
    std::span<const uint8_t> cert_types;
    bool has_signature_algorithms = false;
    uint16_t signature_algorithm_count = 0;
    std::span<const uint8_t> signature_algorithms;  // 2 bytes each
    uint16_t distinguished_name_count = 0;
    uint16_t distinguished_names_length = 0;
    std::span<const uint8_t> distinguished_names;   // (u16 length, DER Name)*
};
TlsParsed<TlsCertificateRequest> parse_certificate_request(std::span<const uint8_t> body, uint16_t version);

// ServerKeyExchange: recognised by shape, since the key exchange is not named
// here: ECDHE (named curve) or DHE (p, g, Ys), signed or anonymous.
enum class TlsKexShape : uint8_t { kUnknown, kEcdhe, kDhe };
struct TlsServerKeyExchange : TlsMeta {
    uint32_t length = 0;
    TlsKexShape shape = TlsKexShape::kUnknown;
    uint16_t named_group = 0;             // ECDHE
    uint16_t dh_p_length = 0;             // DHE prime, bytes
    uint16_t public_length = 0;           // ECDHE point or DHE Ys, bytes
    bool has_signature = false;
    uint16_t signature_algorithm = 0;     // TLS 1.2 (0 before)
    uint16_t signature_length = 0;
    std::span<const uint8_t> body;
};
TlsParsed<TlsServerKeyExchange> parse_server_key_exchange(std::span<const uint8_t> body, uint16_t version);

enum class TlsCkeShape : uint8_t { kUnknown, kEcdhe /*u8-length point*/, kRsaOrDhe /*u16-length value*/ };
struct TlsClientKeyExchange : TlsMeta {
    uint32_t length = 0;
    TlsCkeShape shape = TlsCkeShape::kUnknown;
    uint16_t public_length = 0;
};
TlsParsed<TlsClientKeyExchange> parse_client_key_exchange(std::span<const uint8_t> body);

struct TlsCertificateVerify : TlsMeta {
    uint32_t length = 0;
    uint16_t signature_algorithm = 0;     // TLS 1.2 (0 before)
    uint16_t signature_length = 0;
};
TlsParsed<TlsCertificateVerify> parse_certificate_verify(std::span<const uint8_t> body, uint16_t version);

struct TlsNewSessionTicket : TlsMeta {
    uint32_t lifetime_hint = 0;
    uint16_t ticket_length = 0;
};
TlsParsed<TlsNewSessionTicket> parse_new_session_ticket(std::span<const uint8_t> body);

// Any other cleartext handshake message (and ServerHelloDone, which is empty).
struct TlsHandshakeMsg : TlsMeta {
    uint8_t type = 0;
    uint32_t length = 0;
    std::span<const uint8_t> body;
};

struct TlsAlert : TlsMeta {
    uint8_t level = 0;        // 1 warning, 2 fatal
    uint8_t description = 0;  // tls_alert_description_name()
    bool after_ccs = false;   // the sender had already sent ChangeCipherSpec (unusual in clear)
};
// Exactly one 2-byte alert: Incomplete below 2, Invalid on other lengths or levels.
TlsParsed<TlsAlert> parse_alert(std::span<const uint8_t> record_body);

struct TlsChangeCipherSpec : TlsMeta {
    uint16_t record_length = 1;
    bool tls13_compat = false;  // TLS 1.3 middlebox-compatibility CCS: changes nothing
};
TlsParsed<TlsChangeCipherSpec> parse_change_cipher_spec(std::span<const uint8_t> record_body);

// ---- records whose content is encrypted (reported by type and size) ------------

// TLS <= 1.2, after the sender's ChangeCipherSpec: a handshake record. The
// first one is the sender's Finished; later ones are renegotiation.
struct TlsEncryptedHandshake : TlsMeta {
    uint16_t record_length = 0;
};

// Record type 21 after ChangeCipherSpec. typical_length: the size an encrypted
// 2-byte alert has under the negotiated suite (any common suite if unknown).
struct TlsEncryptedAlert : TlsMeta {
    uint16_t record_length = 0;
    bool typical_length = false;
};

// TLS <= 1.2 application_data record (also mid-stream, state unknown).
struct TlsApplicationData : TlsMeta {
    uint16_t record_length = 0;
    uint64_t records = 0;      // this direction's application_data records so far, this one included
    uint64_t bytes = 0;        // and their record payload bytes
};

// TLS 1.3 after ServerHello (and 0-RTT early data before it): every record of
// this direction that is encrypted. The encrypted handshake and application
// data look alike: both ride in application_data records.
struct TlsEncryptedRecord : TlsMeta {
    uint8_t content_type = tls::kApplicationData;
    uint16_t record_length = 0;
    uint32_t index = 0;        // 0-based among this direction's encrypted records
    bool early_data = false;   // client record before ServerHello after offering early_data
    bool likely_alert = false; // size of an encrypted 2-byte alert (2 + inner type + 16-byte tag, or 8-byte tag)
};

// Heartbeat records (RFC 6520): type and size only.
struct TlsRecordInfo : TlsMeta {
    uint8_t type = 0;
    uint16_t version = 0;
    uint16_t length = 0;
};

// A problem found in one direction. detail depends on the kind: the record
// type, version or length for the record-layer kinds, the offset in the body
// (kMalformedHandshake), the extension type (kMalformedExtension), the message
// length (kMessageTooLarge), bytes lost / skipped / missing (kGap, kResynced,
// kTruncatedAtEnd), the record type (kInterleavedRecord), the level or length (kBadAlert).
struct TlsAnomaly : TlsMeta {
    TlsAnomalyKind kind = TlsAnomalyKind::kNone;
    uint32_t detail = 0;
    uint8_t handshake_type = 0;  // the message concerned, when there is one
    bool stopped = false;        // this direction parses no more
};

// ---- cipher suite shapes (for the encrypted-alert size check; no names) ------

enum class TlsCipherKind : uint8_t {
    kUnknown,
    kAeadExplicitNonce,  // AES/ARIA/Camellia GCM and CCM: 8-byte explicit nonce + tag
    kAeadImplicitNonce,  // ChaCha20-Poly1305: tag only
    kOther,              // CBC (MAC-then-encrypt or encrypt-then-MAC) or stream / NULL
};
struct TlsCipherShape {
    TlsCipherKind kind = TlsCipherKind::kUnknown;
    uint8_t tag_length = 0;
};
TlsCipherShape tls_cipher_shape(uint16_t suite);
// Could a record of `length` bytes be one encrypted 2-byte alert under `suite`
// (0: unknown, any common construction) at `version`?
bool tls_encrypted_alert_length_fits(uint16_t suite, uint16_t version, uint32_t length);

}  // namespace cs
