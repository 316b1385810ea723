// tls_stream: TLS as one direction of a TCP connection delivers it. TlsStream
// consumes that direction's in-order bytes in arbitrary chunks, frames records,
// reassembles handshake messages (across records, several per record) in a
// bounded buffer the caller lends, and reports each message to a TlsVisitor.
// TlsSession is what both directions of one connection share (negotiated
// version and suite, who sent ChangeCipherSpec) plus the message history.
#pragma once
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "workers/tls_parser.h"

namespace cs {

// The connection's TLS story in letters, Zeek ssl_history style: one letter per
// message, UPPERCASE when the client sent it, lowercase when the server did, in
// wire order (both directions append to the same history as the caller feeds
// them). Fixed size, no heap; when full, the last letter becomes '+'.
//
//   C client_hello            S server_hello             J hello_retry_request
//   X certificate             K server_key_exchange      R certificate_request
//   N server_hello_done       G client_key_exchange      Y certificate_verify
//   T new_session_ticket      H hello_request            U certificate_status
//   Z other handshake type    I change_cipher_spec (also TLS 1.3 compat)
//   F finished (TLS <= 1.2: first encrypted handshake record after CCS)
//   W later encrypted handshake record (renegotiation)
//   L alert in clear          E encrypted alert (type 21 after CCS)
//   D application_data record; in TLS 1.3 every encrypted record after
//     ServerHello (handshake and data look alike). A run of D from one side
//     is one letter.
//   B heartbeat
// A message gets its letter even when it is too large for the buffer or
// malformed (the anomaly says which).
//
// A healthy TLS 1.2 mutual-TLS handshake with a close reads
// "CsxkrnXGYIFtifDdEe"; TLS-1 of the catalog (the on-prem server rejects the
// cloud's certificate) "CsxkrnXGYIFl"; TLS-3 (the client rejects the server's)
// "CsxkrnL"; TLS 1.3 "Csid" + "ID" + ... (encrypted from ServerHello on).
class TlsHistory {
public:
    static constexpr size_t kCapacity = 48;

    void add(char upper, TlsDir from);
    std::string_view view() const { return {buf_, len_}; }
    size_t size() const { return len_; }
    bool full() const { return len_ == kCapacity; }

private:
    char buf_[kCapacity] = {};
    uint8_t len_ = 0;
};

// Shared by the client and server TlsStream of one connection. Both streams
// write it; the caller reads it (the analyzer's view of the negotiation).
struct TlsSession {
    bool client_hello_seen = false;
    bool server_hello_seen = false;      // a real ServerHello (not a HelloRetryRequest)
    bool hello_retry_request = false;
    bool client_offered_tls13 = false;
    bool client_offered_early_data = false;
    uint16_t client_max_version = 0;     // highest the client offered (supported_versions, else legacy)
    uint16_t version = 0;                // negotiated (ServerHello), 0 until known
    uint16_t cipher_suite = 0;           // chosen (ServerHello), 0 until known
    bool tls13 = false;                  // TLS 1.3 negotiated (ServerHello or HelloRetryRequest)
    bool tls13_encrypted = false;        // TLS 1.3 ServerHello seen: both directions are encrypted
    bool ccs_seen[2] = {false, false};   // per TlsDir: sent a (non-compat) ChangeCipherSpec
    bool finished_seen[2] = {false, false};
    bool midstream = false;              // a direction was picked up mid-connection
    TlsHistory history;
};

// One callback per message kind. Every struct carries `from` and `offset`
// (TlsMeta); spans inside point into the caller's data or the stream's buffer
// and are valid only during the call. Defaults do nothing.
class TlsVisitor {
public:
    virtual ~TlsVisitor() = default;
    virtual void on_client_hello(const TlsClientHello&) {}
    virtual void on_server_hello(const TlsServerHello&) {}          // HelloRetryRequest too (flag)
    virtual void on_certificate(const TlsCertificate&) {}          // either side
    virtual void on_certificate_request(const TlsCertificateRequest&) {}
    virtual void on_server_key_exchange(const TlsServerKeyExchange&) {}
    virtual void on_server_hello_done(const TlsHandshakeMsg&) {}
    virtual void on_client_key_exchange(const TlsClientKeyExchange&) {}
    virtual void on_certificate_verify(const TlsCertificateVerify&) {}
    virtual void on_new_session_ticket(const TlsNewSessionTicket&) {}
    virtual void on_other_handshake(const TlsHandshakeMsg&) {}     // hello_request, certificate_status, unknown
    virtual void on_change_cipher_spec(const TlsChangeCipherSpec&) {}
    virtual void on_finished(const TlsEncryptedHandshake&) {}      // TLS <= 1.2, first handshake record after CCS
    virtual void on_encrypted_handshake(const TlsEncryptedHandshake&) {}  // later ones
    virtual void on_alert(const TlsAlert&) {}                      // in clear
    virtual void on_encrypted_alert(const TlsEncryptedAlert&) {}
    virtual void on_application_data(const TlsApplicationData&) {} // TLS <= 1.2
    virtual void on_encrypted_record(const TlsEncryptedRecord&) {} // TLS 1.3
    virtual void on_heartbeat(const TlsRecordInfo&) {}
    // `stopped`: this direction parses no more (framing lost or given up).
    virtual void on_anomaly(const TlsAnomaly&) {}
};

struct TlsStreamStats {
    uint64_t bytes = 0;                 // fed, gaps included
    uint64_t records = 0;
    uint64_t handshake_messages = 0;    // cleartext ones
    uint64_t app_records = 0, app_bytes = 0;   // TLS <= 1.2 application_data
    uint64_t encrypted_records = 0;     // TLS 1.3 encrypted records
    uint64_t anomalies = 0;
    uint64_t skipped_bytes = 0;         // scanned past while resynchronising
};

class TlsStream {
public:
    // Bytes scanned in search of a record boundary before giving up.
    static constexpr uint64_t kMaxResyncBytes = 64 * 1024;

    // `buffer` (e.g. 32 KiB from a per-worker pool) holds one partial handshake
    // message, or the bytes being searched when resynchronising; it must outlive
    // the stream. Handshake messages larger than it are reported and skipped.
    TlsStream(TlsSession& session, TlsDir dir, std::span<uint8_t> buffer);

    // The next in-order bytes of this direction.
    void feed(std::span<const uint8_t> bytes, TlsVisitor& v);
    // `lost` bytes of this direction will never arrive (reassembly gap). Inside
    // the current record framing survives; otherwise the stream resynchronises.
    void gap(uint64_t lost, TlsVisitor& v);
    // Mid-connection pick-up: the next bytes start anywhere. Search for a record
    // boundary (find_record_boundary) before parsing.
    void resync();
    // The direction ended (FIN/RST/end of capture): a partial record is reported.
    void end(TlsVisitor& v);
    // The visitor may call this from a callback: nothing more is parsed.
    void stop() { mode_ = Mode::kStopped; }

    // The buffer holds bytes only for a handshake message split across chunks
    // or records, or while resynchronising.
    bool buffer_in_use() const { return hs_have_ > 0 || (mode_ == Mode::kHunting && hunt_len_ > 0); }
    // Swap the lent buffer when it is not in use, e.g. give it back to the pool
    // (empty span) once both sides are encrypted: an encrypted direction never
    // buffers again (later cleartext handshake messages or a resync would then
    // count as too large / fail). False, and nothing changes, while in use.
    bool set_buffer(std::span<uint8_t> buffer) {
        if (buffer_in_use()) return false;
        buf_ = buffer;
        return true;
    }

    bool stopped() const { return mode_ == Mode::kStopped; }
    bool resynchronising() const { return mode_ == Mode::kHunting; }
    bool encrypted() const { return enc_; }  // TLS <= 1.2: this side sent ChangeCipherSpec
    TlsDir dir() const { return dir_; }
    const TlsStreamStats& stats() const { return stats_; }

private:
    enum class Mode : uint8_t { kRecordHeader, kRecordBody, kHunting, kStopped };
    // What to do with the current record's payload.
    enum class Body : uint8_t { kHandshake, kEncHandshake, kAlert, kEncAlert, kCcs, kAppData, kTls13, kHeartbeat,
                                kSkip };

    void process(std::span<const uint8_t> data, TlsVisitor& v);
    void hunt(std::span<const uint8_t> data, TlsVisitor& v);
    void start_record(const TlsRecordHeader& h, TlsVisitor& v);
    void record_bytes(std::span<const uint8_t> chunk, TlsVisitor& v);
    void finish_record(TlsVisitor& v);
    void handshake_bytes(std::span<const uint8_t> chunk, TlsVisitor& v);
    void dispatch(uint8_t type, std::span<const uint8_t> body, TlsVisitor& v);
    void reset_handshake();
    void anomaly(TlsVisitor& v, TlsAnomalyKind k, uint64_t offset, uint32_t detail, uint8_t hs_type = 0,
                 bool stops = false);
    void history(char upper) { s_.history.add(upper, dir_); }
    template <class T>
    T meta(T value, uint64_t offset) const {
        value.from = dir_;
        value.offset = offset;
        return value;
    }

    TlsSession& s_;
    const TlsDir dir_;
    std::span<uint8_t> buf_;
    Mode mode_ = Mode::kRecordHeader;
    TlsStreamStats stats_;
    uint64_t pos_ = 0;              // stream offset of the next byte process() sees

    // Record layer.
    uint8_t hdr_[5] = {};
    uint8_t hdr_have_ = 0;
    TlsRecordHeader rec_;
    uint64_t rec_offset_ = 0;
    uint32_t rec_left_ = 0;
    Body body_ = Body::kSkip;
    bool rec_damaged_ = false;      // a gap fell inside this record
    uint8_t small_[2] = {};         // alert / CCS payload
    uint8_t small_have_ = 0;

    // Direction state.
    bool enc_ = false;              // TLS <= 1.2: own CCS sent, records are encrypted
    bool unsure_ = false;           // picked up mid-stream: cleartext or encrypted not yet known
    bool peek_ = false;             // unsure_: decide this handshake record by its first 4 bytes
    uint32_t enc_handshakes_ = 0;   // encrypted handshake records after CCS
    uint32_t tls13_records_ = 0;

    // Handshake layer.
    uint8_t hs_hdr_[4] = {};
    uint8_t hs_hdr_have_ = 0;
    bool hs_in_body_ = false;       // header read, body under way
    uint8_t hs_type_ = 0;
    uint32_t hs_len_ = 0;
    uint32_t hs_have_ = 0;          // body bytes in buf_
    uint64_t hs_offset_ = 0;
    uint32_t hs_skip_ = 0;          // body bytes still to skip (too large or damaged)
    bool hs_skip_record_ = false;   // lost the message framing: skip to the end of this record

    // Resynchronisation: buf_[0..hunt_len_) holds bytes from stream offset hunt_base_.
    size_t hunt_len_ = 0;
    uint64_t hunt_base_ = 0;
    uint64_t hunted_ = 0;           // bytes dropped in this search
};

}  // namespace cs
