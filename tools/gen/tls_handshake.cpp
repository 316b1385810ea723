#include "tools/gen/tls_handshake.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <stdexcept>
#include <string_view>

namespace cs::gen::tls {

namespace {

// What the guide's peers negotiate (catalogs §5.1): ECDHE on a NIST curve,
// P-521 first, RSA signatures, AES-GCM.
constexpr char kDefaultCiphers[] =
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-SHA384:ECDHE-RSA-AES128-SHA256:"
    "AES256-GCM-SHA384:AES128-GCM-SHA256:AES256-SHA256:AES128-SHA256";
constexpr char kDefaultGroups[] = "P-521:P-384:P-256";
constexpr char kTls12Sigalgs[] = "RSA+SHA512:RSA+SHA384:RSA+SHA256:ECDSA+SHA384:ECDSA+SHA256";

[[noreturn]] void fail(std::string_view what) {
    char err[256] = "";
    ERR_error_string_n(ERR_get_error(), err, sizeof err);
    ERR_clear_error();
    throw std::runtime_error("TLS session: " + std::string(what) + ": " + err);
}

// The X.509 error whose alert (OpenSSL's ssl_x509err2alert) is `alert`.
int x509_error_for(uint8_t alert) {
    switch (alert) {
        case kUnknownCa: return X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
        case kBadCertificate: return X509_V_ERR_CERT_REJECTED;
        case kCertificateExpired: return X509_V_ERR_CERT_HAS_EXPIRED;
        case kCertificateUnknown: return X509_V_ERR_SUBJECT_ISSUER_MISMATCH;  // not in the table: certificate_unknown
        default: throw std::invalid_argument("reject_with: no X.509 error maps to alert " + std::to_string(alert));
    }
}

X509* decode_cert(const Der& der) {
    const unsigned char* p = der.data();
    X509* x = d2i_X509(nullptr, &p, long(der.size()));
    if (!x) fail("certificate");
    return x;
}

}  // namespace

struct Session::Side {
    Endpoint spec;
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
    BIO* wbio = nullptr;  // owned by ssl
    BIO* rbio = nullptr;  // owned by ssl
    bool done = false;
    bool failed = false;

    ~Side() {
        SSL_free(ssl);
        SSL_CTX_free(ctx);
    }

    // The verify callback: a chain the endpoint refuses gets the X.509 error
    // of the chosen alert (at the first failure or at the leaf).
    static int verify(int ok, X509_STORE_CTX* store) {
        auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
        auto* self = ssl ? static_cast<const Side*>(SSL_get_app_data(ssl)) : nullptr;
        if (!self || !self->spec.reject_with) return ok;
        if (!ok || X509_STORE_CTX_get_error_depth(store) == 0) {
            X509_STORE_CTX_set_error(store, x509_error_for(*self->spec.reject_with));
            return 0;
        }
        return ok;
    }

    void setup(bool server, int64_t now_unix) {
        if (spec.reject_with) x509_error_for(*spec.reject_with);  // refuse unmappable alerts up front
        ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
        if (!ctx) fail("SSL_CTX_new");
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_max_proto_version(ctx, spec.max_version == kTls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
        // No session tickets: they would carry the wall clock (encrypted), and
        // the guide's servers send none (CCS + Finished is 51 bytes).
        SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
        SSL_CTX_set_num_tickets(ctx, 0);
        SSL_CTX_set_mode(ctx, SSL_MODE_NO_AUTO_CHAIN);
        if (!server) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        if (SSL_CTX_set_cipher_list(ctx, spec.ciphers.empty() ? kDefaultCiphers : spec.ciphers.c_str()) != 1)
            fail("cipher list");
        if (SSL_CTX_set1_groups_list(ctx, spec.groups.empty() ? kDefaultGroups : spec.groups.c_str()) != 1)
            fail("groups");
        if (spec.max_version == kTls12 && SSL_CTX_set1_sigalgs_list(ctx, kTls12Sigalgs) != 1) fail("sigalgs");

        if (spec.credential) {
            const Credential& c = *spec.credential;
            if (c.chain.empty()) throw std::invalid_argument("credential without a certificate");
            X509* leaf = decode_cert(c.chain[0]);
            int ok = SSL_CTX_use_certificate(ctx, leaf);
            X509_free(leaf);
            if (ok != 1) fail("certificate");
            for (size_t i = 1; i < c.chain.size(); ++i) {
                X509* x = decode_cert(c.chain[i]);
                ok = SSL_CTX_add1_chain_cert(ctx, x);
                X509_free(x);
                if (ok != 1) fail("chain certificate");
            }
            const unsigned char* p = c.key.data();
            EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, long(c.key.size()));
            if (!key) fail("private key");
            ok = SSL_CTX_use_PrivateKey(ctx, key);
            EVP_PKEY_free(key);
            if (ok != 1) fail("private key");
        }
        X509_STORE* store = SSL_CTX_get_cert_store(ctx);
        for (const Der* anchor : spec.trust) {
            X509* x = decode_cert(*anchor);
            int ok = X509_STORE_add_cert(store, x);
            X509_free(x);
            if (ok != 1) fail("trust anchor");
        }
        X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(ctx), time_t(now_unix));
        int mode = SSL_VERIFY_PEER;
        if (server) mode = spec.request_cert ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE;
        SSL_CTX_set_verify(ctx, mode, &Side::verify);

        ssl = SSL_new(ctx);
        if (!ssl) fail("SSL_new");
        SSL_set_app_data(ssl, this);
        rbio = BIO_new(BIO_s_mem());
        wbio = BIO_new(BIO_s_mem());
        if (!rbio || !wbio) fail("BIO_new");
        SSL_set_bio(ssl, rbio, wbio);
        if (server) {
            SSL_set_accept_state(ssl);
        } else {
            SSL_set_connect_state(ssl);
            if (!spec.server_name.empty() && SSL_set_tlsext_host_name(ssl, spec.server_name.c_str()) != 1) fail("SNI");
        }
    }
};

Session::Session(const Endpoint& client, const Endpoint& server, uint64_t seed, int64_t now_unix) : stream_(seed) {
    RandomScope scope(stream_);
    sides_[0] = std::make_unique<Side>();
    sides_[0]->spec = client;
    sides_[0]->setup(false, now_unix);
    sides_[1] = std::make_unique<Side>();
    sides_[1]->spec = server;
    sides_[1]->setup(true, now_unix);
}

Session::~Session() = default;

std::vector<uint8_t> Session::drain(Peer p) {
    std::vector<uint8_t> out;
    BIO* w = side(p).wbio;
    while (size_t pending = BIO_ctrl_pending(w)) {
        size_t at = out.size();
        out.resize(at + pending);
        int n = BIO_read(w, out.data() + at, int(pending));
        out.resize(at + size_t(n > 0 ? n : 0));
        if (n <= 0) break;
    }
    return out;
}

void Session::deliver(Peer to, const std::vector<uint8_t>& bytes) {
    if (!bytes.empty() && BIO_write(side(to).rbio, bytes.data(), int(bytes.size())) != int(bytes.size()))
        fail("BIO_write");
}

std::vector<Flight> Session::handshake() {
    RandomScope scope(stream_);
    std::vector<Flight> flights;
    Peer turn = Peer::kClient;
    int quiet_turns = 0;
    while (quiet_turns < 2 && flights.size() < 32) {
        Side& s = side(turn);
        if (!s.done && !s.failed) {
            ERR_clear_error();
            int r = SSL_do_handshake(s.ssl);
            if (r == 1) {
                s.done = true;
            } else {
                int e = SSL_get_error(s.ssl, r);
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) s.failed = true;
            }
            ERR_clear_error();
        }
        std::vector<uint8_t> out = drain(turn);
        if (out.empty()) {
            ++quiet_turns;
        } else {
            quiet_turns = 0;
            deliver(other(turn), out);
            flights.push_back({turn, std::move(out)});
        }
        if (side(Peer::kClient).done && side(Peer::kServer).done && quiet_turns > 0) break;
        turn = other(turn);
    }
    return flights;
}

bool Session::established(Peer p) const { return side(p).done && !side(p).failed; }
bool Session::failed(Peer p) const { return side(p).failed; }
int Session::version() const { return SSL_version(side(Peer::kClient).ssl); }

std::vector<uint8_t> Session::write(Peer from, std::span<const uint8_t> plaintext) {
    RandomScope scope(stream_);
    if (!established(from)) throw std::logic_error("TLS session: write before the handshake completed");
    size_t written = 0;
    if (!plaintext.empty() && SSL_write_ex(side(from).ssl, plaintext.data(), plaintext.size(), &written) != 1)
        fail("SSL_write");
    std::vector<uint8_t> out = drain(from);
    deliver(other(from), out);
    // The peer reads them, as its application would.
    std::vector<uint8_t> sink(16384);
    size_t n = 0;
    while (SSL_read_ex(side(other(from)).ssl, sink.data(), sink.size(), &n) == 1) {
    }
    ERR_clear_error();
    return out;
}

std::vector<uint8_t> Session::close_notify(Peer from) {
    RandomScope scope(stream_);
    if (SSL_shutdown(side(from).ssl) < 0) fail("SSL_shutdown");
    ERR_clear_error();
    return drain(from);
}

std::vector<RecordInfo> records(std::span<const uint8_t> f) {
    std::vector<RecordInfo> out;
    bool encrypted = false;  // records after a ChangeCipherSpec are protected
    size_t off = 0;
    while (off + 5 <= f.size()) {
        size_t len = size_t(f[off + 3]) << 8 | f[off + 4];
        if (off + 5 + len > f.size()) break;
        RecordInfo r{off, 5 + len, f[off], -1};
        if (r.type == 22 && len >= 1 && !encrypted) r.handshake_type = f[off + 5];
        if (r.type == 20) encrypted = true;
        out.push_back(r);
        off += 5 + len;
    }
    return out;
}

std::pair<std::vector<uint8_t>, std::vector<uint8_t>> split_before(const std::vector<uint8_t>& flight,
                                                                  int handshake_type) {
    for (const RecordInfo& r : records(flight))
        if (r.handshake_type == handshake_type)
            return {std::vector<uint8_t>(flight.begin(), flight.begin() + ptrdiff_t(r.offset)),
                    std::vector<uint8_t>(flight.begin() + ptrdiff_t(r.offset), flight.end())};
    return {flight, {}};
}

}  // namespace cs::gen::tls
