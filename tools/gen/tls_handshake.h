// tls_handshake: one real TLS connection between two in-memory OpenSSL
// endpoints (SSL objects over memory BIOs), driven flight by flight, with the
// bytes each side wrote in order. Hooks make it fail the way a scenario needs
// (a verify callback refusing the peer's chain with a chosen alert); TLS 1.2
// and 1.3. All randomness comes from the session's seed (tls_pki.h).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "tools/gen/tls_pki.h"

namespace cs::gen::tls {

enum class Peer : uint8_t { kClient, kServer };
constexpr Peer other(Peer p) { return p == Peer::kClient ? Peer::kServer : Peer::kClient; }

// TLS 1.2 / 1.3 version numbers (as on the wire).
inline constexpr int kTls12 = 0x0303;
inline constexpr int kTls13 = 0x0304;

// Alert descriptions (RFC 5246 7.2, RFC 8446 6).
inline constexpr uint8_t kBadCertificate = 42;
inline constexpr uint8_t kCertificateExpired = 45;
inline constexpr uint8_t kCertificateUnknown = 46;
inline constexpr uint8_t kUnknownCa = 48;

struct Endpoint {
    const Credential* credential = nullptr;  // sent when asked (client) or always (server)
    std::vector<const Der*> trust;           // anchors the peer's chain is verified against
    bool request_cert = false;               // server: CertificateRequest, and a client certificate is required
    // Verify the peer's chain, then refuse it with this alert description
    // whatever the outcome (OpenSSL maps the X.509 error to the alert).
    std::optional<uint8_t> reject_with;
    std::string server_name;                 // client: SNI
    int max_version = kTls12;                // highest version offered (client) or accepted (server)
    std::string ciphers;                     // TLS 1.2 cipher list; empty: the generator's default
    std::string groups;                      // key exchange groups; empty: the generator's default
};

// What one side wrote in one go.
struct Flight {
    Peer from;
    std::vector<uint8_t> bytes;
};

class Session {
public:
    // `seed` drives every random value of both endpoints; certificates are
    // checked at `now_unix` (the scenario's time).
    Session(const Endpoint& client, const Endpoint& server, uint64_t seed, int64_t now_unix);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Runs the handshake: each side in turn takes what the other wrote and
    // writes its answer, until both are established, a side failed, or no side
    // has anything to say. Every non-empty write is a flight.
    std::vector<Flight> handshake();

    bool established(Peer p) const;
    bool failed(Peer p) const;
    // The negotiated version of a side (kTls12, kTls13), 0 before ServerHello.
    int version() const;

    // Application data: the records `from` writes for `plaintext` (the peer reads them).
    std::vector<uint8_t> write(Peer from, std::span<const uint8_t> plaintext);
    // The close_notify alert `from` sends on an orderly close.
    std::vector<uint8_t> close_notify(Peer from);

private:
    struct Side;
    Side& side(Peer p) { return *sides_[p == Peer::kClient ? 0 : 1]; }
    const Side& side(Peer p) const { return *sides_[p == Peer::kClient ? 0 : 1]; }
    std::vector<uint8_t> drain(Peer p);
    void deliver(Peer to, const std::vector<uint8_t>& bytes);

    std::mt19937_64 stream_;
    std::unique_ptr<Side> sides_[2];
};

// --- the record layer, as a reader of the flights sees it

struct RecordInfo {
    size_t offset = 0;      // of the record header in the flight
    size_t size = 0;        // header included
    uint8_t type = 0;       // 20 CCS, 21 alert, 22 handshake, 23 application data
    int handshake_type = -1;  // first handshake message of a cleartext handshake record
};
// The records of a flight (a trailing partial record is left out).
std::vector<RecordInfo> records(std::span<const uint8_t> flight);

// `flight` cut before its first record that starts handshake message
// `handshake_type` (e.g. 15 CertificateVerify, 16 ClientKeyExchange); the
// second part is empty when there is none.
std::pair<std::vector<uint8_t>, std::vector<uint8_t>> split_before(const std::vector<uint8_t>& flight,
                                                                  int handshake_type);

}  // namespace cs::gen::tls
