// What each TLS scenario of callsentry-gen must yield, per the failure catalog:
// shared by the engine-level test and the end-to-end test of the binary.
#pragma once
#include <map>
#include <string>
#include <vector>

inline const std::map<std::string, std::vector<std::string>> kTlsScenarioVerdicts = {
    {"tls-healthy", {"TLS_OK", "TLS_OK"}},
    {"tls-untrusted-cloud-ca", {"TLS_UNTRUSTED_CLOUD_CA"}},
    {"tls-identity-rejected", {"TLS_IDENTITY_REJECTED"}},
    {"tls-cloud-identity-missing", {"TLS_CLOUD_IDENTITY_MISSING"}},
    {"tls-incomplete-chain", {"TLS_INCOMPLETE_CHAIN"}},
    {"tls-cert-rejected-by-cloud", {"TLS_CERT_REJECTED_BY_CLOUD"}},
    {"tls-default-cert", {"TLS_DEFAULT_CERT"}},
    {"tls-midpath-reset", {"TLS_MIDPATH_RESET"}},
    {"tls-handshake-stalled", {"TLS_HANDSHAKE_STALLED"}},
    {"tls13-failed", {"TLS13_HANDSHAKE_FAILED"}},
};
