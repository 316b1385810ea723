// tls_pki: the test PKIs of callsentry-gen, shaped like the Hybrid Call guide's
// (names, chains, SAN list, RSA key sizes, validity), built with the OpenSSL 3
// API, and the seeded randomness that makes them and every handshake
// byte-identical from run to run. Generator-only: never link it into callsentry.
#pragma once
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace cs::gen::tls {

using Der = std::vector<uint8_t>;

// While a RandomScope lives, every random byte OpenSSL asks for in this
// process (keys, client/server randoms, ECDHE shares, session ids, RSA
// blinding, AEAD nonces) comes from `stream`: a legacy RAND_METHOD
// (RAND_set_rand_method, deprecated in OpenSSL 3.0 but still honoured by
// RAND_bytes_ex/RAND_priv_bytes_ex for every library context). The previous
// method and stream come back when the scope ends; scopes nest. Not thread
// safe: the generator is single-threaded.
class RandomScope {
public:
    explicit RandomScope(std::mt19937_64& stream);
    ~RandomScope();
    RandomScope(const RandomScope&) = delete;
    RandomScope& operator=(const RandomScope&) = delete;

private:
    std::mt19937_64* previous_stream_;
    const void* previous_method_;
};

// What an endpoint presents: its Certificate message (DER, leaf first) and
// the leaf's private key (DER). Endpoints decode both afresh for each
// connection, so no OpenSSL object state (RSA blinding) carries over between
// connections and each handshake depends only on its own seed.
struct Credential {
    std::vector<Der> chain;
    Der key;
};

// Trust anchors (self-signed roots).
const Der& quovadis_root();        // "QuoVadis Root CA 2", RSA-4096
const Der& godaddy_root();         // "Go Daddy Root Certificate Authority - G2", RSA-2048
const Der& godaddy_class2_root();  // "Go Daddy Class 2 Certification Authority", RSA-2048

// The Webex L2SIP certificate: CN l2sip-cfa-01.ciscospark.com with the
// guide's 25 SAN dNSNames, issued by "HydrantID SSL ICA G2" under "QuoVadis
// Root CA 2"; sent with the root, as Webex does (guide C8: 3 certificates).
const Credential& webex_l2sip();
// The same leaf name and key with neither callservice.ciscospark.com nor
// callservice.webex.com among its SANs (24 names).
const Credential& webex_l2sip_without_service_names();
// The 25 SAN dNSNames of the guide, in its order.
const std::vector<std::string>& webex_san_names();

// A Webex Calling SBC (seed 004, TLS on 8934): CN and SAN *.bcld.webex.com,
// same issuer and chain as the L2SIP certificate, valid 2022-12-19 to
// 2023-12-15; it serves phones and asks for no client certificate.
const Credential& wxc_sbc();

// The Expressway-E's public certificate: amer-expressway01.ciscotac.net
// (RSA-4096) under "Go Daddy Secure Certificate Authority - G2" under "Go
// Daddy Root Certificate Authority - G2" (guide C1: 3 certificates).
const Credential& expressway_public();
// The same leaf alone (guide TLS-3: the intermediate and root not sent).
const Credential& expressway_leaf_only();
// The Expressway's default certificate: CN amer-expressway01, OU "Temporary
// Certificate <uuid>", serial 1, no SAN, issued by "Temporary CA <uuid>"
// (not sent), valid one year (guide TLS-7).
const Credential& expressway_temporary();
// The vcse chain of guide C3/C7: vcse (RSA-4096) -> GoDaddy Secure CA G2 ->
// GoDaddy Root G2 cross-signed by Class 2 -> Go Daddy Class 2 CA.
const Credential& vcse_public();

}  // namespace cs::gen::tls
