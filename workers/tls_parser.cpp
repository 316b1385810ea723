#include "workers/tls_parser.h"

#include <algorithm>
#include <cstring>

namespace cs {

namespace {

// Bounds-checked big-endian reader over one span. A read past the end sets
// `bad` and returns zeros / empty spans, so parsers check once per field group.
struct Reader {
    std::span<const uint8_t> b;
    size_t pos = 0;
    bool bad = false;

    size_t left() const { return b.size() - pos; }
    bool have(size_t n) {
        if (bad || n > left()) bad = true;
        return !bad;
    }
    uint8_t u8() { return have(1) ? b[pos++] : 0; }
    uint16_t u16() {
        if (!have(2)) return 0;
        uint16_t v = uint16_t(b[pos] << 8 | b[pos + 1]);
        pos += 2;
        return v;
    }
    uint32_t u24() {
        if (!have(3)) return 0;
        uint32_t v = uint32_t(b[pos]) << 16 | uint32_t(b[pos + 1]) << 8 | b[pos + 2];
        pos += 3;
        return v;
    }
    uint32_t u32() {
        uint32_t hi = u16();
        return hi << 16 | u16();
    }
    std::span<const uint8_t> bytes(size_t n) {
        if (!have(n)) return {};
        auto s = b.subspan(pos, n);
        pos += n;
        return s;
    }
    std::span<const uint8_t> vec8() { return bytes(u8()); }
    std::span<const uint8_t> vec16() { return bytes(u16()); }
    std::span<const uint8_t> vec24() { return bytes(u24()); }
    bool done() const { return !bad && pos == b.size(); }
};

template <class T>
TlsParsed<T> incomplete(size_t need) {
    TlsParsed<T> r;
    r.status = TlsParseStatus::kIncomplete;
    r.need = uint32_t(need);
    return r;
}

template <class T>
TlsParsed<T> invalid(TlsAnomalyKind why, size_t at) {
    TlsParsed<T> r;
    r.status = TlsParseStatus::kInvalid;
    r.reason = why;
    r.at = uint32_t(at);
    return r;
}

template <class T>
TlsParsed<T> ok(const T& v) {
    TlsParsed<T> r;
    r.status = TlsParseStatus::kOk;
    r.value = v;
    return r;
}

bool version_ok(uint16_t v) { return v >= tls::kSsl3 && v <= tls::kTls13; }

constexpr uint8_t kHrrRandom[32] = {0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
                                    0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
                                    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

// Walks an extension block: calls f(type, data) for each; false when the block
// does not frame exactly (then the whole hello is invalid).
template <class F>
bool for_each_extension(std::span<const uint8_t> block, uint16_t* count, F&& f) {
    Reader r{block};
    uint16_t n = 0;
    while (r.left() > 0) {
        uint16_t type = r.u16();
        auto data = r.vec16();
        if (r.bad) return false;
        ++n;
        f(type, data);
    }
    *count = n;
    return true;
}

// Reads the extension block that may close a hello (absent in old hellos).
// Returns false when present but not framed.
bool read_extension_block(Reader& r, std::span<const uint8_t>* block) {
    *block = {};
    if (r.left() == 0) return true;
    *block = r.vec16();
    return r.done();
}

// Tries the TLS 1.2 signature layout (algorithm, signature<2>) or the older
// one (signature<2>) on the rest of a message; must end it exactly.
bool read_signature(std::span<const uint8_t> rest, bool with_algorithm, uint16_t* alg, uint16_t* len) {
    Reader r{rest};
    *alg = with_algorithm ? r.u16() : 0;
    *len = uint16_t(r.vec16().size());
    return r.done() && *len > 0;
}

}  // namespace

// ---- names -------------------------------------------------------------------

const char* tls_anomaly_name(TlsAnomalyKind k) {
    switch (k) {
        case TlsAnomalyKind::kNone: return "none";
        case TlsAnomalyKind::kBadRecordType: return "bad_record_type";
        case TlsAnomalyKind::kBadRecordVersion: return "bad_record_version";
        case TlsAnomalyKind::kRecordTooLong: return "record_too_long";
        case TlsAnomalyKind::kEmptyRecord: return "empty_record";
        case TlsAnomalyKind::kMalformedHandshake: return "malformed_handshake";
        case TlsAnomalyKind::kMalformedExtension: return "malformed_extension";
        case TlsAnomalyKind::kMessageTooLarge: return "message_too_large";
        case TlsAnomalyKind::kInterleavedRecord: return "interleaved_record";
        case TlsAnomalyKind::kBadAlert: return "bad_alert";
        case TlsAnomalyKind::kBadChangeCipherSpec: return "bad_change_cipher_spec";
        case TlsAnomalyKind::kGap: return "gap";
        case TlsAnomalyKind::kResynced: return "resynced";
        case TlsAnomalyKind::kResyncFailed: return "resync_failed";
        case TlsAnomalyKind::kTruncatedAtEnd: return "truncated_at_end";
        case TlsAnomalyKind::kCount: break;
    }
    return "unknown";
}

const char* tls_content_type_name(uint8_t type) {
    switch (type) {
        case tls::kChangeCipherSpec: return "change_cipher_spec";
        case tls::kAlert: return "alert";
        case tls::kHandshake: return "handshake";
        case tls::kApplicationData: return "application_data";
        case tls::kHeartbeat: return "heartbeat";
    }
    return "unknown";
}

const char* tls_handshake_type_name(uint8_t type) {
    switch (type) {
        case tls::kHelloRequest: return "hello_request";
        case tls::kClientHello: return "client_hello";
        case tls::kServerHello: return "server_hello";
        case tls::kHelloVerifyRequest: return "hello_verify_request";
        case tls::kNewSessionTicket: return "new_session_ticket";
        case tls::kEndOfEarlyData: return "end_of_early_data";
        case tls::kHelloRetryRequestType: return "hello_retry_request";
        case tls::kEncryptedExtensions: return "encrypted_extensions";
        case tls::kCertificate: return "certificate";
        case tls::kServerKeyExchange: return "server_key_exchange";
        case tls::kCertificateRequest: return "certificate_request";
        case tls::kServerHelloDone: return "server_hello_done";
        case tls::kCertificateVerify: return "certificate_verify";
        case tls::kClientKeyExchange: return "client_key_exchange";
        case tls::kFinished: return "finished";
        case tls::kCertificateUrl: return "certificate_url";
        case tls::kCertificateStatus: return "certificate_status";
        case tls::kSupplementalData: return "supplemental_data";
        case tls::kKeyUpdate: return "key_update";
        case tls::kMessageHash: return "message_hash";
    }
    return "unknown";
}

const char* tls_alert_level_name(uint8_t level) {
    switch (level) {
        case 1: return "warning";
        case 2: return "fatal";
    }
    return "unknown";
}

const char* tls_alert_description_name(uint8_t d) {
    switch (d) {
        case 0: return "close_notify";
        case 10: return "unexpected_message";
        case 20: return "bad_record_mac";
        case 21: return "decryption_failed";
        case 22: return "record_overflow";
        case 30: return "decompression_failure";
        case 40: return "handshake_failure";
        case 41: return "no_certificate";
        case 42: return "bad_certificate";
        case 43: return "unsupported_certificate";
        case 44: return "certificate_revoked";
        case 45: return "certificate_expired";
        case 46: return "certificate_unknown";
        case 47: return "illegal_parameter";
        case 48: return "unknown_ca";
        case 49: return "access_denied";
        case 50: return "decode_error";
        case 51: return "decrypt_error";
        case 60: return "export_restriction";
        case 70: return "protocol_version";
        case 71: return "insufficient_security";
        case 80: return "internal_error";
        case 86: return "inappropriate_fallback";
        case 90: return "user_canceled";
        case 100: return "no_renegotiation";
        case 109: return "missing_extension";
        case 110: return "unsupported_extension";
        case 111: return "certificate_unobtainable";
        case 112: return "unrecognized_name";
        case 113: return "bad_certificate_status_response";
        case 114: return "bad_certificate_hash_value";
        case 115: return "unknown_psk_identity";
        case 116: return "certificate_required";
        case 120: return "no_application_protocol";
    }
    return "unknown";
}

const char* tls_version_name(uint16_t v) {
    switch (v) {
        case tls::kSsl3: return "SSLv3";
        case tls::kTls10: return "1.0";
        case tls::kTls11: return "1.1";
        case tls::kTls12: return "1.2";
        case tls::kTls13: return "1.3";
    }
    if ((v & 0xff00) == 0x7f00) return "1.3";  // drafts
    return "unknown";
}

// ---- framing -------------------------------------------------------------------

TlsParsed<TlsRecordHeader> parse_record_header(std::span<const uint8_t> b) {
    if (b.size() < tls::kRecordHeaderLength) return incomplete<TlsRecordHeader>(tls::kRecordHeaderLength - b.size());
    TlsRecordHeader h;
    h.type = b[0];
    h.version = uint16_t(b[1] << 8 | b[2]);
    h.length = uint16_t(b[3] << 8 | b[4]);
    if (h.type < tls::kChangeCipherSpec || h.type > tls::kHeartbeat)
        return invalid<TlsRecordHeader>(TlsAnomalyKind::kBadRecordType, 0);
    if (!version_ok(h.version)) return invalid<TlsRecordHeader>(TlsAnomalyKind::kBadRecordVersion, 1);
    if (h.length > tls::kMaxRecordLength) return invalid<TlsRecordHeader>(TlsAnomalyKind::kRecordTooLong, 3);
    // RFC 5246 §6.2.1: zero-length fragments only for application data.
    if (h.length == 0 && h.type != tls::kApplicationData)
        return invalid<TlsRecordHeader>(TlsAnomalyKind::kEmptyRecord, 3);
    return ok(h);
}

TlsParsed<TlsHandshakeHeader> parse_handshake_header(std::span<const uint8_t> b) {
    if (b.size() < tls::kHandshakeHeaderLength)
        return incomplete<TlsHandshakeHeader>(tls::kHandshakeHeaderLength - b.size());
    TlsHandshakeHeader h;
    h.type = b[0];
    h.length = uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | b[3];
    return ok(h);
}

TlsParsed<TlsHandshakeView> parse_handshake_message(std::span<const uint8_t> b) {
    auto h = parse_handshake_header(b);
    if (!h.ok()) return incomplete<TlsHandshakeView>(h.need);
    size_t total = size_t(tls::kHandshakeHeaderLength) + h.value.length;
    if (b.size() < total) return incomplete<TlsHandshakeView>(total - b.size());
    return ok(TlsHandshakeView{h.value, b.subspan(tls::kHandshakeHeaderLength, h.value.length)});
}

TlsSniff looks_like_tls(std::span<const uint8_t> f) {
    const size_t n = f.size();
    if (n == 0) return TlsSniff::kNeedMore;
    const uint8_t type = f[0];
    if (type != tls::kHandshake && type != tls::kAlert) return TlsSniff::kNo;
    if (n >= 2 && f[1] != 3) return TlsSniff::kNo;
    if (n >= 3 && f[2] > 4) return TlsSniff::kNo;
    if (n < 5) return TlsSniff::kNeedMore;
    const uint16_t len = uint16_t(f[3] << 8 | f[4]);
    if (type == tls::kAlert) {
        if (len != 2) return TlsSniff::kNo;
        if (n < 6) return TlsSniff::kNeedMore;
        if (f[5] != 1 && f[5] != 2) return TlsSniff::kNo;
        if (n < 7) return TlsSniff::kNeedMore;
        return TlsSniff::kYes;
    }
    // A hello is at least 38 bytes of body; a record holds at most 2^14.
    if (len < tls::kHandshakeHeaderLength + 38 || len > (1u << 14)) return TlsSniff::kNo;
    if (n < 6) return TlsSniff::kNeedMore;
    if (f[5] != tls::kClientHello && f[5] != tls::kServerHello) return TlsSniff::kNo;
    if (n < 9) return TlsSniff::kNeedMore;
    const uint32_t hs_len = uint32_t(f[6]) << 16 | uint32_t(f[7]) << 8 | f[8];
    if (hs_len < 38 || hs_len > (1u << 20)) return TlsSniff::kNo;
    if (n < 11) return TlsSniff::kNeedMore;
    const uint16_t hello_version = uint16_t(f[9] << 8 | f[10]);
    return version_ok(hello_version) ? TlsSniff::kYes : TlsSniff::kNo;
}

namespace {

// A record header plausible for resynchronisation: stricter than the record
// layer (no heartbeat, lengths that fit the type).
bool plausible_header(const uint8_t* p) {
    const uint8_t type = p[0];
    const uint16_t version = uint16_t(p[1] << 8 | p[2]);
    const uint16_t len = uint16_t(p[3] << 8 | p[4]);
    if (type < tls::kChangeCipherSpec || type > tls::kApplicationData) return false;
    if (!version_ok(version)) return false;
    if (len == 0 || len > tls::kMaxRecordLength) return false;
    switch (type) {
        case tls::kChangeCipherSpec: return len == 1 || len >= 17;   // clear, or encrypted (renegotiation)
        case tls::kAlert: return len == 2 || (len >= 17 && len <= 512);
    }
    return true;
}

}  // namespace

TlsBoundary find_record_boundary(std::span<const uint8_t> b, uint32_t max_scan) {
    TlsBoundary out;
    const size_t n = b.size();
    if (n < tls::kRecordHeaderLength) {
        out.kind = TlsBoundary::Kind::kNotFound;
        out.offset = 0;
        return out;
    }
    const size_t last_start = n - tls::kRecordHeaderLength;  // last position with a whole header
    const size_t limit = std::min<size_t>(last_start + 1, max_scan);
    bool have_pending = false;
    size_t pending = 0;
    for (size_t i = 0; i < limit; ++i) {
        const uint8_t* p = b.data() + i;
        if (!plausible_header(p)) continue;
        const size_t next = i + tls::kRecordHeaderLength + (size_t(p[3]) << 8 | p[4]);
        if (next == n) {
            if (!have_pending) {
                out.kind = TlsBoundary::Kind::kFound;
                out.offset = uint32_t(i);
                out.validated = false;
                // A later, validated candidate cannot exist: it would lie inside this record.
                return out;
            }
            continue;
        }
        if (next + tls::kRecordHeaderLength <= n) {
            // The following header must be plausible and keep the version (a
            // ClientHello record often says 0x0301 and what follows 0x0303).
            const uint8_t* q = b.data() + next;
            const bool same_version = (q[1] == p[1] && q[2] == p[2]) || p[0] == tls::kHandshake;
            if (plausible_header(q) && same_version) {
                out.kind = TlsBoundary::Kind::kFound;
                out.offset = uint32_t(i);
                out.validated = true;
                return out;
            }
            continue;
        }
        // The record (or the header after it) runs past the data: undecided.
        if (!have_pending) {
            have_pending = true;
            pending = i;
        }
    }
    if (have_pending) {
        out.kind = TlsBoundary::Kind::kNeedMore;
        out.offset = uint32_t(pending);
        return out;
    }
    out.kind = TlsBoundary::Kind::kNotFound;
    // Positions after `limit` were not tried: keep them (the last 4 bytes may begin a header).
    out.offset = uint32_t(limit);
    return out;
}

// ---- hellos ------------------------------------------------------------------------

TlsParsed<TlsClientHello> parse_client_hello(std::span<const uint8_t> body) {
    Reader r{body};
    TlsClientHello h;
    h.legacy_version = r.u16();
    h.random = r.bytes(32);
    h.session_id = r.vec8();
    if (r.bad || h.session_id.size() > 32) return invalid<TlsClientHello>(TlsAnomalyKind::kMalformedHandshake, r.pos);
    h.cipher_suites = r.vec16();
    if (r.bad || h.cipher_suites.empty() || h.cipher_suites.size() % 2)
        return invalid<TlsClientHello>(TlsAnomalyKind::kMalformedHandshake, r.pos);
    h.cipher_suite_count = uint16_t(h.cipher_suites.size() / 2);
    h.compression_methods = r.vec8();
    if (r.bad || h.compression_methods.empty())
        return invalid<TlsClientHello>(TlsAnomalyKind::kMalformedHandshake, r.pos);
    h.compression_method_count = uint8_t(h.compression_methods.size());
    const size_t ext_at = r.pos;
    if (!read_extension_block(r, &h.extensions))
        return invalid<TlsClientHello>(TlsAnomalyKind::kMalformedHandshake, ext_at);

    auto bad = [&h](uint16_t type) {
        if (!h.has_bad_extension) h.bad_extension = type;
        h.has_bad_extension = true;
    };
    bool framed = for_each_extension(h.extensions, &h.extension_count, [&](uint16_t type, std::span<const uint8_t> d) {
        Reader e{d};
        switch (type) {
            case tls::kExtServerName: {
                if (d.empty()) break;  // a server's empty acknowledgement; never valid from a client, but harmless
                Reader list{e.vec16()};
                if (!e.done()) return bad(type);
                while (list.left() > 0) {
                    uint8_t name_type = list.u8();
                    auto name = list.vec16();
                    if (list.bad) return bad(type);
                    if (name_type == 0 && !h.has_sni) {
                        h.has_sni = true;
                        h.sni = name;
                    }
                }
                if (!h.has_sni) return bad(type);
                break;
            }
            case tls::kExtAlpn: {
                auto list = e.vec16();
                if (!e.done() || list.empty()) return bad(type);
                Reader l{list};
                uint16_t count = 0;
                std::span<const uint8_t> first;
                while (l.left() > 0) {
                    auto name = l.vec8();
                    if (l.bad || name.empty()) return bad(type);
                    if (count++ == 0) first = name;
                }
                h.has_alpn = true;
                h.alpn = list;
                h.alpn_count = count;
                h.alpn_first = first;
                break;
            }
            case tls::kExtSupportedVersions: {
                auto list = e.vec8();
                if (!e.done() || list.empty() || list.size() % 2) return bad(type);
                h.has_supported_versions = true;
                h.supported_versions = list;
                h.supported_version_count = uint8_t(list.size() / 2);
                for (size_t i = 0; i < list.size() / 2; ++i) {
                    uint16_t v = tls_u16_at(list, i);
                    if (tls_is_grease(v)) continue;
                    // Drafts (0x7fxx) rank as 1.3; otherwise the numeric order is the version order.
                    uint16_t rank = tls_version_is_13(v) ? tls::kTls13 : v;
                    uint16_t best = tls_version_is_13(h.max_supported_version) ? tls::kTls13 : h.max_supported_version;
                    if (rank > best || h.max_supported_version == 0) h.max_supported_version = v;
                }
                break;
            }
            case tls::kExtKeyShare: {
                auto shares = e.vec16();
                if (!e.done()) return bad(type);
                Reader s{shares};
                uint16_t count = 0;
                while (s.left() > 0) {
                    s.u16();
                    s.vec16();
                    if (s.bad) return bad(type);
                    ++count;
                }
                h.has_key_share = true;
                h.key_share_count = count;
                break;
            }
            case tls::kExtEarlyData: h.has_early_data = true; break;
            case tls::kExtSessionTicket: h.has_session_ticket = true; break;
            case tls::kExtExtendedMasterSecret: h.has_extended_master_secret = true; break;
            case tls::kExtSignatureAlgorithms: h.has_signature_algorithms = true; break;
        }
    });
    if (!framed) return invalid<TlsClientHello>(TlsAnomalyKind::kMalformedHandshake, ext_at);
    return ok(h);
}

TlsParsed<TlsServerHello> parse_server_hello(std::span<const uint8_t> body) {
    Reader r{body};
    TlsServerHello h;
    h.legacy_version = r.u16();
    h.random = r.bytes(32);
    // TLS 1.3 drafts before 22 had no session id and no compression method.
    const bool old_draft = (h.legacy_version & 0xff00) == 0x7f00 && (h.legacy_version & 0xff) < 22;
    if (!old_draft) h.session_id = r.vec8();
    h.cipher_suite = r.u16();
    if (!old_draft) h.compression_method = r.u8();
    if (r.bad || h.session_id.size() > 32) return invalid<TlsServerHello>(TlsAnomalyKind::kMalformedHandshake, r.pos);
    const size_t ext_at = r.pos;
    if (!read_extension_block(r, &h.extensions))
        return invalid<TlsServerHello>(TlsAnomalyKind::kMalformedHandshake, ext_at);
    h.hello_retry_request = std::memcmp(h.random.data(), kHrrRandom, sizeof kHrrRandom) == 0;

    auto bad = [&h](uint16_t type) {
        if (!h.has_bad_extension) h.bad_extension = type;
        h.has_bad_extension = true;
    };
    bool framed = for_each_extension(h.extensions, &h.extension_count, [&](uint16_t type, std::span<const uint8_t> d) {
        Reader e{d};
        switch (type) {
            case tls::kExtSupportedVersions:
                h.selected_version = e.u16();
                if (!e.done()) {
                    h.selected_version = 0;
                    return bad(type);
                }
                break;
            case tls::kExtKeyShare: {
                // ServerHello: KeyShareEntry (group, key<2>); HelloRetryRequest: the group alone.
                h.key_share_group = e.u16();
                if (!h.hello_retry_request) e.vec16();
                if (!e.done()) return bad(type);
                h.has_key_share = true;
                break;
            }
            case tls::kExtAlpn: {
                Reader l{e.vec16()};
                auto name = l.vec8();
                if (!e.done() || !l.done() || name.empty()) return bad(type);
                h.has_alpn = true;
                h.alpn = name;
                break;
            }
            case tls::kExtExtendedMasterSecret: h.has_extended_master_secret = true; break;
            case tls::kExtEncryptThenMac: h.has_encrypt_then_mac = true; break;
            case tls::kExtSessionTicket: h.has_session_ticket = true; break;
            case tls::kExtRenegotiationInfo: h.has_renegotiation_info = true; break;
        }
    });
    if (!framed) return invalid<TlsServerHello>(TlsAnomalyKind::kMalformedHandshake, ext_at);
    h.version = h.selected_version ? h.selected_version : h.legacy_version;
    h.tls13 = tls_version_is_13(h.version);
    if (h.hello_retry_request && !h.tls13) h.tls13 = true;  // only TLS 1.3 has HelloRetryRequest
    return ok(h);
}

// ---- the rest of the handshake ---------------------------------------------------

TlsParsed<TlsCertificate> parse_certificate(std::span<const uint8_t> body) {
    Reader r{body};
    TlsCertificate c;
    c.list = r.vec24();
    if (!r.done()) return invalid<TlsCertificate>(TlsAnomalyKind::kMalformedHandshake, r.bad ? 0 : r.pos);
    c.list_length = uint32_t(c.list.size());
    Reader l{c.list};
    while (l.left() > 0) {
        size_t at = l.pos;
        auto der = l.vec24();
        if (l.bad || der.empty()) return invalid<TlsCertificate>(TlsAnomalyKind::kMalformedHandshake, 3 + at);
        ++c.count;
    }
    return ok(c);
}

TlsParsed<TlsCertificateRequest> parse_certificate_request(std::span<const uint8_t> body, uint16_t version) {
    // The DN list: (u16 length, non-empty DER)* exactly filling the vector.
    auto count_names = [](std::span<const uint8_t> names, uint16_t* count) {
        Reader n{names};
        uint16_t c = 0;
        while (n.left() > 0) {
            auto dn = n.vec16();
            if (n.bad || dn.empty()) return false;
            ++c;
        }
        *count = c;
        return true;
    };
    auto attempt = [&](bool with_sigalgs, TlsCertificateRequest* out) {
        Reader r{body};
        TlsCertificateRequest q;
        q.cert_types = r.vec8();
        if (r.bad || q.cert_types.empty()) return false;
        q.cert_type_count = uint8_t(q.cert_types.size());
        if (with_sigalgs) {
            q.signature_algorithms = r.vec16();
            if (r.bad || q.signature_algorithms.empty() || q.signature_algorithms.size() % 2) return false;
            q.has_signature_algorithms = true;
            q.signature_algorithm_count = uint16_t(q.signature_algorithms.size() / 2);
        }
        q.distinguished_names = r.vec16();
        if (!r.done()) return false;
        q.distinguished_names_length = uint16_t(q.distinguished_names.size());
        if (!count_names(q.distinguished_names, &q.distinguished_name_count)) return false;
        *out = q;
        return true;
    };
    TlsCertificateRequest q;
    const bool tls12 = version == 0 || version >= tls::kTls12;
    if (attempt(tls12, &q) || (version == 0 && attempt(false, &q))) return ok(q);
    return invalid<TlsCertificateRequest>(TlsAnomalyKind::kMalformedHandshake, 0);
}

TlsParsed<TlsServerKeyExchange> parse_server_key_exchange(std::span<const uint8_t> body, uint16_t version) {
    TlsServerKeyExchange k;
    k.length = uint32_t(body.size());
    k.body = body;
    if (body.empty()) return invalid<TlsServerKeyExchange>(TlsAnomalyKind::kMalformedHandshake, 0);
    // The signature after the parameters: absent (anonymous), or in the 1.2 or older layout.
    auto finish = [&](std::span<const uint8_t> rest) {
        if (rest.empty()) return true;
        const bool try12 = version == 0 || version >= tls::kTls12;
        const bool tryold = version == 0 || version < tls::kTls12;
        uint16_t alg = 0, len = 0;
        if ((try12 && read_signature(rest, true, &alg, &len)) || (tryold && read_signature(rest, false, &alg, &len))) {
            k.has_signature = true;
            k.signature_algorithm = alg;
            k.signature_length = len;
            return true;
        }
        return false;
    };
    {
        Reader r{body};
        if (r.u8() == 3) {  // ECParameters: named_curve
            uint16_t group = r.u16();
            auto point = r.vec8();
            if (!r.bad && !point.empty() && finish(body.subspan(r.pos))) {
                k.shape = TlsKexShape::kEcdhe;
                k.named_group = group;
                k.public_length = uint16_t(point.size());
                return ok(k);
            }
        }
    }
    {
        Reader r{body};
        auto p = r.vec16();
        auto g = r.vec16();
        auto ys = r.vec16();
        if (!r.bad && !p.empty() && !g.empty() && !ys.empty() && finish(body.subspan(r.pos))) {
            k.shape = TlsKexShape::kDhe;
            k.dh_p_length = uint16_t(p.size());
            k.public_length = uint16_t(ys.size());
            return ok(k);
        }
    }
    k.has_signature = false;
    k.signature_algorithm = k.signature_length = 0;
    return ok(k);  // PSK hints, GOST, ...: opaque but well framed by the handshake header
}

TlsParsed<TlsClientKeyExchange> parse_client_key_exchange(std::span<const uint8_t> body) {
    TlsClientKeyExchange c;
    c.length = uint32_t(body.size());
    if (body.empty()) return invalid<TlsClientKeyExchange>(TlsAnomalyKind::kMalformedHandshake, 0);
    if (body.size() >= 2 && size_t(body[0] << 8 | body[1]) + 2 == body.size()) {
        c.shape = TlsCkeShape::kRsaOrDhe;
        c.public_length = uint16_t(body.size() - 2);
    } else if (size_t(body[0]) + 1 == body.size()) {
        c.shape = TlsCkeShape::kEcdhe;
        c.public_length = body[0];
    }
    return ok(c);
}

TlsParsed<TlsCertificateVerify> parse_certificate_verify(std::span<const uint8_t> body, uint16_t version) {
    TlsCertificateVerify v;
    v.length = uint32_t(body.size());
    const bool try12 = version == 0 || version >= tls::kTls12;
    const bool tryold = version == 0 || version < tls::kTls12;
    if ((try12 && read_signature(body, true, &v.signature_algorithm, &v.signature_length)) ||
        (tryold && read_signature(body, false, &v.signature_algorithm, &v.signature_length)))
        return ok(v);
    return invalid<TlsCertificateVerify>(TlsAnomalyKind::kMalformedHandshake, 0);
}

TlsParsed<TlsNewSessionTicket> parse_new_session_ticket(std::span<const uint8_t> body) {
    Reader r{body};
    TlsNewSessionTicket t;
    t.lifetime_hint = r.u32();
    t.ticket_length = uint16_t(r.vec16().size());
    if (!r.done()) return invalid<TlsNewSessionTicket>(TlsAnomalyKind::kMalformedHandshake, r.bad ? 0 : r.pos);
    return ok(t);
}

TlsParsed<TlsAlert> parse_alert(std::span<const uint8_t> b) {
    if (b.size() < 2) return incomplete<TlsAlert>(2 - b.size());
    if (b.size() != 2) return invalid<TlsAlert>(TlsAnomalyKind::kBadAlert, 2);
    if (b[0] != 1 && b[0] != 2) return invalid<TlsAlert>(TlsAnomalyKind::kBadAlert, 0);
    TlsAlert a;
    a.level = b[0];
    a.description = b[1];
    return ok(a);
}

TlsParsed<TlsChangeCipherSpec> parse_change_cipher_spec(std::span<const uint8_t> b) {
    if (b.empty()) return incomplete<TlsChangeCipherSpec>(1);
    if (b.size() != 1 || b[0] != 1) return invalid<TlsChangeCipherSpec>(TlsAnomalyKind::kBadChangeCipherSpec, 0);
    return ok(TlsChangeCipherSpec{});
}

// ---- cipher suite shapes ---------------------------------------------------------

TlsCipherShape tls_cipher_shape(uint16_t s) {
    auto in = [s](uint16_t lo, uint16_t hi) { return s >= lo && s <= hi; };
    if (s == 0) return {TlsCipherKind::kUnknown, 0};
    if (in(0xCCA8, 0xCCAE)) return {TlsCipherKind::kAeadImplicitNonce, 16};  // ChaCha20-Poly1305
    // AES-CCM_8 (RFC 6655, 7251) and ECDHE_PSK CCM_8 (RFC 8442): 8-byte tag.
    if (in(0xC0A0, 0xC0A3) || in(0xC0A8, 0xC0AB) || in(0xC0AE, 0xC0AF) || s == 0xD003)
        return {TlsCipherKind::kAeadExplicitNonce, 8};
    if (in(0x009C, 0x00AD) ||   // RSA/DH/DHE/PSK AES-GCM
        in(0xC02B, 0xC032) ||   // ECDHE/ECDH AES-GCM
        in(0xC050, 0xC063) ||   // ARIA-GCM
        in(0xC06A, 0xC06F) ||   // PSK ARIA-GCM
        in(0xC07A, 0xC093) ||   // Camellia-GCM
        in(0xC09C, 0xC0AF) ||   // AES-CCM (the CCM_8 ones returned above)
        s == 0xD001 || s == 0xD002 || s == 0xD005)
        return {TlsCipherKind::kAeadExplicitNonce, 16};
    if (in(0x1301, 0x1305)) return {TlsCipherKind::kUnknown, 0};  // TLS 1.3 suites have no 1.2 record shape
    return {TlsCipherKind::kOther, 0};
}

bool tls_encrypted_alert_length_fits(uint16_t suite, uint16_t version, uint32_t len) {
    // Explicit-nonce AEAD: 8 + 2 + tag. ChaCha20: 2 + 16.
    auto aead = [len](uint32_t tag) { return len == 8 + 2 + tag; };
    auto chacha = [len] { return len == 2 + 16; };
    // CBC with a MAC of 16/20/32/48 bytes (MD5, SHA-1, SHA-256, SHA-384), block 8 or 16,
    // explicit IV from TLS 1.1 on. MAC-then-encrypt: IV + k*block covering 2 + mac + 1
    // (padding may run to 255). Encrypt-then-MAC: IV + k*block covering 3, then the MAC.
    auto cbc = [len, version] {
        for (uint32_t block : {16u, 8u}) {
            const uint32_t iv = (version == 0 || version >= tls::kTls11) ? block : 0;
            const bool try_no_iv = version == 0;  // unknown version: TLS 1.0 layout as well
            for (uint32_t ivlen : {iv, try_no_iv ? 0u : iv}) {
                if (len <= ivlen) continue;
                const uint32_t body = len - ivlen;
                for (uint32_t mac : {16u, 20u, 32u, 48u}) {
                    if (body % block == 0 && body >= 2 + mac + 1 && body <= 2 + mac + 256) return true;
                    if (body > mac && (body - mac) % block == 0 && body - mac >= 3 && body - mac <= 2 + 256)
                        return true;
                }
            }
        }
        return false;
    };
    auto stream = [len] { return len == 2 + 16 || len == 2 + 20 || len == 2 + 32 || len == 2 + 48; };
    const TlsCipherShape shape = tls_cipher_shape(suite);
    switch (shape.kind) {
        case TlsCipherKind::kAeadExplicitNonce: return aead(shape.tag_length);
        case TlsCipherKind::kAeadImplicitNonce: return chacha();
        case TlsCipherKind::kOther: return cbc() || stream();
        case TlsCipherKind::kUnknown: break;
    }
    return aead(16) || aead(8) || chacha() || cbc() || stream();
}

}  // namespace cs
