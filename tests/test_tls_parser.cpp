// TLS parser and TlsStream, fed with handshakes real OpenSSL endpoints make
// (two SSL objects over memory BIOs, throwaway RSA/EC PKIs built here), split
// into random chunk sizes, and with malformed, truncated, resynchronised and
// gapped versions of the same bytes. What OpenSSL itself parsed or sent (its
// ClientHello callback, peer chains, info callback alerts) is the reference.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "workers/tls_parser.h"
#include "workers/tls_stream.h"

using namespace cs;

namespace {

using Bytes = std::vector<uint8_t>;
Bytes to_bytes(std::span<const uint8_t> s) { return Bytes(s.begin(), s.end()); }
std::string to_str(std::span<const uint8_t> s) { return std::string(s.begin(), s.end()); }
const char* side(TlsDir d) { return d == TlsDir::kClient ? "c" : "s"; }

// ---- a throwaway PKI ------------------------------------------------------------

struct Pem {
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
};

X509* make_cert(EVP_PKEY* key, const char* cn, const Pem* issuer, bool ca, long serial) {
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400);
    X509_set_pubkey(x, key);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer->cert : x, x, nullptr, nullptr, 0);
    std::string san = std::string("DNS:") + cn;
    const std::pair<int, const char*> exts[] = {
        {NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE"},
        {NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature,keyEncipherment"},
        {NID_subject_alt_name, ca ? nullptr : san.c_str()},
    };
    for (auto [nid, value] : exts) {
        if (!value) continue;
        X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(x, issuer ? issuer->key : key, EVP_sha256());
    return x;
}

Bytes der_of(X509* x) {
    unsigned char* p = nullptr;
    int n = i2d_X509(x, &p);
    Bytes b(p, p + n);
    OPENSSL_free(p);
    return b;
}

// Server: RSA leaf under an RSA root (sends 2 certs). Client: EC leaf under an
// EC intermediate under an EC root (sends 3 certs).
struct Pki {
    Pem server_root, server_leaf, client_root, client_inter, client_leaf;
    Pki() {
        server_root.key = EVP_RSA_gen(2048);
        server_root.cert = make_cert(server_root.key, "Test Server Root CA", nullptr, true, 1);
        server_leaf.key = EVP_RSA_gen(2048);
        server_leaf.cert = make_cert(server_leaf.key, "expressway.example.com", &server_root, false, 2);
        client_root.key = EVP_EC_gen("P-256");
        client_root.cert = make_cert(client_root.key, "Test Client Root CA", nullptr, true, 3);
        client_inter.key = EVP_EC_gen("P-256");
        client_inter.cert = make_cert(client_inter.key, "Test Client ICA", &client_root, true, 4);
        client_leaf.key = EVP_EC_gen("P-256");
        client_leaf.cert = make_cert(client_leaf.key, "callservice.example.com", &client_inter, false, 5);
    }
};
const Pki& pki() {
    static const Pki* p = new Pki();  // generated once for the whole test binary
    return *p;
}

// ---- two OpenSSL endpoints over memory BIOs ----------------------------------------

struct Segment {
    TlsDir dir;
    Bytes bytes;
};

// What OpenSSL's own ClientHello parser saw (the reference for ours).
struct HelloSeen {
    bool seen = false;
    unsigned legacy_version = 0;
    Bytes ciphers, compression, session_id, random;
    std::vector<int> extensions;
};

struct AlertSent {
    TlsDir from;
    int level, description;
};

struct Options {
    int max_version = TLS1_2_VERSION;
    bool server_trusts_client = true;
    bool client_trusts_server = true;
    bool client_cert = true;
    const char* cipher_list = nullptr;   // TLS 1.2 suites
    const char* client_groups = nullptr;
    const char* server_groups = nullptr;
    bool no_etm = false;
    bool app_data = true;
    bool close = true;
    const struct Conn* resume_from = nullptr;  // same contexts, resume its session
};

// The verify callback keeps OpenSSL's verdict: an untrusted root fails it.
int verify_keep(int preverify_ok, X509_STORE_CTX*) { return preverify_ok; }

const char kRequest[] = "OPTIONS sip:callservice.example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n";
const char kResponse[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

struct Conn {
    SSL_CTX* cctx = nullptr;
    SSL_CTX* sctx = nullptr;
    SSL* c = nullptr;
    SSL* s = nullptr;
    BIO *c_out = nullptr, *s_out = nullptr;  // what each side wrote
    std::vector<Segment> wire;
    HelloSeen hello;
    std::vector<AlertSent> alerts;
    bool client_ok = false, server_ok = false;

    static int hello_cb(SSL* ssl, int*, void* arg) {
        auto* h = static_cast<HelloSeen*>(arg);
        if (h->seen) return SSL_CLIENT_HELLO_SUCCESS;  // keep the first (before a HelloRetryRequest)
        h->seen = true;
        h->legacy_version = SSL_client_hello_get0_legacy_version(ssl);
        const unsigned char* p = nullptr;
        size_t n = SSL_client_hello_get0_ciphers(ssl, &p);
        h->ciphers.assign(p, p + n);
        n = SSL_client_hello_get0_compression_methods(ssl, &p);
        h->compression.assign(p, p + n);
        n = SSL_client_hello_get0_session_id(ssl, &p);
        h->session_id.assign(p, p + n);
        n = SSL_client_hello_get0_random(ssl, &p);
        h->random.assign(p, p + n);
        int* ext = nullptr;
        size_t next = 0;
        if (SSL_client_hello_get1_extensions_present(ssl, &ext, &next)) {
            h->extensions.assign(ext, ext + next);
            OPENSSL_free(ext);
        }
        return SSL_CLIENT_HELLO_SUCCESS;
    }
    static void info_cb(const SSL* ssl, int where, int ret) {
        if (!(where & SSL_CB_ALERT) || !(where & SSL_CB_WRITE)) return;  // READ_ALERT shares the ALERT bit
        auto* conn = static_cast<Conn*>(SSL_get_app_data(ssl));
        conn->alerts.push_back({SSL_is_server(const_cast<SSL*>(ssl)) ? TlsDir::kServer : TlsDir::kClient, ret >> 8,
                                ret & 0xff});
    }

    Conn(const Conn&) = delete;
    Conn& operator=(const Conn&) = delete;
    explicit Conn(const Options& o) {
        const Pki& k = pki();
        if (o.resume_from) {
            sctx = o.resume_from->sctx;
            cctx = o.resume_from->cctx;
            SSL_CTX_up_ref(sctx);
            SSL_CTX_up_ref(cctx);
            start(o);
            return;
        }
        sctx = SSL_CTX_new(TLS_server_method());
        cctx = SSL_CTX_new(TLS_client_method());
        for (SSL_CTX* ctx : {sctx, cctx}) {
            SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
            SSL_CTX_set_max_proto_version(ctx, o.max_version);
            SSL_CTX_set_info_callback(ctx, info_cb);
            if (o.cipher_list) SSL_CTX_set_cipher_list(ctx, o.cipher_list);
            if (o.no_etm) SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
        }
        if (o.client_groups) SSL_CTX_set1_groups_list(cctx, o.client_groups);
        if (o.server_groups) SSL_CTX_set1_groups_list(sctx, o.server_groups);

        SSL_CTX_use_certificate(sctx, k.server_leaf.cert);
        SSL_CTX_use_PrivateKey(sctx, k.server_leaf.key);
        SSL_CTX_add1_chain_cert(sctx, k.server_root.cert);
        SSL_CTX_set_verify(sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_keep);
        SSL_CTX_add_client_CA(sctx, k.client_root.cert);
        if (o.server_trusts_client) X509_STORE_add_cert(SSL_CTX_get_cert_store(sctx), k.client_root.cert);
        SSL_CTX_set_client_hello_cb(sctx, hello_cb, &hello);
        // Needed to resume sessions when the server verifies clients.
        static const unsigned char sid_ctx[] = "callsentry-test";
        SSL_CTX_set_session_id_context(sctx, sid_ctx, sizeof sid_ctx - 1);

        if (o.client_cert) {
            SSL_CTX_use_certificate(cctx, k.client_leaf.cert);
            SSL_CTX_use_PrivateKey(cctx, k.client_leaf.key);
            SSL_CTX_add1_chain_cert(cctx, k.client_inter.cert);
            SSL_CTX_add1_chain_cert(cctx, k.client_root.cert);
        }
        SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, verify_keep);
        if (o.client_trusts_server) X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), k.server_root.cert);
        start(o);
    }

    void start(const Options& o) {
        c = SSL_new(cctx);
        s = SSL_new(sctx);
        SSL_set_app_data(c, this);
        SSL_set_app_data(s, this);
        BIO* c_in = BIO_new(BIO_s_mem());
        BIO* s_in = BIO_new(BIO_s_mem());
        c_out = BIO_new(BIO_s_mem());
        s_out = BIO_new(BIO_s_mem());
        SSL_set_bio(c, c_in, c_out);
        SSL_set_bio(s, s_in, s_out);
        SSL_set_connect_state(c);
        SSL_set_accept_state(s);
        SSL_set_tlsext_host_name(c, "callservice.example.com");
        static const unsigned char alpn[] = {3, 's', 'i', 'p', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
        SSL_set_alpn_protos(c, alpn, sizeof alpn);
        if (o.resume_from) {
            SSL_SESSION* sess = SSL_get1_session(o.resume_from->c);
            SSL_set_session(c, sess);
            SSL_SESSION_free(sess);
        }

        handshake();
        if (client_ok && server_ok && o.app_data) {
            SSL_write(c, kRequest, int(std::strlen(kRequest)));
            pump();
            char buf[4096];
            SSL_read(s, buf, sizeof buf);
            SSL_write(s, kResponse, int(std::strlen(kResponse)));
            pump();
            SSL_read(c, buf, sizeof buf);
            pump();
        }
        if (client_ok && server_ok && o.close) {
            SSL_shutdown(c);
            pump();
            SSL_shutdown(s);
            pump();
        }
    }
    ~Conn() {
        SSL_free(c);
        SSL_free(s);
        SSL_CTX_free(cctx);
        SSL_CTX_free(sctx);
    }

    // Moves what each side wrote to the other, recording it in wire order.
    void pump() {
        move(c_out, s, TlsDir::kClient);
        move(s_out, c, TlsDir::kServer);
    }
    void move(BIO* from, SSL* to, TlsDir dir) {
        Bytes seg;
        char buf[16384];
        int n;
        while ((n = BIO_read(from, buf, sizeof buf)) > 0) seg.insert(seg.end(), buf, buf + n);
        if (seg.empty()) return;
        BIO_write(SSL_get_rbio(to), seg.data(), int(seg.size()));
        wire.push_back({dir, std::move(seg)});
    }
    void handshake() {
        bool c_fail = false, s_fail = false;
        for (int i = 0; i < 32 && !(client_ok && server_ok) && !c_fail && !s_fail; ++i) {
            if (!client_ok) {
                int r = SSL_do_handshake(c);
                if (r == 1) client_ok = true;
                else if (SSL_get_error(c, r) != SSL_ERROR_WANT_READ) c_fail = true;
            }
            move(c_out, s, TlsDir::kClient);
            if (!server_ok) {
                int r = SSL_do_handshake(s);
                if (r == 1) server_ok = true;
                else if (SSL_get_error(s, r) != SSL_ERROR_WANT_READ) s_fail = true;
            }
            move(s_out, c, TlsDir::kServer);
        }
        ERR_clear_error();
    }

    Bytes stream(TlsDir d) const {
        Bytes b;
        for (auto& s : wire)
            if (s.dir == d) b.insert(b.end(), s.bytes.begin(), s.bytes.end());
        return b;
    }
};

// ---- a visitor that writes everything down ------------------------------------------

struct Recorder : TlsVisitor {
    std::vector<std::string> log;  // one line per callback, in order
    std::vector<std::string> kinds;
    std::map<TlsDir, std::vector<Bytes>> certs;   // DER per certificate message side
    std::vector<TlsAnomaly> anomalies;
    std::vector<TlsAlert> alerts;
    std::vector<TlsEncryptedAlert> enc_alerts;
    std::vector<TlsEncryptedRecord> tls13;
    std::vector<TlsApplicationData> app;
    std::vector<TlsEncryptedHandshake> finished;
    std::vector<TlsChangeCipherSpec> ccs;
    TlsClientHello ch{};
    Bytes ch_ciphers, ch_sid, ch_random, ch_compression;
    std::string sni, alpn_first;
    std::vector<TlsServerHello> sh;
    std::vector<TlsCertificateRequest> cr;
    std::vector<TlsServerKeyExchange> ske;
    std::vector<TlsClientKeyExchange> cke;
    std::vector<TlsCertificateVerify> cv;
    std::vector<TlsNewSessionTicket> nst;
    int client_hellos = 0;

    void add(const TlsMeta& m, const std::string& kind, const std::string& detail = "") {
        kinds.push_back(std::string(side(m.from)) + ":" + kind);
        log.push_back(std::string(side(m.from)) + "@" + std::to_string(m.offset) + " " + kind + " " + detail);
    }
    void on_client_hello(const TlsClientHello& h) override {
        ++client_hellos;
        ch = h;
        ch_ciphers = to_bytes(h.cipher_suites);
        ch_sid = to_bytes(h.session_id);
        ch_random = to_bytes(h.random);
        ch_compression = to_bytes(h.compression_methods);
        sni = to_str(h.sni);
        alpn_first = to_str(h.alpn_first);
        ch.random = ch.session_id = ch.cipher_suites = ch.compression_methods = ch.extensions = ch.sni = ch.alpn =
            ch.alpn_first = ch.supported_versions = {};
        add(h, "client_hello", "sni=" + sni + " suites=" + std::to_string(h.cipher_suite_count) +
                                   " ext=" + std::to_string(h.extension_count) +
                                   " maxv=" + std::to_string(h.max_supported_version) +
                                   " ks=" + std::to_string(h.has_key_share));
    }
    void on_server_hello(const TlsServerHello& h) override {
        TlsServerHello c = h;
        c.random = c.session_id = c.extensions = c.alpn = {};
        sh.push_back(c);
        add(h, h.hello_retry_request ? "hello_retry_request" : "server_hello",
            "v=" + std::to_string(h.version) + " suite=" + std::to_string(h.cipher_suite) +
                " tls13=" + std::to_string(h.tls13));
    }
    void on_certificate(const TlsCertificate& c) override {
        auto& v = certs[c.from];
        v.clear();
        uint32_t n = 0;
        for (auto der : c) {
            v.push_back(to_bytes(der));
            ++n;
        }
        EXPECT_EQ(n, c.count);
        add(c, "certificate", "n=" + std::to_string(c.count) + " len=" + std::to_string(c.list_length));
    }
    void on_certificate_request(const TlsCertificateRequest& r) override {
        TlsCertificateRequest c = r;
        c.cert_types = c.signature_algorithms = c.distinguished_names = {};
        cr.push_back(c);
        add(r, "certificate_request", "dn=" + std::to_string(r.distinguished_name_count));
    }
    void on_server_key_exchange(const TlsServerKeyExchange& k) override {
        TlsServerKeyExchange c = k;
        c.body = {};
        ske.push_back(c);
        add(k, "server_key_exchange", "group=" + std::to_string(k.named_group));
    }
    void on_server_hello_done(const TlsHandshakeMsg& m) override { add(m, "server_hello_done"); }
    void on_client_key_exchange(const TlsClientKeyExchange& k) override {
        cke.push_back(k);
        add(k, "client_key_exchange", "pub=" + std::to_string(k.public_length));
    }
    void on_certificate_verify(const TlsCertificateVerify& v) override {
        cv.push_back(v);
        add(v, "certificate_verify", "alg=" + std::to_string(v.signature_algorithm));
    }
    void on_new_session_ticket(const TlsNewSessionTicket& t) override {
        nst.push_back(t);
        add(t, "new_session_ticket", "len=" + std::to_string(t.ticket_length));
    }
    void on_other_handshake(const TlsHandshakeMsg& m) override {
        add(m, std::string("other:") + tls_handshake_type_name(m.type));
    }
    void on_change_cipher_spec(const TlsChangeCipherSpec& c) override {
        ccs.push_back(c);
        add(c, "change_cipher_spec", "compat=" + std::to_string(c.tls13_compat));
    }
    void on_finished(const TlsEncryptedHandshake& e) override {
        finished.push_back(e);
        add(e, "finished", "len=" + std::to_string(e.record_length));
    }
    void on_encrypted_handshake(const TlsEncryptedHandshake& e) override {
        add(e, "encrypted_handshake", "len=" + std::to_string(e.record_length));
    }
    void on_alert(const TlsAlert& a) override {
        alerts.push_back(a);
        add(a, "alert", std::string(tls_alert_level_name(a.level)) + " " + tls_alert_description_name(a.description));
    }
    void on_encrypted_alert(const TlsEncryptedAlert& a) override {
        enc_alerts.push_back(a);
        add(a, "encrypted_alert", "len=" + std::to_string(a.record_length) + " typical=" +
                                      std::to_string(a.typical_length));
    }
    void on_application_data(const TlsApplicationData& d) override {
        app.push_back(d);
        add(d, "application_data", "len=" + std::to_string(d.record_length));
    }
    void on_encrypted_record(const TlsEncryptedRecord& r) override {
        tls13.push_back(r);
        add(r, "encrypted_record", "len=" + std::to_string(r.record_length) + " i=" + std::to_string(r.index));
    }
    void on_heartbeat(const TlsRecordInfo& r) override { add(r, "heartbeat"); }
    void on_anomaly(const TlsAnomaly& a) override {
        anomalies.push_back(a);
        add(a, std::string("anomaly:") + tls_anomaly_name(a.kind), "detail=" + std::to_string(a.detail));
    }
    bool has_anomaly(TlsAnomalyKind k) const {
        for (auto& a : anomalies)
            if (a.kind == k) return true;
        return false;
    }
};

// Both directions of one connection: a session, two streams, two buffers.
struct Tap {
    TlsSession session;
    std::vector<uint8_t> cbuf, sbuf;
    TlsStream client, server;
    Recorder rec;
    explicit Tap(size_t buffer = 32 * 1024)
        : cbuf(buffer), sbuf(buffer), client(session, TlsDir::kClient, cbuf), server(session, TlsDir::kServer, sbuf) {}
    TlsStream& of(TlsDir d) { return d == TlsDir::kClient ? client : server; }
    void feed(TlsDir d, std::span<const uint8_t> b) { of(d).feed(b, rec); }
    void end() {
        client.end(rec);
        server.end(rec);
    }
};

// Feeds a transcript in wire order, each segment cut into random chunks
// (chunk = 0: random sizes 1..whole; otherwise that fixed size).
void feed_wire(Tap& t, const std::vector<Segment>& wire, std::mt19937& rng, size_t chunk = 0) {
    for (auto& seg : wire) {
        size_t i = 0;
        while (i < seg.bytes.size()) {
            size_t left = seg.bytes.size() - i;
            size_t n = chunk ? std::min(chunk, left) : std::uniform_int_distribution<size_t>(1, left)(rng);
            t.feed(seg.dir, std::span<const uint8_t>(seg.bytes).subspan(i, n));
            i += n;
        }
    }
}

// Runs the transcript through every chunking and checks they all agree;
// returns the tap of the whole-segment run.
std::unique_ptr<Tap> run_all_chunkings(const std::vector<Segment>& wire, size_t buffer = 32 * 1024) {
    std::mt19937 rng(12345);
    auto whole = std::make_unique<Tap>(buffer);
    feed_wire(*whole, wire, rng, SIZE_MAX);
    whole->end();
    for (size_t fixed : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(7), size_t(100), size_t(1460)}) {
        Tap t(buffer);
        feed_wire(t, wire, rng, fixed);
        t.end();
        EXPECT_EQ(t.rec.log, whole->rec.log) << "chunk size " << fixed;
        EXPECT_EQ(t.session.history.view(), whole->session.history.view());
    }
    for (int round = 0; round < 40; ++round) {
        Tap t(buffer);
        feed_wire(t, wire, rng, 0);
        t.end();
        EXPECT_EQ(t.rec.log, whole->rec.log) << "random chunking round " << round;
    }
    return whole;
}

std::vector<std::string> K(std::initializer_list<const char*> l) { return std::vector<std::string>(l.begin(), l.end()); }

// Record starts of one direction, found by walking the framing (headers only).
std::vector<size_t> record_starts(const Bytes& b) {
    std::vector<size_t> out;
    for (size_t i = 0; i + 5 <= b.size(); i += 5 + (size_t(b[i + 3]) << 8 | b[i + 4])) out.push_back(i);
    return out;
}

}  // namespace

// ---- names, record headers, sniffing -------------------------------------------------------

TEST(TlsNames, AlertsHandshakesVersions) {
    EXPECT_STREQ(tls_alert_description_name(48), "unknown_ca");
    EXPECT_STREQ(tls_alert_description_name(46), "certificate_unknown");
    EXPECT_STREQ(tls_alert_description_name(42), "bad_certificate");
    EXPECT_STREQ(tls_alert_description_name(45), "certificate_expired");
    EXPECT_STREQ(tls_alert_description_name(0), "close_notify");
    EXPECT_STREQ(tls_alert_description_name(116), "certificate_required");
    EXPECT_STREQ(tls_alert_description_name(120), "no_application_protocol");
    EXPECT_STREQ(tls_alert_description_name(3), "unknown");
    EXPECT_STREQ(tls_alert_level_name(2), "fatal");
    EXPECT_STREQ(tls_alert_level_name(1), "warning");
    EXPECT_STREQ(tls_alert_level_name(3), "unknown");
    EXPECT_STREQ(tls_handshake_type_name(13), "certificate_request");
    EXPECT_STREQ(tls_handshake_type_name(14), "server_hello_done");
    EXPECT_STREQ(tls_handshake_type_name(8), "encrypted_extensions");
    EXPECT_STREQ(tls_handshake_type_name(99), "unknown");
    EXPECT_STREQ(tls_version_name(0x0303), "1.2");
    EXPECT_STREQ(tls_version_name(0x0304), "1.3");
    EXPECT_STREQ(tls_version_name(0x7f1c), "1.3");
    EXPECT_STREQ(tls_version_name(0x0200), "unknown");
    for (int k = 0; k < int(TlsAnomalyKind::kCount); ++k)
        EXPECT_STRNE(tls_anomaly_name(TlsAnomalyKind(k)), "unknown") << k;
}

TEST(TlsRecord, HeaderChecks) {
    const uint8_t good[] = {0x16, 0x03, 0x01, 0x00, 0xc8};
    for (size_t n = 0; n < 5; ++n) {
        auto r = parse_record_header(std::span(good, n));
        EXPECT_EQ(r.status, TlsParseStatus::kIncomplete);
        EXPECT_EQ(r.need, 5 - n);
    }
    auto r = parse_record_header(good);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value.type, 0x16);
    EXPECT_EQ(r.value.version, 0x0301);
    EXPECT_EQ(r.value.length, 200);

    auto check = [](std::initializer_list<uint8_t> h, TlsAnomalyKind why) {
        std::vector<uint8_t> b(h);
        auto p = parse_record_header(b);
        EXPECT_EQ(p.status, TlsParseStatus::kInvalid);
        EXPECT_EQ(p.reason, why);
    };
    check({0x19, 3, 3, 0, 10}, TlsAnomalyKind::kBadRecordType);
    check({0x13, 3, 3, 0, 10}, TlsAnomalyKind::kBadRecordType);
    check({0x16, 3, 5, 0, 10}, TlsAnomalyKind::kBadRecordVersion);
    check({0x16, 2, 0, 0, 10}, TlsAnomalyKind::kBadRecordVersion);
    check({0x17, 0xfe, 0xfd, 0, 10}, TlsAnomalyKind::kBadRecordVersion);  // DTLS 1.2
    check({0x17, 3, 3, 0x48, 0x01}, TlsAnomalyKind::kRecordTooLong);      // 2^14 + 2048 + 1
    check({0x16, 3, 3, 0, 0}, TlsAnomalyKind::kEmptyRecord);
    check({0x15, 3, 3, 0, 0}, TlsAnomalyKind::kEmptyRecord);
    const uint8_t max_len[] = {0x17, 3, 3, 0x48, 0x00};
    EXPECT_TRUE(parse_record_header(max_len).ok());
    const uint8_t empty_app[] = {0x17, 3, 3, 0, 0};
    EXPECT_TRUE(parse_record_header(empty_app).ok());
}

TEST(TlsSniff, RealHellosAndOtherProtocols) {
    Options o;
    o.app_data = o.close = false;
    Conn conn(o);
    ASSERT_TRUE(conn.client_ok && conn.server_ok);
    for (TlsDir d : {TlsDir::kClient, TlsDir::kServer}) {
        Bytes b = conn.stream(d);
        for (size_t n = 0; n < 11; ++n)
            EXPECT_EQ(looks_like_tls(std::span(b).first(n)), TlsSniff::kNeedMore) << side(d) << n;
        for (size_t n = 11; n < 64; ++n) EXPECT_EQ(looks_like_tls(std::span(b).first(n)), TlsSniff::kYes);
    }
    const uint8_t alert[] = {0x15, 3, 3, 0, 2, 2, 70};
    EXPECT_EQ(looks_like_tls(alert), TlsSniff::kYes);
    EXPECT_EQ(looks_like_tls(std::span(alert).first(6)), TlsSniff::kNeedMore);
    auto no = [](const char* s) {
        return looks_like_tls(std::span(reinterpret_cast<const uint8_t*>(s), std::strlen(s)));
    };
    EXPECT_EQ(no("INVITE sip:callservice@example.com SIP/2.0\r\n"), TlsSniff::kNo);
    EXPECT_EQ(no("SIP/2.0 200 OK\r\n"), TlsSniff::kNo);
    EXPECT_EQ(no("GET / HTTP/1.1\r\n"), TlsSniff::kNo);
    EXPECT_EQ(no("SSH-2.0-OpenSSH_9.2\r\n"), TlsSniff::kNo);
    // Plausible record header, but not a hello / not a sane hello.
    const uint8_t app_first[] = {0x17, 3, 3, 0, 40, 0, 0, 0, 0, 0, 0};
    const uint8_t finished_first[] = {0x16, 3, 3, 0, 40, 0x14, 0, 0, 12, 3, 3};
    const uint8_t tiny_hello[] = {0x16, 3, 1, 0, 5, 1, 0, 0, 1, 3, 3};
    const uint8_t bad_hello_version[] = {0x16, 3, 1, 0, 200, 1, 0, 0, 196, 0x7f, 0x7f};
    const uint8_t alert_long[] = {0x15, 3, 3, 0, 26, 0, 0};
    const uint8_t sslv2[] = {0x80, 0x2e, 0x01, 0x03, 0x01, 0, 0x15, 0, 0, 0, 0x10};
    for (auto b : {std::span<const uint8_t>(app_first), std::span<const uint8_t>(finished_first),
                   std::span<const uint8_t>(tiny_hello), std::span<const uint8_t>(bad_hello_version),
                   std::span<const uint8_t>(alert_long), std::span<const uint8_t>(sslv2)})
        EXPECT_EQ(looks_like_tls(b), TlsSniff::kNo);
}

// ---- real handshakes --------------------------------------------------------------------

TEST(TlsStreamReal, Tls12MutualTlsHealthy) {
    Options o;
    Conn conn(o);
    ASSERT_TRUE(conn.client_ok && conn.server_ok);
    auto tap = run_all_chunkings(conn.wire);
    const Recorder& r = tap->rec;

    EXPECT_EQ(r.kinds, K({"c:client_hello", "s:server_hello", "s:certificate", "s:server_key_exchange",
                          "s:certificate_request", "s:server_hello_done", "c:certificate", "c:client_key_exchange",
                          "c:certificate_verify", "c:change_cipher_spec", "c:finished", "s:new_session_ticket",
                          "s:change_cipher_spec", "s:finished", "c:application_data", "s:application_data",
                          "c:encrypted_alert", "s:encrypted_alert"}));
    EXPECT_EQ(tap->session.history.view(), "CsxkrnXGYIFtifDdEe");
    EXPECT_TRUE(r.anomalies.empty());

    // ClientHello: the same fields OpenSSL's own parser extracted on the server.
    ASSERT_TRUE(conn.hello.seen);
    EXPECT_EQ(r.ch.legacy_version, conn.hello.legacy_version);
    EXPECT_EQ(r.ch_ciphers, conn.hello.ciphers);
    EXPECT_EQ(r.ch.cipher_suite_count, conn.hello.ciphers.size() / 2);
    EXPECT_EQ(r.ch_compression, conn.hello.compression);
    EXPECT_EQ(r.ch_sid, conn.hello.session_id);
    EXPECT_EQ(r.ch_random, conn.hello.random);
    EXPECT_EQ(r.ch.extension_count, conn.hello.extensions.size());
    EXPECT_EQ(r.sni, "callservice.example.com");
    EXPECT_TRUE(r.ch.has_alpn);
    EXPECT_EQ(r.ch.alpn_count, 2);
    EXPECT_EQ(r.alpn_first, "sip");
    EXPECT_FALSE(r.ch.offers_tls13());  // max version 1.2: no supported_versions with 0x0304
    EXPECT_TRUE(r.ch.has_session_ticket);
    EXPECT_TRUE(r.ch.has_extended_master_secret);

    // ServerHello: what the client negotiated.
    ASSERT_EQ(r.sh.size(), 1u);
    EXPECT_EQ(r.sh[0].version, SSL_version(conn.c));
    EXPECT_EQ(r.sh[0].cipher_suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(conn.c)));
    EXPECT_FALSE(r.sh[0].tls13);
    EXPECT_FALSE(r.sh[0].hello_retry_request);
    EXPECT_EQ(tap->session.version, 0x0303);
    EXPECT_FALSE(tap->session.tls13);

    // Certificates: exactly the DER each side received.
    STACK_OF(X509)* server_chain = SSL_get_peer_cert_chain(conn.c);  // includes the leaf on the client side
    ASSERT_EQ(r.certs.at(TlsDir::kServer).size(), size_t(sk_X509_num(server_chain)));
    ASSERT_EQ(r.certs.at(TlsDir::kServer).size(), 2u);
    for (int i = 0; i < sk_X509_num(server_chain); ++i)
        EXPECT_EQ(r.certs.at(TlsDir::kServer)[i], der_of(sk_X509_value(server_chain, i))) << i;
    STACK_OF(X509)* client_chain = SSL_get_peer_cert_chain(conn.s);  // the server side omits the leaf
    ASSERT_EQ(r.certs.at(TlsDir::kClient).size(), size_t(sk_X509_num(client_chain)) + 1);
    ASSERT_EQ(r.certs.at(TlsDir::kClient).size(), 3u);
    EXPECT_EQ(r.certs.at(TlsDir::kClient)[0], der_of(SSL_get0_peer_certificate(conn.s)));
    for (int i = 0; i < sk_X509_num(client_chain); ++i)
        EXPECT_EQ(r.certs.at(TlsDir::kClient)[i + 1], der_of(sk_X509_value(client_chain, i))) << i;
    EXPECT_EQ(r.certs.at(TlsDir::kClient)[2], der_of(pki().client_root.cert));

    // CertificateRequest: mutual TLS, one acceptable CA name, 1.2 signature algorithms.
    ASSERT_EQ(r.cr.size(), 1u);
    EXPECT_EQ(r.cr[0].from, TlsDir::kServer);
    EXPECT_EQ(r.cr[0].distinguished_name_count, 1);
    EXPECT_TRUE(r.cr[0].has_signature_algorithms);
    EXPECT_GT(r.cr[0].signature_algorithm_count, 0);
    EXPECT_GT(r.cr[0].cert_type_count, 0);

    // Key exchange: ECDHE on the group OpenSSL negotiated, RSA-2048 signature.
    ASSERT_EQ(r.ske.size(), 1u);
    EXPECT_EQ(r.ske[0].shape, TlsKexShape::kEcdhe);
    ASSERT_EQ(SSL_get_negotiated_group(conn.c), NID_X25519);
    EXPECT_EQ(r.ske[0].named_group, 29);  // x25519
    EXPECT_EQ(r.ske[0].public_length, 32);
    EXPECT_TRUE(r.ske[0].has_signature);
    EXPECT_EQ(r.ske[0].signature_length, 256);
    int sig_nid = 0;
    ASSERT_TRUE(SSL_get_peer_signature_type_nid(conn.c, &sig_nid));
    EXPECT_EQ(sig_nid, EVP_PKEY_RSA_PSS);
    EXPECT_EQ(r.ske[0].signature_algorithm, 0x0804);  // rsa_pss_rsae_sha256
    ASSERT_EQ(r.cke.size(), 1u);
    EXPECT_EQ(r.cke[0].shape, TlsCkeShape::kEcdhe);
    EXPECT_EQ(r.cke[0].public_length, 32);
    ASSERT_EQ(r.cv.size(), 1u);
    EXPECT_EQ(r.cv[0].signature_algorithm, 0x0403);  // ecdsa_secp256r1_sha256 (client's P-256 key)
    EXPECT_GE(r.cv[0].signature_length, 8);
    EXPECT_LE(r.cv[0].signature_length, 72);
    ASSERT_EQ(r.nst.size(), 1u);
    EXPECT_GT(r.nst[0].ticket_length, 0);

    // CCS then Finished on both sides; AES-GCM Finished = 8 nonce + 16 + 16 tag.
    ASSERT_EQ(r.ccs.size(), 2u);
    EXPECT_FALSE(r.ccs[0].tls13_compat);
    ASSERT_EQ(r.finished.size(), 2u);
    EXPECT_EQ(r.finished[0].record_length, 40);
    EXPECT_EQ(r.finished[1].record_length, 40);
    EXPECT_TRUE(tap->session.ccs_seen[0] && tap->session.ccs_seen[1]);
    EXPECT_TRUE(tap->session.finished_seen[0] && tap->session.finished_seen[1]);

    // Application data: one record each way, plaintext + 24 bytes of GCM.
    ASSERT_EQ(r.app.size(), 2u);
    EXPECT_EQ(r.app[0].record_length, std::strlen(kRequest) + 24);
    EXPECT_EQ(r.app[1].record_length, std::strlen(kResponse) + 24);
    EXPECT_EQ(r.app[0].records, 1u);
    EXPECT_EQ(tap->client.stats().app_records, 1u);
    EXPECT_EQ(tap->client.stats().app_bytes, std::strlen(kRequest) + 24);

    // close_notify from both, encrypted: 8 + 2 + 16.
    ASSERT_EQ(r.enc_alerts.size(), 2u);
    EXPECT_EQ(r.enc_alerts[0].from, TlsDir::kClient);
    EXPECT_EQ(r.enc_alerts[0].record_length, 26);
    EXPECT_TRUE(r.enc_alerts[0].typical_length);
    EXPECT_EQ(r.enc_alerts[1].from, TlsDir::kServer);
    EXPECT_TRUE(r.alerts.empty());

    // Offsets: a handshake message's own start (after the 5-byte record header).
    EXPECT_EQ(r.log.front().rfind("c@5 client_hello", 0), 0u);
    EXPECT_EQ(tap->client.stats().bytes, conn.stream(TlsDir::kClient).size());
    EXPECT_EQ(tap->server.stats().records, record_starts(conn.stream(TlsDir::kServer)).size());
}

// TLS-1 shape: the server's verification of the client chain fails (untrusted
// root): it answers a fatal unknown_ca alert before its own ChangeCipherSpec.
TEST(TlsStreamReal, Tls12ServerRejectsClientCertificate) {
    Options o;
    o.server_trusts_client = false;
    Conn conn(o);
    ASSERT_TRUE(conn.client_ok == false && conn.server_ok == false);
    ASSERT_EQ(conn.alerts.size(), 1u);
    EXPECT_EQ(conn.alerts[0].from, TlsDir::kServer);
    auto tap = run_all_chunkings(conn.wire);
    const Recorder& r = tap->rec;
    EXPECT_EQ(r.kinds, K({"c:client_hello", "s:server_hello", "s:certificate", "s:server_key_exchange",
                          "s:certificate_request", "s:server_hello_done", "c:certificate", "c:client_key_exchange",
                          "c:certificate_verify", "c:change_cipher_spec", "c:finished", "s:alert"}));
    EXPECT_EQ(tap->session.history.view(), "CsxkrnXGYIFl");
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].from, TlsDir::kServer);
    EXPECT_EQ(r.alerts[0].level, conn.alerts[0].level);
    EXPECT_EQ(r.alerts[0].description, conn.alerts[0].description);
    EXPECT_EQ(r.alerts[0].level, 2);
    EXPECT_EQ(r.alerts[0].description, 48);  // unknown_ca
    EXPECT_FALSE(r.alerts[0].after_ccs);
    EXPECT_FALSE(tap->session.ccs_seen[1]);
    EXPECT_TRUE(tap->session.ccs_seen[0]);
    EXPECT_EQ(r.certs.at(TlsDir::kClient).size(), 3u);
    EXPECT_TRUE(r.anomalies.empty());
}

// TLS-3 shape: the client rejects the server chain right after the server flight.
TEST(TlsStreamReal, Tls12ClientRejectsServerCertificate) {
    Options o;
    o.client_trusts_server = false;
    Conn conn(o);
    ASSERT_FALSE(conn.client_ok);
    ASSERT_EQ(conn.alerts.size(), 1u);
    EXPECT_EQ(conn.alerts[0].from, TlsDir::kClient);
    auto tap = run_all_chunkings(conn.wire);
    const Recorder& r = tap->rec;
    EXPECT_EQ(r.kinds, K({"c:client_hello", "s:server_hello", "s:certificate", "s:server_key_exchange",
                          "s:certificate_request", "s:server_hello_done", "c:alert"}));
    EXPECT_EQ(tap->session.history.view(), "CsxkrnL");
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].from, TlsDir::kClient);
    EXPECT_EQ(r.alerts[0].level, 2);
    EXPECT_EQ(r.alerts[0].description, conn.alerts[0].description);
    EXPECT_STREQ(tls_alert_description_name(r.alerts[0].description), "unknown_ca");
    EXPECT_EQ(r.certs.at(TlsDir::kServer).size(), 2u);
}

// A client with no certificate answers the CertificateRequest with an empty
// Certificate; the server (FAIL_IF_NO_PEER_CERT) refuses the handshake.
TEST(TlsStreamReal, Tls12ClientWithoutCertificate) {
    Options o;
    o.client_cert = false;
    Conn conn(o);
    ASSERT_FALSE(conn.server_ok);
    auto tap = run_all_chunkings(conn.wire);
    const Recorder& r = tap->rec;
    ASSERT_TRUE(r.certs.count(TlsDir::kClient));
    EXPECT_TRUE(r.certs.at(TlsDir::kClient).empty());
    ASSERT_EQ(r.alerts.size(), 1u);
    EXPECT_EQ(r.alerts[0].from, TlsDir::kServer);
    EXPECT_EQ(r.alerts[0].description, conn.alerts.at(0).description);
    EXPECT_EQ(tap->session.history.view().substr(0, 8), "CsxkrnXG");
}

TEST(TlsStreamReal, Tls13MutualTls) {
    Options o;
    o.max_version = TLS1_3_VERSION;
    Conn conn(o);
    ASSERT_TRUE(conn.client_ok && conn.server_ok);
    ASSERT_EQ(SSL_version(conn.c), TLS1_3_VERSION);
    auto tap = run_all_chunkings(conn.wire);
    const Recorder& r = tap->rec;
    EXPECT_TRUE(r.anomalies.empty());

    EXPECT_TRUE(r.ch.offers_tls13());
    EXPECT_EQ(r.ch.max_supported_version, 0x0304);
    EXPECT_TRUE(r.ch.has_key_share);
    EXPECT_GE(r.ch.key_share_count, 1);
    EXPECT_EQ(r.sni, "callservice.example.com");
    EXPECT_EQ(r.ch_ciphers, conn.hello.ciphers);
    EXPECT_EQ(r.ch.extension_count, conn.hello.extensions.size());
    ASSERT_EQ(r.sh.size(), 1u);
    EXPECT_TRUE(r.sh[0].tls13);
    EXPECT_EQ(r.sh[0].legacy_version, 0x0303);
    EXPECT_EQ(r.sh[0].selected_version, 0x0304);
    EXPECT_EQ(r.sh[0].cipher_suite, SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(conn.c)));
    EXPECT_TRUE(r.sh[0].has_key_share);
    EXPECT_EQ(r.sh[0].key_share_group, 29);
    EXPECT_TRUE(tap->session.tls13 && tap->session.tls13_encrypted);

    // Everything after ServerHello is encrypted: no certificates, no
    // Finished, no application_data callbacks; CCS records are compatibility only.
    EXPECT_TRUE(r.certs.empty());
    EXPECT_TRUE(r.cr.empty());
    EXPECT_TRUE(r.finished.empty());
    EXPECT_TRUE(r.app.empty());
    ASSERT_EQ(r.ccs.size(), 2u);
    EXPECT_TRUE(r.ccs[0].tls13_compat && r.ccs[1].tls13_compat);
    EXPECT_EQ(r.ccs[0].from, TlsDir::kServer);  // right after its ServerHello
    EXPECT_FALSE(tap->session.ccs_seen[0] || tap->session.ccs_seen[1]);

    // The first kinds, then only encrypted records; the server's encrypted flight
    // (EncryptedExtensions .. Finished) comes before any client encrypted record.
    ASSERT_GE(r.kinds.size(), 6u);
    EXPECT_EQ(std::vector<std::string>(r.kinds.begin(), r.kinds.begin() + 4),
              K({"c:client_hello", "s:server_hello", "s:change_cipher_spec", "s:encrypted_record"}));
    for (size_t i = 4; i < r.kinds.size(); ++i)
        EXPECT_TRUE(r.kinds[i] == "s:encrypted_record" || r.kinds[i] == "c:encrypted_record" ||
                    r.kinds[i] == "c:change_cipher_spec")
            << r.kinds[i];
    // Client: CCS, then its encrypted Certificate, CertificateVerify, Finished, ...
    size_t client_ccs = 0;
    for (size_t i = 0; i < r.kinds.size(); ++i)
        if (r.kinds[i] == "c:change_cipher_spec") client_ccs = i;
    for (size_t i = 4; i < client_ccs; ++i) EXPECT_EQ(r.kinds[i], "s:encrypted_record");
    EXPECT_EQ(r.kinds.at(client_ccs + 1), "c:encrypted_record");
    // Indices count per direction; the last record of each side is its close_notify.
    uint32_t next[2] = {0, 0};
    const TlsEncryptedRecord* last[2] = {nullptr, nullptr};
    for (auto& e : r.tls13) {
        EXPECT_EQ(e.index, next[uint8_t(e.from)]++);
        EXPECT_EQ(e.content_type, 23);
        EXPECT_FALSE(e.early_data);
        last[uint8_t(e.from)] = &e;
    }
    ASSERT_TRUE(last[0] && last[1]);
    EXPECT_TRUE(last[0]->likely_alert);
    EXPECT_EQ(last[0]->record_length, 19);
    EXPECT_TRUE(last[1]->likely_alert);
    EXPECT_EQ(tap->client.stats().encrypted_records, next[0]);
    EXPECT_EQ(tap->session.history.view().substr(0, 4), "Csid");
}

// Groups that force a HelloRetryRequest: the client offers a P-256 share, the
// server wants X25519.
TEST(TlsStreamReal, Tls13HelloRetryRequest) {
    Options o;
    o.max_version = TLS1_3_VERSION;
    o.client_groups = "P-256:X25519";
    o.server_groups = "X25519";
    Conn conn(o);
    ASSERT_TRUE(conn.client_ok && conn.server_ok);
    auto tap = run_all_chunkings(conn.wire);
    const Recorder& r = tap->rec;
    EXPECT_TRUE(r.anomalies.empty());
    ASSERT_EQ(r.sh.size(), 2u);
    EXPECT_TRUE(r.sh[0].hello_retry_request);
    EXPECT_TRUE(r.sh[0].tls13);
    EXPECT_EQ(r.sh[0].key_share_group, 29);  // HRR asks for x25519
    EXPECT_FALSE(r.sh[1].hello_retry_request);
    EXPECT_EQ(r.client_hellos, 2);
    EXPECT_TRUE(tap->session.hello_retry_request);
    EXPECT_EQ(std::vector<std::string>(r.kinds.begin(), r.kinds.begin() + 7),
              K({"c:client_hello", "s:hello_retry_request", "s:change_cipher_spec", "c:change_cipher_spec",
                 "c:client_hello", "s:server_hello", "s:encrypted_record"}));
    EXPECT_EQ(tap->session.history.view().substr(0, 7), "CjiICsd");
}

// Encrypted close_notify sizes per record protection, as OpenSSL produces them.
TEST(TlsStreamReal, EncryptedAlertShapes) {
    struct Case {
        const char* suites;
        bool no_etm;
        uint16_t alert_len, finished_len;
    } cases[] = {
        {"ECDHE-RSA-AES128-GCM-SHA256", false, 8 + 2 + 16, 8 + 16 + 16},
        {"ECDHE-RSA-AES256-GCM-SHA384", false, 8 + 2 + 16, 8 + 16 + 16},
        {"ECDHE-RSA-CHACHA20-POLY1305", false, 2 + 16, 16 + 16},
        {"ECDHE-RSA-AES128-SHA", false, 16 + 16 + 20, 16 + 32 + 20},   // encrypt-then-MAC (default)
        {"ECDHE-RSA-AES128-SHA", true, 16 + 32, 16 + 48},              // MAC-then-encrypt
        {"AES128-SHA256", false, 16 + 16 + 32, 16 + 32 + 32},
        {"ECDHE-RSA-AES256-SHA384", true, 16 + 64, 16 + 80},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.suites);
        Options o;
        o.cipher_list = c.suites;
        o.no_etm = c.no_etm;
        Conn conn(o);
        ASSERT_TRUE(conn.client_ok && conn.server_ok);
        std::mt19937 rng(7);
        Tap tap;
        feed_wire(tap, conn.wire, rng);
        tap.end();
        const Recorder& r = tap.rec;
        EXPECT_TRUE(r.anomalies.empty());
        ASSERT_EQ(r.enc_alerts.size(), 2u);
        for (auto& a : r.enc_alerts) {
            EXPECT_EQ(a.record_length, c.alert_len);
            EXPECT_TRUE(a.typical_length);
        }
        ASSERT_EQ(r.finished.size(), 2u);
        EXPECT_EQ(r.finished[0].record_length, c.finished_len);
        EXPECT_EQ(r.sh.at(0).has_encrypt_then_mac, !c.no_etm && std::strstr(c.suites, "SHA") &&
                                                         !std::strstr(c.suites, "GCM") &&
                                                         !std::strstr(c.suites, "CHACHA"));
        // The same sizes are not what other constructions would give.
        EXPECT_EQ(tls_encrypted_alert_length_fits(r.sh[0].cipher_suite, 0x0303, c.alert_len + 1), false);
    }
    EXPECT_TRUE(tls_encrypted_alert_length_fits(0, 0, 26));
    EXPECT_TRUE(tls_encrypted_alert_length_fits(0, 0, 18));
    EXPECT_FALSE(tls_encrypted_alert_length_fits(0xC02F, 0x0303, 18));  // GCM has the explicit nonce
    EXPECT_FALSE(tls_encrypted_alert_length_fits(0xCCA8, 0x0303, 26));
    EXPECT_FALSE(tls_encrypted_alert_length_fits(0, 0, 2));
    EXPECT_FALSE(tls_encrypted_alert_length_fits(0, 0, 4000));
}

// An abbreviated handshake: the server's CCS and Finished come right after its
// ServerHello, before the client's.
TEST(TlsStreamReal, Tls12SessionResumption) {
    Options o;
    Conn first(o);
    ASSERT_TRUE(first.client_ok && first.server_ok);
    Options again = o;
    again.resume_from = &first;
    Conn second(again);
    ASSERT_TRUE(second.client_ok && second.server_ok);
    ASSERT_TRUE(SSL_session_reused(second.c));
    auto tap = run_all_chunkings(second.wire);
    const Recorder& r = tap->rec;
    EXPECT_TRUE(r.anomalies.empty());
    EXPECT_TRUE(r.certs.empty());
    EXPECT_TRUE(r.cr.empty());
    std::vector<std::string> want = {"c:client_hello", "s:server_hello"};
    if (!r.nst.empty()) want.push_back("s:new_session_ticket");  // OpenSSL may renew the ticket
    for (auto k : {"s:change_cipher_spec", "s:finished", "c:change_cipher_spec", "c:finished", "c:application_data",
                   "s:application_data", "c:encrypted_alert", "s:encrypted_alert"})
        want.push_back(k);
    EXPECT_EQ(r.kinds, want);
    ASSERT_EQ(r.finished.size(), 2u);
    EXPECT_EQ(r.finished[0].from, TlsDir::kServer);
}

// TLS 1.3 drafts before 22 had a ServerHello without session id and
// compression method (version 0x7fxx): rebuilt from a real 1.3 ServerHello.
TEST(TlsParser, Tls13DraftServerHelloLayout) {
    Options o;
    o.max_version = TLS1_3_VERSION;
    Conn conn(o);
    ASSERT_TRUE(conn.client_ok && conn.server_ok);
    Bytes srv = conn.stream(TlsDir::kServer);
    auto m = parse_handshake_message(std::span(srv).subspan(5));
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m.value.header.type, 2);
    const Bytes body = to_bytes(m.value.body);
    auto real = parse_server_hello(body);
    ASSERT_TRUE(real.ok());
    const size_t sid = body[34];
    Bytes draft = {0x7f, 20};
    draft.insert(draft.end(), body.begin() + 2, body.begin() + 34);                  // random
    draft.insert(draft.end(), body.begin() + 35 + sid, body.begin() + 37 + sid);     // suite
    draft.insert(draft.end(), body.begin() + 38 + sid, body.end());                  // extensions
    auto p = parse_server_hello(draft);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(p.value.cipher_suite, real.value.cipher_suite);
    EXPECT_EQ(p.value.extension_count, real.value.extension_count);
    EXPECT_TRUE(p.value.session_id.empty());
    EXPECT_TRUE(p.value.has_key_share);
    EXPECT_TRUE(p.value.tls13);
    // Draft 22 and later use the final layout: the same bytes do not parse as one.
    draft[1] = 22;
    EXPECT_FALSE(parse_server_hello(draft).ok() && parse_server_hello(draft).value.cipher_suite ==
                                                       real.value.cipher_suite);
}

// ---- malformed input ------------------------------------------------------------

// Cut the capture after every byte: the events are a prefix of the full run and
// a cut inside a record is one truncated_at_end anomaly, nothing else.
TEST(TlsStreamMalformed, EveryTruncationOfRealTranscripts) {
    for (int variant = 0; variant < 2; ++variant) {
        Options o;
        o.max_version = variant ? TLS1_3_VERSION : TLS1_2_VERSION;
        Conn conn(o);
        ASSERT_TRUE(conn.client_ok && conn.server_ok);
        std::mt19937 rng(1);
        Tap full;
        feed_wire(full, conn.wire, rng, SIZE_MAX);
        full.end();
        ASSERT_TRUE(full.rec.anomalies.empty());

        size_t total = 0;
        for (auto& s : conn.wire) total += s.bytes.size();
        std::vector<size_t> cuts;
        for (size_t k = 0; k <= total; k += (k < 4000 ? 1 : 13)) cuts.push_back(k);
        for (size_t k : cuts) {
            Tap t;
            size_t left = k;
            for (auto& s : conn.wire) {
                if (!left) break;
                size_t n = std::min(left, s.bytes.size());
                t.feed(s.dir, std::span(s.bytes).first(n));
                left -= n;
            }
            t.end();
            std::vector<std::string> events;
            size_t truncations = 0;
            for (size_t i = 0; i < t.rec.log.size(); ++i) {
                if (t.rec.kinds[i].find("anomaly:truncated_at_end") != std::string::npos)
                    ++truncations;
                else
                    events.push_back(t.rec.log[i]);
            }
            ASSERT_LE(truncations, 2u) << k;
            EXPECT_EQ(t.rec.anomalies.size(), truncations) << k;
            ASSERT_LE(events.size(), full.rec.log.size());
            EXPECT_TRUE(std::equal(events.begin(), events.end(), full.rec.log.begin())) << "cut at " << k;
        }
    }
}

// Every truncation of each real message body: the parsers refuse it (the
// hellos may legally end where their extensions begin).
TEST(TlsParserMalformed, EveryTruncationOfRealBodies) {
    Options o;
    Conn conn(o);
    ASSERT_TRUE(conn.client_ok && conn.server_ok);
    // Collect the real handshake bodies by walking records and messages.
    std::map<uint8_t, Bytes> bodies[2];
    for (TlsDir d : {TlsDir::kClient, TlsDir::kServer}) {
        Bytes b = conn.stream(d);
        for (size_t at : record_starts(b)) {
            if (b[at] != 22) continue;
            size_t len = size_t(b[at + 3]) << 8 | b[at + 4];
            auto rec = std::span(b).subspan(at + 5, len);
            while (!rec.empty()) {
                auto m = parse_handshake_message(rec);
                if (!m.ok()) break;  // the encrypted Finished
                bodies[uint8_t(d)][m.value.header.type] = to_bytes(m.value.body);
                rec = rec.subspan(4 + m.value.body.size());
            }
        }
    }
    const auto& cb = bodies[0];
    const auto& sb = bodies[1];
    ASSERT_TRUE(cb.count(1) && sb.count(2) && sb.count(11) && cb.count(11) && sb.count(13) && sb.count(12) &&
                cb.count(16) && cb.count(15) && sb.count(4));

    auto sweep = [](const Bytes& body, auto parse, std::initializer_list<size_t> legal) {
        for (size_t k = 0; k < body.size(); ++k) {
            auto p = parse(std::span<const uint8_t>(body.data(), k));
            bool may = std::find(legal.begin(), legal.end(), k) != legal.end();
            if (!may) {
                EXPECT_EQ(p.status, TlsParseStatus::kInvalid) << "truncated at " << k << " of " << body.size();
                EXPECT_EQ(p.reason, TlsAnomalyKind::kMalformedHandshake);
            }
        }
        EXPECT_TRUE(parse(std::span<const uint8_t>(body)).ok());
    };
    const Bytes& chb = cb.at(1);
    size_t ch_ext = 2 + 32 + 1 + chb[34];
    ch_ext += 2 + (size_t(chb[ch_ext] << 8 | chb[ch_ext + 1]));
    ch_ext += 1 + chb[ch_ext];
    sweep(chb, parse_client_hello, {ch_ext});
    const Bytes& shb = sb.at(2);
    size_t sh_ext = 2 + 32 + 1 + shb[34] + 2 + 1;
    sweep(shb, parse_server_hello, {sh_ext});
    sweep(sb.at(11), parse_certificate, {});
    sweep(cb.at(11), parse_certificate, {});
    sweep(sb.at(13), [](std::span<const uint8_t> b) { return parse_certificate_request(b, 0x0303); }, {});
    sweep(cb.at(15), [](std::span<const uint8_t> b) { return parse_certificate_verify(b, 0x0303); }, {});
    sweep(sb.at(4), parse_new_session_ticket, {});
    // ServerKeyExchange and ClientKeyExchange fall back to opaque: a truncation
    // never keeps the signed ECDHE shape. Cut right after the public point it is
    // what an anonymous ECDHE ServerKeyExchange looks like.
    const Bytes& skb = sb.at(12);
    const size_t params_end = 4 + skb[3];
    for (size_t k = 1; k < skb.size(); ++k) {
        auto p = parse_server_key_exchange(std::span(skb).first(k), 0x0303);
        ASSERT_TRUE(p.ok());
        if (k == params_end) {
            EXPECT_EQ(p.value.shape, TlsKexShape::kEcdhe);
            EXPECT_FALSE(p.value.has_signature);
        } else {
            EXPECT_EQ(p.value.shape, TlsKexShape::kUnknown) << k;
        }
    }
    for (size_t k = 1; k < cb.at(16).size(); ++k)
        EXPECT_EQ(parse_client_key_exchange(std::span(cb.at(16)).first(k)).value.shape, TlsCkeShape::kUnknown);
    EXPECT_EQ(parse_server_key_exchange({}, 0x0303).status, TlsParseStatus::kInvalid);

    // The handshake framing answers "need N more".
    Bytes msg = {11, 0, 0, 10, 1, 2, 3};
    auto p = parse_handshake_message(msg);
    EXPECT_EQ(p.status, TlsParseStatus::kIncomplete);
    EXPECT_EQ(p.need, 7u);
    EXPECT_EQ(parse_handshake_message(std::span(msg).first(2)).need, 2u);
}

namespace {
// The byte streams of a healthy TLS 1.2 connection, for corruption.
struct Streams {
    std::vector<Segment> wire;
    Bytes client, server;
    std::vector<size_t> client_records, server_records;
    Streams() {
        Options o;
        Conn conn(o);
        wire = conn.wire;
        client = conn.stream(TlsDir::kClient);
        server = conn.stream(TlsDir::kServer);
        client_records = record_starts(client);
        server_records = record_starts(server);
    }
};
const Streams& streams() {
    static const Streams* s = new Streams();
    return *s;
}

// Feeds the client stream whole, then the server stream (as given) in random chunks.
std::unique_ptr<Tap> feed_server(const Bytes& server, size_t buffer = 32 * 1024, uint32_t seed = 3) {
    auto t = std::make_unique<Tap>(buffer);
    const Streams& s = streams();
    // The client's ClientHello first (so the session knows the offer), then the server.
    t->feed(TlsDir::kClient, std::span(s.client).first(s.client_records[1]));
    std::mt19937 rng(seed);
    size_t i = 0;
    while (i < server.size()) {
        size_t n = std::uniform_int_distribution<size_t>(1, 700)(rng);
        n = std::min(n, server.size() - i);
        t->feed(TlsDir::kServer, std::span(server).subspan(i, n));
        i += n;
    }
    t->end();
    return t;
}

std::vector<std::string> server_kinds(const Recorder& r) {
    std::vector<std::string> out;
    for (auto& k : r.kinds)
        if (k[0] == 's') out.push_back(k);
    return out;
}
}  // namespace

TEST(TlsStreamMalformed, BadRecordHeadersStopTheDirection) {
    const Streams& s = streams();
    const size_t third = s.server_records.at(2);  // the server's third record (ServerKeyExchange)
    struct Case {
        size_t byte;
        uint8_t value;
        TlsAnomalyKind kind;
        uint32_t detail;
    } cases[] = {
        {third + 0, 0x19, TlsAnomalyKind::kBadRecordType, 0x19},
        {third + 1, 0x02, TlsAnomalyKind::kBadRecordVersion, 0x0203},
        {third + 2, 0x05, TlsAnomalyKind::kBadRecordVersion, 0x0305},
        {third + 3, 0x48, TlsAnomalyKind::kRecordTooLong, 0},
        {third + 3, 0xff, TlsAnomalyKind::kRecordTooLong, 0},
    };
    for (const Case& c : cases) {
        Bytes b = s.server;
        b[c.byte] = c.value;
        auto t = feed_server(b);
        SCOPED_TRACE(tls_anomaly_name(c.kind));
        ASSERT_EQ(t->rec.anomalies.size(), 1u);
        const TlsAnomaly& a = t->rec.anomalies[0];
        EXPECT_EQ(a.kind, c.kind);
        EXPECT_EQ(a.from, TlsDir::kServer);
        EXPECT_EQ(a.offset, third);
        EXPECT_TRUE(a.stopped);
        if (c.detail) {
            EXPECT_EQ(a.detail, c.detail);
        }
        EXPECT_TRUE(t->server.stopped());
        const std::vector<std::string> want = {"s:server_hello", "s:certificate",
                                               std::string("s:anomaly:") + tls_anomaly_name(c.kind)};
        EXPECT_EQ(server_kinds(t->rec), want);
    }
}

TEST(TlsStreamMalformed, OversizedMessageIsSkippedCleanly) {
    const Streams& s = streams();
    // A buffer smaller than the server's Certificate message, larger than the rest.
    size_t cert_len = 0;
    {
        const size_t at = s.server_records.at(1);
        cert_len = size_t(s.server[at + 6]) << 16 | size_t(s.server[at + 7]) << 8 | s.server[at + 8];
        ASSERT_EQ(s.server[at + 5], 11);
    }
    ASSERT_GT(cert_len, 1000u);
    auto t = feed_server(s.server, 1000);
    EXPECT_EQ(server_kinds(t->rec),
              K({"s:server_hello", "s:anomaly:message_too_large", "s:server_key_exchange", "s:certificate_request",
                 "s:server_hello_done", "s:new_session_ticket", "s:change_cipher_spec", "s:finished",
                 "s:application_data", "s:encrypted_alert"}));
    ASSERT_EQ(t->rec.anomalies.size(), 1u);
    EXPECT_EQ(t->rec.anomalies[0].detail, cert_len);
    EXPECT_EQ(t->rec.anomalies[0].handshake_type, 11);
    EXPECT_FALSE(t->rec.anomalies[0].stopped);
    EXPECT_EQ(t->session.history.view(), "Csxkrntifde");  // the Certificate still has its letter
    EXPECT_TRUE(t->rec.certs.empty());

    // The same message split over several records is skipped across them.
    Bytes frag;
    const size_t at = s.server_records.at(1), next = s.server_records.at(2);
    frag.insert(frag.end(), s.server.begin(), s.server.begin() + at);
    const uint8_t* body = s.server.data() + at + 5;
    size_t left = next - at - 5;
    while (left) {
        size_t n = std::min<size_t>(left, 300);
        frag.insert(frag.end(), {0x16, 3, 3, uint8_t(n >> 8), uint8_t(n)});
        frag.insert(frag.end(), body, body + n);
        body += n;
        left -= n;
    }
    frag.insert(frag.end(), s.server.begin() + next, s.server.end());
    auto big = feed_server(frag);  // large buffer: reassembled from 300-byte fragments
    ASSERT_EQ(big->rec.certs.at(TlsDir::kServer).size(), 2u);
    EXPECT_EQ(big->rec.certs.at(TlsDir::kServer)[1], der_of(pki().server_root.cert));
    EXPECT_TRUE(big->rec.anomalies.empty());
    auto small = feed_server(frag, 1000);
    EXPECT_EQ(server_kinds(small->rec), server_kinds(t->rec));
}

TEST(TlsStreamMalformed, BadHandshakeLengthsAndContents) {
    const Streams& s = streams();
    const size_t cert_rec = s.server_records.at(1);
    {
        // Certificate message says it is 64 KiB long: it swallows the next
        // handshake records, then the CCS interrupts it.
        Bytes b = s.server;
        b[cert_rec + 6] = 0x01;
        b[cert_rec + 7] = 0x00;
        b[cert_rec + 8] = 0x00;
        auto t = feed_server(b, 128 * 1024);
        EXPECT_EQ(server_kinds(t->rec), K({"s:server_hello", "s:anomaly:interleaved_record", "s:change_cipher_spec",
                                           "s:finished", "s:application_data", "s:encrypted_alert"}));
        EXPECT_EQ(t->rec.anomalies.at(0).handshake_type, 11);
    }
    {
        // The certificate_list length disagrees with the message: malformed, framing intact.
        Bytes b = s.server;
        b[cert_rec + 11] ^= 0x01;
        auto t = feed_server(b);
        EXPECT_EQ(server_kinds(t->rec),
                  K({"s:server_hello", "s:anomaly:malformed_handshake", "s:server_key_exchange",
                     "s:certificate_request", "s:server_hello_done", "s:new_session_ticket", "s:change_cipher_spec",
                     "s:finished", "s:application_data", "s:encrypted_alert"}));
    }
    {
        // The first certificate's own length runs past the list.
        Bytes b = s.server;
        b[cert_rec + 5 + 4 + 3] = 0x7f;
        auto t = feed_server(b);
        ASSERT_FALSE(t->rec.anomalies.empty());
        EXPECT_EQ(t->rec.anomalies[0].kind, TlsAnomalyKind::kMalformedHandshake);
        EXPECT_TRUE(t->rec.certs.empty());
        EXPECT_EQ(server_kinds(t->rec).back(), "s:encrypted_alert");
    }
    {
        // ServerHelloDone with a body.
        Bytes b = s.server;
        const size_t shd = s.server_records.at(4);
        ASSERT_EQ(b[shd + 5], 14);
        b.insert(b.begin() + shd + 9, 0xAA);
        b[shd + 4] += 1;
        b[shd + 8] = 1;
        auto t = feed_server(b);
        ASSERT_EQ(t->rec.anomalies.size(), 1u);
        EXPECT_EQ(t->rec.anomalies[0].kind, TlsAnomalyKind::kMalformedHandshake);
        EXPECT_EQ(t->rec.anomalies[0].handshake_type, 14);
    }
    {
        // Clear alerts that are not 2 bytes, a bad level, a bad CCS.
        Bytes b = s.server;
        const size_t ccs = s.server_records.at(6);
        ASSERT_EQ(b[ccs], 20);
        Bytes bad = {0x15, 3, 3, 0, 3, 2, 48, 0, 0x15, 3, 3, 0, 2, 7, 48, 0x14, 3, 3, 0, 1, 2};
        b.insert(b.begin() + ccs, bad.begin(), bad.end());
        auto t = feed_server(b);
        std::vector<TlsAnomalyKind> kinds;
        for (auto& a : t->rec.anomalies) kinds.push_back(a.kind);
        EXPECT_EQ(kinds, (std::vector<TlsAnomalyKind>{TlsAnomalyKind::kBadAlert, TlsAnomalyKind::kBadAlert,
                                                      TlsAnomalyKind::kBadChangeCipherSpec}));
        EXPECT_EQ(server_kinds(t->rec).back(), "s:encrypted_alert");
        EXPECT_TRUE(t->rec.alerts.empty());
    }
}

// Handshake messages cut into records of 1..3 bytes (legal, seen in crafted
// captures): the same messages come out, from the start or picked up.
TEST(TlsStreamReal, TinyHandshakeFragments) {
    const Streams& s = streams();
    // Re-frame the client's cleartext handshake (ClientHello..CertificateVerify) into tiny records.
    Bytes tiny;
    const size_t clear_end = s.client_records.at(4);  // the CCS
    Bytes payload;
    for (size_t i = 0; i < 4; ++i) {
        size_t at = s.client_records[i], len = size_t(s.client[at + 3]) << 8 | s.client[at + 4];
        payload.insert(payload.end(), s.client.begin() + at + 5, s.client.begin() + at + 5 + len);
    }
    for (size_t i = 0, n = 3; i < payload.size(); i += n, n = n % 3 + 1) {
        size_t k = std::min(n, payload.size() - i);
        tiny.insert(tiny.end(), {0x16, 3, 3, 0, uint8_t(k)});
        tiny.insert(tiny.end(), payload.begin() + i, payload.begin() + i + k);
    }
    tiny.insert(tiny.end(), s.client.begin() + clear_end, s.client.end());
    for (bool pick_up : {false, true}) {
        Tap t;
        if (pick_up) t.client.resync();
        std::mt19937 rng(3);
        for (size_t i = 0; i < tiny.size();) {
            size_t n = std::min<size_t>(std::uniform_int_distribution<size_t>(1, 50)(rng), tiny.size() - i);
            t.feed(TlsDir::kClient, std::span(tiny).subspan(i, n));
            i += n;
        }
        t.end();
        std::vector<std::string> want = {"c:client_hello", "c:certificate", "c:client_key_exchange",
                                         "c:certificate_verify", "c:change_cipher_spec", "c:finished",
                                         "c:application_data", "c:encrypted_alert"};
        if (pick_up) want.insert(want.begin(), "c:anomaly:resynced");
        EXPECT_EQ(t.rec.kinds, want) << pick_up;
        EXPECT_EQ(t.rec.sni, "callservice.example.com");
        ASSERT_EQ(t.rec.certs.at(TlsDir::kClient).size(), 3u);
        EXPECT_EQ(t.rec.certs.at(TlsDir::kClient)[0], der_of(pki().client_leaf.cert));
    }
}

TEST(TlsParserMalformed, HelloExtensions) {
    const Streams& s = streams();
    Bytes ch(s.client.begin() + 9, s.client.begin() + s.client_records[1]);
    auto good = parse_client_hello(ch);
    ASSERT_TRUE(good.ok());
    ASSERT_TRUE(good.value.has_sni);
    // Corrupt the server_name list length: the hello still parses, the extension is flagged.
    const size_t sni_at = size_t(good.value.sni.data() - ch.data());
    Bytes b = ch;
    b[sni_at - 5] ^= 0x40;  // server_name_list length (2 bytes before type + 2-byte name length)
    auto p = parse_client_hello(b);
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p.value.has_bad_extension);
    EXPECT_EQ(p.value.bad_extension, 0);
    EXPECT_FALSE(p.value.has_sni);
    // Corrupt the extension block length: the hello is malformed.
    b = ch;
    const size_t ext_len_at = size_t(good.value.extensions.data() - ch.data()) - 2;
    b[ext_len_at + 1] ^= 0x01;
    EXPECT_EQ(parse_client_hello(b).status, TlsParseStatus::kInvalid);
    // Through the stream: a malformed_extension anomaly, and the ClientHello is still reported.
    Bytes stream = s.client;
    stream[9 + sni_at - 5] ^= 0x40;
    Tap t;
    t.feed(TlsDir::kClient, std::span(stream).first(s.client_records[1]));
    ASSERT_EQ(t.rec.anomalies.size(), 1u);
    EXPECT_EQ(t.rec.anomalies[0].kind, TlsAnomalyKind::kMalformedExtension);
    EXPECT_EQ(t.rec.client_hellos, 1);
    // Odd cipher suite bytes, no compression method, oversized session id.
    for (size_t off : {size_t(2 + 32 + 1 + ch[34] + 1), size_t(34)}) {
        b = ch;
        b[off] = off == 34 ? 33 : uint8_t(b[off] | 1);
        EXPECT_EQ(parse_client_hello(b).status, TlsParseStatus::kInvalid) << off;
    }
}

// ---- pick-up, resynchronisation and gaps --------------------------------------------

TEST(TlsBoundary, FindsTheNextRecordFromEveryOffset) {
    const Streams& s = streams();
    for (const Bytes* b : {&s.server, &s.client}) {
        const auto& starts = b == &s.server ? s.server_records : s.client_records;
        for (size_t o = 0; o < b->size(); ++o) {
            auto next = std::lower_bound(starts.begin(), starts.end(), o);
            auto r = find_record_boundary(std::span(*b).subspan(o));
            if (next == starts.end()) {
                // Only the tail of the last record: nothing to find.
                EXPECT_NE(r.kind, TlsBoundary::Kind::kFound) << o;
                continue;
            }
            ASSERT_EQ(r.kind, TlsBoundary::Kind::kFound) << "from offset " << o;
            EXPECT_EQ(o + r.offset, *next) << "from offset " << o;
            EXPECT_EQ(r.validated, next + 1 != starts.end());
        }
    }
    // The first bytes of a record whose end is not here yet: need more.
    auto r = find_record_boundary(std::span(s.server).first(s.server_records[1] + 100));
    EXPECT_EQ(r.kind, TlsBoundary::Kind::kFound);  // ServerHello validated by the Certificate header
    r = find_record_boundary(std::span(s.server).subspan(s.server_records[1]).first(100));
    EXPECT_EQ(r.kind, TlsBoundary::Kind::kNeedMore);
    EXPECT_EQ(r.offset, 0u);

    // Random bytes: bounded scan, nothing found, all but the undecidable tail dropped.
    std::mt19937 rng(99);
    Bytes noise(200000);
    for (auto& x : noise) x = uint8_t(rng());
    for (auto& x : noise)
        if (x >= 20 && x <= 23) x = 0;  // no record type anywhere
    r = find_record_boundary(noise);
    EXPECT_EQ(r.kind, TlsBoundary::Kind::kNotFound);
    EXPECT_EQ(r.offset, kTlsMaxBoundaryScan);
    r = find_record_boundary(std::span(noise).first(1000));
    EXPECT_EQ(r.kind, TlsBoundary::Kind::kNotFound);
    EXPECT_EQ(r.offset, 996u);
    EXPECT_EQ(find_record_boundary(std::span(noise).first(3)).offset, 0u);
}

TEST(TlsStreamResync, PickUpMidConnectionAtEveryOffset) {
    const Streams& s = streams();
    // The full run's server events, by record offset.
    auto full = feed_server(s.server);
    std::vector<std::pair<uint64_t, std::string>> full_events;
    for (size_t i = 0; i < full->rec.log.size(); ++i)
        if (full->rec.kinds[i][0] == 's') {
            uint64_t off = std::stoull(full->rec.log[i].substr(2));
            full_events.push_back({off, full->rec.kinds[i]});
        }
    for (size_t o = 1; o < s.server.size(); o += 7) {
        Tap t;
        t.server.resync();
        EXPECT_TRUE(t.server.resynchronising());
        std::mt19937 rng(o);
        size_t i = o;
        while (i < s.server.size()) {
            size_t n = std::min<size_t>(std::uniform_int_distribution<size_t>(1, 600)(rng), s.server.size() - i);
            t.feed(TlsDir::kServer, std::span(s.server).subspan(i, n));
            i += n;
        }
        t.end();
        auto next = std::lower_bound(s.server_records.begin(), s.server_records.end(), o);
        std::vector<std::pair<uint64_t, std::string>> got;
        for (size_t k = 0; k < t.rec.log.size(); ++k)
            got.push_back({std::stoull(t.rec.log[k].substr(2)) + o, t.rec.kinds[k]});
        if (next == s.server_records.end()) {
            EXPECT_TRUE(got.empty() || got[0].second != "s:anomaly:resynced") << o;
            continue;
        }
        ASSERT_FALSE(got.empty()) << o;
        EXPECT_EQ(got[0].second, "s:anomaly:resynced") << o;
        EXPECT_EQ(got[0].first, *next) << o;
        EXPECT_EQ(t.rec.anomalies[0].detail, *next - o);
        // From there on, the same events at the same offsets as the full run.
        std::vector<std::pair<uint64_t, std::string>> want;
        for (auto& e : full_events)
            if (e.first >= *next) want.push_back(e);
        got.erase(got.begin());
        EXPECT_EQ(got, want) << "picked up at " << o;
        EXPECT_TRUE(t.session.midstream);
    }
}

TEST(TlsStreamResync, EncryptedFinishedRecognisedAfterPickUp) {
    const Streams& s = streams();
    // Pick up the client direction right at its CCS and right after it.
    const size_t ccs = s.client_records.at(4);
    ASSERT_EQ(s.client[ccs], 20);
    for (size_t start : {ccs, s.client_records.at(5)}) {
        Tap t;
        t.client.resync();
        t.feed(TlsDir::kClient, std::span(s.client).subspan(start));
        t.end();
        std::vector<std::string> want = {"c:anomaly:resynced"};
        if (start == ccs) want.push_back("c:change_cipher_spec");
        for (auto k : {"c:finished", "c:application_data", "c:encrypted_alert"}) want.push_back(k);
        EXPECT_EQ(t.rec.kinds, want) << start;
        EXPECT_TRUE(t.client.encrypted());
    }
}

TEST(TlsStreamResync, GivesUpAfterBoundedScan) {
    std::mt19937 rng(5);
    Bytes noise(TlsStream::kMaxResyncBytes * 2);
    for (auto& x : noise) x = uint8_t(rng() % 20);  // never a record type
    Tap t;
    t.server.resync();
    for (size_t i = 0; i < noise.size(); i += 1000)
        t.feed(TlsDir::kServer, std::span(noise).subspan(i, std::min<size_t>(1000, noise.size() - i)));
    ASSERT_EQ(t.rec.anomalies.size(), 1u);
    EXPECT_EQ(t.rec.anomalies[0].kind, TlsAnomalyKind::kResyncFailed);
    EXPECT_TRUE(t.rec.anomalies[0].stopped);
    EXPECT_TRUE(t.server.stopped());
    EXPECT_LE(t.server.stats().skipped_bytes, TlsStream::kMaxResyncBytes + 32 * 1024);
    EXPECT_EQ(t.server.stats().bytes, noise.size());
}

TEST(TlsStreamGap, InsideARecordKeepsFraming) {
    const Streams& s = streams();
    // A gap inside the server's Certificate message body: that message is lost,
    // the rest of the flight is parsed.
    const size_t cert = s.server_records.at(1);
    {
        Tap t;
        t.feed(TlsDir::kClient, std::span(s.client).first(s.client_records[1]));
        const size_t cut = cert + 500;
        t.feed(TlsDir::kServer, std::span(s.server).first(cut));
        t.server.gap(100, t.rec);
        t.feed(TlsDir::kServer, std::span(s.server).subspan(cut + 100));
        EXPECT_EQ(server_kinds(t.rec),
                  K({"s:server_hello", "s:anomaly:gap", "s:server_key_exchange", "s:certificate_request",
                     "s:server_hello_done", "s:new_session_ticket", "s:change_cipher_spec", "s:finished",
                     "s:application_data", "s:encrypted_alert"}));
        EXPECT_EQ(t.rec.anomalies[0].detail, 100u);
        EXPECT_EQ(t.rec.anomalies[0].offset, cut);
    }
    // A gap in the middle of the application data record: still counted.
    const size_t app = s.server_records.at(8);
    ASSERT_EQ(s.server[app], 23);
    {
        Tap t;
        t.feed(TlsDir::kServer, std::span(s.server).first(app + 10));
        t.server.gap(20, t.rec);
        t.feed(TlsDir::kServer, std::span(s.server).subspan(app + 30));
        t.end();
        EXPECT_EQ(t.rec.app.size(), 1u);
        EXPECT_EQ(t.rec.enc_alerts.size(), 1u);
        EXPECT_EQ(t.rec.anomalies.size(), 1u);
    }
}

TEST(TlsStreamGap, AcrossRecordsResynchronises) {
    const Streams& s = streams();
    // Lose the end of the Certificate record and the ServerKeyExchange header.
    const size_t ske = s.server_records.at(2), cr = s.server_records.at(3);
    Tap t;
    t.feed(TlsDir::kClient, std::span(s.client).first(s.client_records[1]));
    t.feed(TlsDir::kServer, std::span(s.server).first(ske - 50));
    t.server.gap(60, t.rec);
    EXPECT_TRUE(t.server.resynchronising());
    t.feed(TlsDir::kServer, std::span(s.server).subspan(ske + 10));
    t.end();
    EXPECT_EQ(server_kinds(t.rec),
              K({"s:server_hello", "s:anomaly:gap", "s:anomaly:resynced", "s:certificate_request",
                 "s:server_hello_done", "s:new_session_ticket", "s:change_cipher_spec", "s:finished",
                 "s:application_data", "s:encrypted_alert"}));
    EXPECT_EQ(t.rec.anomalies.at(1).offset, cr);
    EXPECT_EQ(t.rec.anomalies.at(1).detail, cr - (ske + 10));
    EXPECT_FALSE(t.session.midstream);  // a gap is not a pick-up: the state is kept
}

TEST(TlsStreamBuffer, GivenBackOnceEncrypted) {
    const Streams& s = streams();
    Tap t;
    // Part of the server's Certificate: the buffer holds it and cannot be taken.
    const size_t cert = s.server_records.at(1);
    t.feed(TlsDir::kClient, std::span(s.client).first(s.client_records[1]));
    t.feed(TlsDir::kServer, std::span(s.server).first(cert + 700));
    EXPECT_TRUE(t.server.buffer_in_use());
    EXPECT_FALSE(t.server.set_buffer({}));
    EXPECT_FALSE(t.client.buffer_in_use());
    // The rest of the handshake, chunk by chunk, in wire order.
    t.feed(TlsDir::kServer, std::span(s.server).subspan(cert + 700, s.server_records.at(5) - cert - 700));
    EXPECT_FALSE(t.server.buffer_in_use());
    t.feed(TlsDir::kClient, std::span(s.client).subspan(s.client_records[1], s.client_records[6] - s.client_records[1]));
    t.feed(TlsDir::kServer, std::span(s.server).subspan(s.server_records.at(5), s.server_records.at(8) -
                                                                                   s.server_records.at(5)));
    ASSERT_TRUE(t.client.encrypted() && t.server.encrypted());
    // Both sides encrypted: give the buffers back; the rest still parses.
    EXPECT_TRUE(t.client.set_buffer({}));
    EXPECT_TRUE(t.server.set_buffer({}));
    t.feed(TlsDir::kClient, std::span(s.client).subspan(s.client_records[6]));
    t.feed(TlsDir::kServer, std::span(s.server).subspan(s.server_records.at(8)));
    t.end();
    EXPECT_TRUE(t.rec.anomalies.empty());
    EXPECT_EQ(t.rec.app.size(), 2u);
    EXPECT_EQ(t.rec.enc_alerts.size(), 2u);
    EXPECT_EQ(t.session.history.view(), "CsxkrnXGYIFtifDEde");  // the client's rest was fed first
}

// ---- history --------------------------------------------------------------------

TEST(TlsHistory, CaseRunsAndOverflow) {
    TlsHistory h;
    h.add('C', TlsDir::kClient);
    h.add('S', TlsDir::kServer);
    h.add('D', TlsDir::kClient);
    h.add('D', TlsDir::kClient);
    h.add('D', TlsDir::kServer);
    h.add('D', TlsDir::kServer);
    h.add('D', TlsDir::kClient);
    h.add('E', TlsDir::kServer);
    h.add('E', TlsDir::kServer);
    EXPECT_EQ(h.view(), "CsDdDee");
    for (int i = 0; i < 100; ++i) h.add(i % 2 ? 'L' : 'X', TlsDir(i % 2));
    EXPECT_EQ(h.size(), TlsHistory::kCapacity);
    EXPECT_TRUE(h.full());
    EXPECT_EQ(h.view().back(), '+');
    EXPECT_EQ(h.view().substr(0, 9), "CsDdDeeXl");
}

// For the fuzzer: CS_TLS_SEED_DIR=dir writes the transcripts above in the
// fuzz target's framed two-direction format.
TEST(TlsSeeds, WriteFuzzSeedsWhenAsked) {
    const char* dir = std::getenv("CS_TLS_SEED_DIR");
    if (!dir) GTEST_SKIP() << "CS_TLS_SEED_DIR not set";
    int n = 0;
    for (int variant = 0; variant < 4; ++variant) {
        Options o;
        if (variant == 1) o.max_version = TLS1_3_VERSION;
        if (variant == 2) o.server_trusts_client = false;
        if (variant == 3) o.cipher_list = "ECDHE-RSA-AES128-SHA";
        Conn conn(o);
        Bytes seed = {0x10 | 0x02};  // framed mode, buffer choice 2
        for (auto& s : conn.wire)
            for (size_t i = 0; i < s.bytes.size(); i += 255) {
                size_t len = std::min<size_t>(255, s.bytes.size() - i);
                seed.push_back(s.dir == TlsDir::kServer ? 1 : 0);
                seed.push_back(uint8_t(len));
                seed.insert(seed.end(), s.bytes.begin() + i, s.bytes.begin() + i + len);
            }
        std::string path = std::string(dir) + "/tls_seed_" + std::to_string(n++);
        FILE* f = std::fopen(path.c_str(), "wb");
        ASSERT_TRUE(f);
        std::fwrite(seed.data(), 1, seed.size(), f);
        std::fclose(f);
    }
}
