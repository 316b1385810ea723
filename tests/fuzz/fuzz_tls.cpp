// libFuzzer target for the TLS parser and TlsStream: any bytes, as one
// direction (client or server, from the start or picked up mid-stream) or as a
// framed two-direction conversation with gaps, through a small buffer. The
// visitor checks that every span it is handed lies inside the input or the
// stream's buffer and reads all of it, so an over-read trips ASan.
//
// Input: byte 0 = flags (bits 0-2 buffer size, bit 3 pick-up, bit 4 framed,
// bit 5 server direction in single mode), then the bytes. Framed: records of
// [dir|gap flags][length][length bytes] (gap: the length is the bytes lost).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

// Compiled into this unit so the fuzz build instruments them (see fuzz_decode).
#include "workers/tls_parser.cpp"
#include "workers/tls_stream.cpp"

namespace {

struct Region {
    const uint8_t* lo;
    size_t n;
};

struct CheckingVisitor : cs::TlsVisitor {
    Region regions[3] = {};
    volatile uint8_t sink = 0;

    void span(std::span<const uint8_t> s) {
        if (s.empty()) return;
        bool inside = false;
        for (const Region& r : regions)
            if (r.lo && s.data() >= r.lo && s.data() + s.size() <= r.lo + r.n) inside = true;
        if (!inside) std::abort();
        for (uint8_t b : s) sink = uint8_t(sink + b);
    }
    void on_client_hello(const cs::TlsClientHello& h) override {
        for (auto s : {h.random, h.session_id, h.cipher_suites, h.compression_methods, h.extensions, h.sni, h.alpn,
                       h.alpn_first, h.supported_versions})
            span(s);
        if (h.cipher_suites.size() != 2u * h.cipher_suite_count) std::abort();
    }
    void on_server_hello(const cs::TlsServerHello& h) override {
        for (auto s : {h.random, h.session_id, h.extensions, h.alpn}) span(s);
        if (h.random.size() != 32) std::abort();
    }
    void on_certificate(const cs::TlsCertificate& c) override {
        span(c.list);
        uint32_t n = 0;
        for (auto der : c) {
            span(der);
            ++n;
        }
        if (n != c.count) std::abort();
    }
    void on_certificate_request(const cs::TlsCertificateRequest& r) override {
        span(r.cert_types);
        span(r.signature_algorithms);
        span(r.distinguished_names);
    }
    void on_server_key_exchange(const cs::TlsServerKeyExchange& k) override { span(k.body); }
    void on_server_hello_done(const cs::TlsHandshakeMsg& m) override { span(m.body); }
    void on_other_handshake(const cs::TlsHandshakeMsg& m) override {
        span(m.body);
        if (m.body.size() != m.length) std::abort();
    }
    void on_alert(const cs::TlsAlert& a) override {
        if (a.level != 1 && a.level != 2) std::abort();
        sink = uint8_t(sink + cs::tls_alert_description_name(a.description)[0]);
    }
    void on_anomaly(const cs::TlsAnomaly& a) override {
        if (int(a.kind) <= 0 || int(a.kind) >= int(cs::TlsAnomalyKind::kCount)) std::abort();
    }
};

// The pure parsers on the raw input too: they must not read past it.
void parsers_direct(std::span<const uint8_t> d) {
    (void)cs::looks_like_tls(d);
    auto b = cs::find_record_boundary(d, 4096);
    if (b.offset > d.size()) std::abort();
    (void)cs::parse_record_header(d);
    (void)cs::parse_handshake_message(d);
    (void)cs::parse_client_hello(d);
    (void)cs::parse_server_hello(d);
    (void)cs::parse_certificate(d);
    (void)cs::parse_certificate_request(d, 0);
    (void)cs::parse_certificate_request(d, 0x0301);
    (void)cs::parse_server_key_exchange(d, 0);
    (void)cs::parse_client_key_exchange(d);
    (void)cs::parse_certificate_verify(d, 0);
    (void)cs::parse_new_session_ticket(d);
    (void)cs::parse_alert(d);
    (void)cs::parse_change_cipher_spec(d);
    if (d.size() >= 4) {
        uint16_t suite = uint16_t(d[0] << 8 | d[1]);
        (void)cs::tls_encrypted_alert_length_fits(suite, uint16_t(d[2] << 8 | d[3]), uint32_t(d.size()));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    static const size_t kBuffers[8] = {0, 11, 64, 300, 1024, 4096, 16384 + 64, 40000};
    const uint8_t flags = data[0];
    const std::span<const uint8_t> in(data + 1, size - 1);
    parsers_direct(in);

    std::vector<uint8_t> cbuf(kBuffers[flags & 7]), sbuf(kBuffers[flags & 7]);
    cs::TlsSession session;
    cs::TlsStream client(session, cs::TlsDir::kClient, cbuf);
    cs::TlsStream server(session, cs::TlsDir::kServer, sbuf);
    CheckingVisitor v;
    v.regions[0] = {in.data(), in.size()};
    v.regions[1] = {cbuf.data(), cbuf.size()};
    v.regions[2] = {sbuf.data(), sbuf.size()};
    if (flags & 0x08) {
        client.resync();
        server.resync();
    }

    if (flags & 0x10) {
        size_t i = 0;
        while (i + 2 <= in.size()) {
            const uint8_t ctl = in[i];
            size_t len = in[i + 1];
            i += 2;
            cs::TlsStream& s = (ctl & 1) ? server : client;
            if (ctl & 2) {
                s.gap(len * 37 + 1, v);  // gaps of up to ~9 KiB, inside or across records
                continue;
            }
            len = std::min(len, in.size() - i);
            s.feed(in.subspan(i, len), v);
            i += len;
        }
    } else {
        cs::TlsStream& s = (flags & 0x20) ? server : client;
        // Chunk sizes from a tiny generator seeded by the flags: every split must be handled.
        uint32_t x = flags * 2654435761u + uint32_t(size);
        size_t i = 0;
        while (i < in.size()) {
            x = x * 1103515245u + 12345u;
            size_t n = std::min<size_t>(1 + (x >> 16) % 700, in.size() - i);
            s.feed(in.subspan(i, n), v);
            i += n;
        }
    }
    client.end(v);
    server.end(v);
    if (!client.stopped() || !server.stopped()) std::abort();
    if (session.history.size() > cs::TlsHistory::kCapacity) std::abort();
    if (client.stats().skipped_bytes > client.stats().bytes || server.stats().skipped_bytes > server.stats().bytes)
        std::abort();
    return 0;
}
