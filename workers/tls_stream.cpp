#include "workers/tls_stream.h"

#include <algorithm>
#include <cstring>

namespace cs {

namespace {

char letter_for(uint8_t hs_type) {
    switch (hs_type) {
        case tls::kClientHello: return 'C';
        case tls::kServerHello: return 'S';
        case tls::kNewSessionTicket: return 'T';
        case tls::kCertificate: return 'X';
        case tls::kServerKeyExchange: return 'K';
        case tls::kCertificateRequest: return 'R';
        case tls::kServerHelloDone: return 'N';
        case tls::kCertificateVerify: return 'Y';
        case tls::kClientKeyExchange: return 'G';
        case tls::kHelloRequest: return 'H';
        case tls::kCertificateStatus: return 'U';
        case tls::kFinished: return 'F';
    }
    return 'Z';
}

// Mid-stream, is the start of a handshake record a cleartext message header?
// An encrypted Finished is a short record (under 128 bytes) starting with an
// explicit nonce or ciphertext: random bytes would have to name a known type
// and a length that fits the record. Only long records, or hellos (never
// encrypted, sometimes fragmented), may hold the first fragment of a longer message.
bool plausible_clear_handshake(const TlsHandshakeHeader& h, uint32_t record_length) {
    const bool hello = h.type == tls::kClientHello || h.type == tls::kServerHello;
    if (h.length + tls::kHandshakeHeaderLength > record_length && record_length < 512 && !hello) return false;
    switch (h.type) {
        case tls::kClientHello:
        case tls::kServerHello:
        case tls::kNewSessionTicket:
        case tls::kCertificate:
        case tls::kServerKeyExchange:
        case tls::kCertificateRequest:
        case tls::kCertificateVerify:
        case tls::kClientKeyExchange:
        case tls::kCertificateStatus: return h.length > 0 && h.length < (1u << 17);
        case tls::kServerHelloDone: return h.length == 0;
    }
    return false;
}

uint32_t clamp32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : uint32_t(v); }

}  // namespace

// ---- history -------------------------------------------------------------------

void TlsHistory::add(char upper, TlsDir from) {
    const char c = from == TlsDir::kClient ? upper : char(upper - 'A' + 'a');
    if (upper == 'D' && len_ > 0 && buf_[len_ - 1] == c) return;  // a run of records is one letter
    if (len_ == kCapacity) {
        buf_[kCapacity - 1] = '+';
        return;
    }
    buf_[len_++] = c;
}

// ---- stream --------------------------------------------------------------------

TlsStream::TlsStream(TlsSession& session, TlsDir dir, std::span<uint8_t> buffer)
    : s_(session), dir_(dir), buf_(buffer) {}

void TlsStream::anomaly(TlsVisitor& v, TlsAnomalyKind k, uint64_t offset, uint32_t detail, uint8_t hs_type,
                        bool stops) {
    ++stats_.anomalies;
    if (stops) mode_ = Mode::kStopped;
    TlsAnomaly a;
    a.from = dir_;
    a.offset = offset;
    a.kind = k;
    a.detail = detail;
    a.handshake_type = hs_type;
    a.stopped = stops;
    v.on_anomaly(a);
}

void TlsStream::reset_handshake() {
    hs_hdr_have_ = 0;
    hs_in_body_ = false;
    hs_type_ = 0;
    hs_len_ = 0;
    hs_have_ = 0;
    hs_skip_ = 0;
    hs_skip_record_ = false;
}

void TlsStream::feed(std::span<const uint8_t> data, TlsVisitor& v) {
    stats_.bytes += data.size();
    if (data.empty()) return;
    if (mode_ == Mode::kStopped) {
        pos_ += data.size();
        return;
    }
    if (mode_ == Mode::kHunting)
        hunt(data, v);
    else
        process(data, v);
}

void TlsStream::process(std::span<const uint8_t> data, TlsVisitor& v) {
    while (!data.empty()) {
        if (mode_ == Mode::kRecordHeader) {
            const size_t take = std::min<size_t>(tls::kRecordHeaderLength - hdr_have_, data.size());
            std::memcpy(hdr_ + hdr_have_, data.data(), take);
            hdr_have_ = uint8_t(hdr_have_ + take);
            pos_ += take;
            data = data.subspan(take);
            if (hdr_have_ < tls::kRecordHeaderLength) return;
            hdr_have_ = 0;
            auto h = parse_record_header(hdr_);
            if (!h.ok()) {
                uint32_t detail = hdr_[0];
                if (h.reason == TlsAnomalyKind::kBadRecordVersion) detail = uint32_t(hdr_[1] << 8 | hdr_[2]);
                if (h.reason == TlsAnomalyKind::kRecordTooLong || h.reason == TlsAnomalyKind::kEmptyRecord)
                    detail = uint32_t(hdr_[3] << 8 | hdr_[4]);
                anomaly(v, h.reason, pos_ - tls::kRecordHeaderLength, detail, 0, true);
                return;
            }
            start_record(h.value, v);
            if (mode_ == Mode::kStopped) return;
            if (rec_left_ == 0) {
                finish_record(v);
            } else {
                mode_ = Mode::kRecordBody;
            }
            continue;
        }
        if (mode_ != Mode::kRecordBody) return;  // stopped by the visitor
        const size_t take = std::min<size_t>(rec_left_, data.size());
        record_bytes(data.first(take), v);
        pos_ += take;
        rec_left_ -= uint32_t(take);
        data = data.subspan(take);
        if (mode_ == Mode::kStopped) return;
        if (rec_left_ == 0) finish_record(v);
    }
}

void TlsStream::start_record(const TlsRecordHeader& h, TlsVisitor& v) {
    rec_ = h;
    rec_offset_ = pos_ - tls::kRecordHeaderLength;
    rec_left_ = h.length;
    rec_damaged_ = false;
    small_have_ = 0;
    peek_ = false;
    ++stats_.records;

    const bool hs_in_progress = hs_hdr_have_ > 0 || hs_in_body_ || hs_skip_ > 0;
    if (h.type != tls::kHandshake && hs_in_progress && !enc_) {
        // RFC 5246 §6.2.1 / RFC 8446 §5.1: no other record between the fragments of a message.
        anomaly(v, TlsAnomalyKind::kInterleavedRecord, rec_offset_, h.type, hs_type_);
        reset_handshake();
    }
    switch (h.type) {
        case tls::kHandshake:
            if (enc_) {
                body_ = Body::kEncHandshake;
            } else {
                body_ = Body::kHandshake;
                peek_ = unsure_ && !hs_in_progress;
            }
            break;
        case tls::kAlert:
            if (h.length == 2) {
                body_ = Body::kAlert;  // a 2-byte alert is never encrypted
            } else if (enc_ || unsure_) {
                body_ = Body::kEncAlert;
            } else {
                body_ = Body::kSkip;
                anomaly(v, TlsAnomalyKind::kBadAlert, rec_offset_, h.length);
            }
            break;
        case tls::kChangeCipherSpec: body_ = Body::kCcs; break;
        case tls::kApplicationData: {
            // TLS 1.3 encrypts everything after ServerHello; a client offering
            // early_data may send 0-RTT records right after its ClientHello.
            const bool early = dir_ == TlsDir::kClient && s_.client_offered_early_data && s_.client_hello_seen &&
                               !s_.server_hello_seen;
            body_ = (s_.tls13_encrypted || early) && !enc_ ? Body::kTls13 : Body::kAppData;
            break;
        }
        case tls::kHeartbeat: body_ = Body::kHeartbeat; break;
        default: body_ = Body::kSkip; break;
    }
}

void TlsStream::record_bytes(std::span<const uint8_t> chunk, TlsVisitor& v) {
    switch (body_) {
        case Body::kHandshake: handshake_bytes(chunk, v); break;
        case Body::kAlert:
        case Body::kCcs: {
            const size_t take = std::min<size_t>(sizeof small_ - small_have_, chunk.size());
            std::memcpy(small_ + small_have_, chunk.data(), take);
            small_have_ = uint8_t(small_have_ + take);
            break;
        }
        default: break;  // opaque: counted, never buffered
    }
}

void TlsStream::finish_record(TlsVisitor& v) {
    mode_ = Mode::kRecordHeader;
    const uint64_t off = rec_offset_;
    switch (body_) {
        case Body::kHandshake:
            // A message may go on in the next record; one whose framing a gap broke does not.
            if (hs_skip_record_) reset_handshake();
            if (peek_) {
                // Shorter than a message header: too short to be encrypted.
                peek_ = false;
                unsure_ = false;
            }
            break;
        case Body::kEncHandshake: {
            TlsEncryptedHandshake e;
            e.record_length = rec_.length;
            if (enc_handshakes_++ == 0) {
                s_.finished_seen[uint8_t(dir_)] = true;
                history('F');
                v.on_finished(meta(e, off));
            } else {
                history('W');
                v.on_encrypted_handshake(meta(e, off));
            }
            break;
        }
        case Body::kAlert: {
            if (rec_damaged_) break;  // the gap was reported; the content is gone
            auto a = parse_alert(std::span<const uint8_t>(small_, 2));
            if (!a.ok()) {
                anomaly(v, TlsAnomalyKind::kBadAlert, off, small_[0]);
                break;
            }
            a.value.after_ccs = enc_;
            history('L');
            v.on_alert(meta(a.value, off));
            break;
        }
        case Body::kEncAlert: {
            TlsEncryptedAlert e;
            e.record_length = rec_.length;
            e.typical_length = tls_encrypted_alert_length_fits(s_.cipher_suite, s_.version, rec_.length);
            history('E');
            v.on_encrypted_alert(meta(e, off));
            break;
        }
        case Body::kCcs: {
            TlsChangeCipherSpec c;
            c.record_length = rec_.length;
            if (rec_.length == 1) {
                if (!rec_damaged_ && small_[0] != 1) {
                    anomaly(v, TlsAnomalyKind::kBadChangeCipherSpec, off, small_[0]);
                    break;
                }
                // TLS 1.3 (known from ServerHello or HelloRetryRequest, or a
                // client sending 0-RTT before ServerHello): compatibility only.
                c.tls13_compat = s_.tls13 || (dir_ == TlsDir::kClient && s_.client_offered_tls13 &&
                                               s_.client_hello_seen && !s_.server_hello_seen);
                if (!c.tls13_compat) {
                    enc_ = true;
                    unsure_ = false;
                    enc_handshakes_ = 0;
                    s_.ccs_seen[uint8_t(dir_)] = true;
                }
            } else if (!enc_ && !unsure_) {
                anomaly(v, TlsAnomalyKind::kBadChangeCipherSpec, off, rec_.length);
                break;
            }
            // Longer and already encrypted: a renegotiation's CCS, reported as is.
            history('I');
            v.on_change_cipher_spec(meta(c, off));
            break;
        }
        case Body::kAppData: {
            ++stats_.app_records;
            stats_.app_bytes += rec_.length;
            TlsApplicationData d;
            d.record_length = rec_.length;
            d.records = stats_.app_records;
            d.bytes = stats_.app_bytes;
            history('D');
            v.on_application_data(meta(d, off));
            break;
        }
        case Body::kTls13: {
            ++stats_.encrypted_records;
            TlsEncryptedRecord r;
            r.content_type = rec_.type;
            r.record_length = rec_.length;
            r.index = tls13_records_++;
            r.early_data = !s_.server_hello_seen;
            // TLSInnerPlaintext of an alert: 2 bytes + content type, then a 16- or 8-byte tag.
            r.likely_alert = rec_.length == 2 + 1 + 16 || rec_.length == 2 + 1 + 8;
            history('D');
            v.on_encrypted_record(meta(r, off));
            break;
        }
        case Body::kHeartbeat: {
            TlsRecordInfo r;
            r.type = rec_.type;
            r.version = rec_.version;
            r.length = rec_.length;
            history('B');
            v.on_heartbeat(meta(r, off));
            break;
        }
        case Body::kSkip: break;
    }
}

void TlsStream::handshake_bytes(std::span<const uint8_t> chunk, TlsVisitor& v) {
    const uint64_t base = pos_;
    const size_t total = chunk.size();
    while (!chunk.empty() && mode_ != Mode::kStopped) {
        if (hs_skip_record_) return;
        if (hs_skip_ > 0) {
            const size_t k = std::min<size_t>(hs_skip_, chunk.size());
            hs_skip_ -= uint32_t(k);
            chunk = chunk.subspan(k);
            if (hs_skip_ == 0) reset_handshake();
            continue;
        }
        if (!hs_in_body_) {
            if (hs_hdr_have_ == 0) hs_offset_ = base + (total - chunk.size());
            const size_t k = std::min<size_t>(tls::kHandshakeHeaderLength - hs_hdr_have_, chunk.size());
            std::memcpy(hs_hdr_ + hs_hdr_have_, chunk.data(), k);
            hs_hdr_have_ = uint8_t(hs_hdr_have_ + k);
            chunk = chunk.subspan(k);
            if (hs_hdr_have_ < tls::kHandshakeHeaderLength) return;
            const TlsHandshakeHeader h = parse_handshake_header(hs_hdr_).value;
            if (peek_) {
                peek_ = false;
                if (!plausible_clear_handshake(h, rec_.length)) {
                    // Picked up after this side's ChangeCipherSpec: the record is encrypted.
                    body_ = Body::kEncHandshake;
                    enc_ = true;
                    unsure_ = false;
                    reset_handshake();
                    return;
                }
                unsure_ = false;
            }
            hs_hdr_have_ = 0;
            hs_type_ = h.type;
            hs_len_ = h.length;
            if (hs_len_ > buf_.size()) {
                ++stats_.handshake_messages;
                history(letter_for(hs_type_));
                anomaly(v, TlsAnomalyKind::kMessageTooLarge, hs_offset_, hs_len_, hs_type_);
                hs_skip_ = hs_len_;  // skipped across records without buffering
                continue;
            }
            if (hs_len_ == 0) {
                dispatch(hs_type_, {}, v);
                reset_handshake();
                continue;
            }
            hs_in_body_ = true;
            hs_have_ = 0;
        }
        const uint32_t need = hs_len_ - hs_have_;
        if (hs_have_ == 0 && chunk.size() >= need) {
            // The whole body is here: parse it in place, no copy.
            dispatch(hs_type_, chunk.first(need), v);
            chunk = chunk.subspan(need);
            reset_handshake();
            continue;
        }
        // memmove: when replaying a resynchronisation the input is this same
        // buffer, always ahead of the write position.
        const size_t k = std::min<size_t>(need, chunk.size());
        std::memmove(buf_.data() + hs_have_, chunk.data(), k);
        hs_have_ += uint32_t(k);
        chunk = chunk.subspan(k);
        if (hs_have_ == hs_len_) {
            dispatch(hs_type_, buf_.first(hs_len_), v);
            reset_handshake();
        }
    }
}

void TlsStream::dispatch(uint8_t type, std::span<const uint8_t> body, TlsVisitor& v) {
    ++stats_.handshake_messages;
    const uint64_t off = hs_offset_;
    auto malformed = [&](uint32_t at) {
        history(letter_for(type));
        anomaly(v, TlsAnomalyKind::kMalformedHandshake, off, at, type);
    };
    switch (type) {
        case tls::kClientHello: {
            auto p = parse_client_hello(body);
            if (!p.ok()) return malformed(p.at);
            const TlsClientHello& h = p.value;
            s_.client_hello_seen = true;
            s_.client_offered_tls13 = h.offers_tls13();
            s_.client_offered_early_data = h.has_early_data;
            s_.client_max_version = h.max_supported_version ? h.max_supported_version : h.legacy_version;
            history('C');
            if (h.has_bad_extension) anomaly(v, TlsAnomalyKind::kMalformedExtension, off, h.bad_extension, type);
            v.on_client_hello(meta(h, off));
            return;
        }
        case tls::kServerHello: {
            auto p = parse_server_hello(body);
            if (!p.ok()) return malformed(p.at);
            const TlsServerHello& h = p.value;
            s_.version = h.version;
            s_.cipher_suite = h.cipher_suite;
            s_.tls13 = h.tls13;
            if (h.hello_retry_request) {
                s_.hello_retry_request = true;
                history('J');
            } else {
                s_.server_hello_seen = true;
                if (h.tls13) s_.tls13_encrypted = true;
                history('S');
            }
            if (h.has_bad_extension) anomaly(v, TlsAnomalyKind::kMalformedExtension, off, h.bad_extension, type);
            v.on_server_hello(meta(h, off));
            return;
        }
        case tls::kCertificate: {
            auto p = parse_certificate(body);
            if (!p.ok()) return malformed(p.at);
            history('X');
            v.on_certificate(meta(p.value, off));
            return;
        }
        case tls::kCertificateRequest: {
            auto p = parse_certificate_request(body, s_.version);
            if (!p.ok()) return malformed(p.at);
            history('R');
            v.on_certificate_request(meta(p.value, off));
            return;
        }
        case tls::kServerKeyExchange: {
            auto p = parse_server_key_exchange(body, s_.version);
            if (!p.ok()) return malformed(p.at);
            history('K');
            v.on_server_key_exchange(meta(p.value, off));
            return;
        }
        case tls::kServerHelloDone: {
            if (!body.empty()) return malformed(0);
            TlsHandshakeMsg m;
            m.type = type;
            history('N');
            v.on_server_hello_done(meta(m, off));
            return;
        }
        case tls::kClientKeyExchange: {
            auto p = parse_client_key_exchange(body);
            if (!p.ok()) return malformed(p.at);
            history('G');
            v.on_client_key_exchange(meta(p.value, off));
            return;
        }
        case tls::kCertificateVerify: {
            auto p = parse_certificate_verify(body, s_.version);
            if (!p.ok()) return malformed(p.at);
            history('Y');
            v.on_certificate_verify(meta(p.value, off));
            return;
        }
        case tls::kNewSessionTicket: {
            auto p = parse_new_session_ticket(body);
            if (!p.ok()) return malformed(p.at);
            history('T');
            v.on_new_session_ticket(meta(p.value, off));
            return;
        }
        default: {
            TlsHandshakeMsg m;
            m.type = type;
            m.length = uint32_t(body.size());
            m.body = body;
            history(letter_for(type));
            v.on_other_handshake(meta(m, off));
            return;
        }
    }
}

// ---- gaps, resynchronisation, end ----------------------------------------------

void TlsStream::gap(uint64_t lost, TlsVisitor& v) {
    stats_.bytes += lost;
    if (lost == 0) return;
    if (mode_ == Mode::kStopped) {
        pos_ += lost;
        return;
    }
    if (mode_ == Mode::kHunting) {
        // Bytes before the gap cannot be checked against bytes after it.
        anomaly(v, TlsAnomalyKind::kGap, hunt_base_ + hunt_len_, clamp32(lost));
        hunted_ += hunt_len_;
        stats_.skipped_bytes += hunt_len_;
        hunt_base_ += hunt_len_ + lost;
        hunt_len_ = 0;
        return;
    }
    const uint64_t at = pos_;
    if (mode_ == Mode::kRecordBody && lost <= rec_left_) {
        // Inside the current record: the next header is still where it was.
        anomaly(v, TlsAnomalyKind::kGap, at, clamp32(lost));
        if (mode_ == Mode::kStopped) return;
        rec_damaged_ = true;
        if (body_ == Body::kHandshake) {
            peek_ = false;
            if (hs_in_body_ && lost < hs_len_ - hs_have_) {
                hs_skip_ = hs_len_ - hs_have_ - uint32_t(lost);  // the message is lost, the next one is not
                hs_in_body_ = false;
                hs_have_ = 0;
            } else if (hs_in_body_ && lost == hs_len_ - hs_have_) {
                reset_handshake();
            } else if (hs_skip_ > lost) {
                hs_skip_ -= uint32_t(lost);
            } else if (hs_skip_ == lost && hs_skip_ > 0) {
                reset_handshake();
            } else {
                reset_handshake();
                hs_skip_record_ = true;  // a message header fell in the gap
            }
        }
        pos_ += lost;
        rec_left_ -= uint32_t(lost);
        if (rec_left_ == 0) finish_record(v);
        return;
    }
    anomaly(v, TlsAnomalyKind::kGap, at, clamp32(lost));
    if (mode_ == Mode::kStopped) return;
    hdr_have_ = 0;
    reset_handshake();
    mode_ = Mode::kHunting;
    hunt_len_ = 0;
    hunt_base_ = pos_ + lost;
    hunted_ = 0;
    pos_ += lost;
}

void TlsStream::resync() {
    hunt_base_ = mode_ == Mode::kHunting ? hunt_base_ + hunt_len_ : pos_;
    mode_ = Mode::kHunting;
    hunt_len_ = 0;
    hunted_ = 0;
    hdr_have_ = 0;
    reset_handshake();
    unsure_ = true;
    s_.midstream = true;
}

void TlsStream::hunt(std::span<const uint8_t> data, TlsVisitor& v) {
    while (mode_ == Mode::kHunting) {
        if (buf_.size() < 2 * tls::kRecordHeaderLength + 1) {
            anomaly(v, TlsAnomalyKind::kResyncFailed, hunt_base_, 0, 0, true);
            return;
        }
        const size_t take = std::min(buf_.size() - hunt_len_, data.size());
        if (take) std::memcpy(buf_.data() + hunt_len_, data.data(), take);
        hunt_len_ += take;
        data = data.subspan(take);

        const TlsBoundary r = find_record_boundary(buf_.first(hunt_len_));
        size_t drop = r.offset;
        bool accept = r.kind == TlsBoundary::Kind::kFound;
        // A candidate whose record cannot fit this buffer can never be checked: take it.
        if (r.kind == TlsBoundary::Kind::kNeedMore && r.offset == 0 && hunt_len_ == buf_.size()) accept = true;
        if (accept) {
            const size_t start = r.offset;
            hunted_ += start;
            stats_.skipped_bytes += start;
            anomaly(v, TlsAnomalyKind::kResynced, hunt_base_ + start, clamp32(hunted_));
            if (mode_ == Mode::kStopped) return;
            hunted_ = 0;
            mode_ = Mode::kRecordHeader;
            hdr_have_ = 0;
            reset_handshake();
            pos_ = hunt_base_ + start;
            const size_t n = hunt_len_ - start;
            std::memmove(buf_.data(), buf_.data() + start, n);
            hunt_len_ = 0;
            hunt_base_ = pos_ + n;
            // The replayed bytes sit at the front of buf_, which the handshake
            // layer also writes: its write position never passes the read one.
            process(std::span<const uint8_t>(buf_.data(), n), v);
            if (!data.empty() && mode_ != Mode::kStopped) process(data, v);
            return;
        }
        if (drop) {
            std::memmove(buf_.data(), buf_.data() + drop, hunt_len_ - drop);
            hunt_len_ -= drop;
            hunt_base_ += drop;
            hunted_ += drop;
            stats_.skipped_bytes += drop;
        }
        if (hunted_ > kMaxResyncBytes) {
            anomaly(v, TlsAnomalyKind::kResyncFailed, hunt_base_, clamp32(hunted_), 0, true);
            return;
        }
        if (data.empty()) return;
    }
}

void TlsStream::end(TlsVisitor& v) {
    if (mode_ == Mode::kStopped) return;
    if (mode_ == Mode::kRecordBody) {
        anomaly(v, TlsAnomalyKind::kTruncatedAtEnd, rec_offset_, rec_left_, hs_in_body_ ? hs_type_ : 0, true);
    } else if (mode_ == Mode::kRecordHeader && hdr_have_ > 0) {
        anomaly(v, TlsAnomalyKind::kTruncatedAtEnd, pos_ - hdr_have_, tls::kRecordHeaderLength - hdr_have_, 0, true);
    } else if (mode_ == Mode::kRecordHeader && (hs_in_body_ || hs_hdr_have_ > 0 || hs_skip_ > 0)) {
        // Records complete, but a handshake message was still waiting for its next fragment.
        const uint32_t missing = hs_in_body_ ? hs_len_ - hs_have_ : hs_skip_ ? hs_skip_ : 4u - hs_hdr_have_;
        anomaly(v, TlsAnomalyKind::kTruncatedAtEnd, hs_offset_, missing, hs_type_, true);
    }
    mode_ = Mode::kStopped;
}

}  // namespace cs
