// libFuzzer target for x509_cert: any bytes as a DER certificate. The summary
// must be an error value or a bounded, consistent summary, and identity
// matching must not read outside the names. The first byte also splits the
// input into a short chain for the order/completeness code (no trust store,
// so nothing is verified against a bundle and no file is needed).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

// Compiled into this unit, not taken from cs_core, so they get coverage
// feedback and ASan checks (OpenSSL itself is not instrumented).
#include "workers/cert_chain.cpp"
#include "workers/x509_cert.cpp"

namespace {
const cs::TrustStores& no_trust() {
    static std::shared_ptr<const cs::TrustStores> ts = [] {
        cs::TrustConfig tc;
        tc.public_roots.clear();  // nothing configured: no file read, verification not run
        std::string err;
        return cs::TrustStores::load(tc, &err);
    }();
    return *ts;
}

void check_summary(const cs::CertSummary& s, size_t size) {
    if (s.der_len != size) std::abort();
    if (!s.ok()) {
        if (!s.subject.empty() || !s.san_dns.empty() || s.self_signed) std::abort();
        if (cs::matches_identity(s, "callservice.ciscospark.com")) std::abort();
        return;
    }
    if (s.san_dns.size() > cs::kMaxSanDns || s.san_dns.size() > s.san_dns_total) std::abort();
    if (s.self_signed && !s.self_issued) std::abort();
    if (std::strlen(s.sha256_hex) != 64) std::abort();
    if (s.version > 3 || (s.version == 0) != ((s.anomalies & cs::kCertAnomBadVersion) != 0)) std::abort();
    for (const std::string& n : s.san_dns)
        for (char c : n)
            if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) std::abort();
    // Matching against the certificate's own names exercises every path.
    for (const std::string& n : s.san_dns) (void)cs::matches_identity(s, n);
    (void)cs::matches_identity(s, s.subject_cn);
    (void)cs::matches_identity(s, "callservice.ciscospark.com");
    (void)s.key_description();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    cs::CertSummary s;
    cs::summarize_cert(std::span<const uint8_t>(data, size), s);
    check_summary(s, size);

    // A chain: the first byte gives up to three split points.
    if (size < 4) return 0;
    const size_t parts = 1 + data[0] % 3;
    std::vector<std::span<const uint8_t>> certs;
    size_t at = 1;
    for (size_t i = 0; i < parts && at < size; ++i) {
        const size_t len = i + 1 == parts ? size - at : (size - at) / (parts - i);
        certs.emplace_back(data + at, len);
        at += len;
    }
    cs::ChainReport r;
    cs::check_chain(no_trust(), cs::TrustSet::kPublicRoots, certs, 1505916133ull * 1000000000ull, r);
    if (r.presented != certs.size() || r.certs.size() != certs.size()) std::abort();
    if (r.verify != cs::VerifyStatus::kNotRun) std::abort();
    if (r.bad_cert < 0 && r.path_len + r.unused != certs.size()) std::abort();
    return 0;
}
