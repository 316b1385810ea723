// TlsAnalyzer: the TLS analyzer of one connection. Both directions' in-order
// bytes come from the reassembler (it is each direction's StreamSink); content
// decides whether they are TLS at all; TlsStream parses them and this visitor
// turns the messages into TlsFacts, checking each certificate chain (OpenSSL,
// cached) and matching the leaf's identities against the signature rules
// (Hyperscan) as the Certificate message passes. Analyzers come from a
// per-worker pool with their parse buffers, so a new connection allocates
// nothing but what OpenSSL does for a chain it has not seen.
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "pipeline/tcp_reassembly.h"
#include "workers/tls_facts.h"

namespace cs {

// What every analyzer of a worker shares: trust checks and identity rules.
struct TlsWorkerContext {
    ChainChecker* chains = nullptr;
    const RuleSet* rules = nullptr;  // may be null: no identity tags
    Scratch* scratch = nullptr;
    bool cloud_is_client = false;    // set per connection: which side is the cloud
};

class TlsAnalyzer : public TlsVisitor {
public:
    enum class Content : uint8_t { kUnknown, kTls, kNotTls };

    TlsAnalyzer(std::span<uint8_t> client_buf, std::span<uint8_t> server_buf);

    // A new connection. `cloud_side`: which TLS side is the cloud (its chain is
    // checked against trust.cloud_cas, the other against trust.public_roots).
    void begin(TlsWorkerContext* ctx, TlsDir cloud_side, bool midstream);
    // The packet being processed: messages completed now are dated with it.
    void at_packet(uint32_t frame, uint64_t ns) { now_ = TlsAt{frame, ns}; }
    StreamSink& sink(TlsDir d) { return sinks_[size_t(d)]; }
    // The direction ended (FIN, RST, flush).
    void end(TlsDir d);

    Content content() const { return content_; }
    const TlsFacts& facts() const { return facts_; }
    const TlsSession& session() const { return session_; }

    // TlsVisitor
    void on_client_hello(const TlsClientHello& m) override;
    void on_server_hello(const TlsServerHello& m) override;
    void on_certificate(const TlsCertificate& m) override;
    void on_certificate_request(const TlsCertificateRequest& m) override;
    void on_server_key_exchange(const TlsServerKeyExchange& m) override;
    void on_client_key_exchange(const TlsClientKeyExchange& m) override;
    void on_certificate_verify(const TlsCertificateVerify& m) override;
    void on_change_cipher_spec(const TlsChangeCipherSpec& m) override;
    void on_finished(const TlsEncryptedHandshake& m) override;
    void on_alert(const TlsAlert& m) override;
    void on_encrypted_alert(const TlsEncryptedAlert& m) override;
    void on_application_data(const TlsApplicationData& m) override;
    void on_encrypted_record(const TlsEncryptedRecord& m) override;
    void on_anomaly(const TlsAnomaly& m) override;

private:
    // Adapts the reassembler's callbacks for one direction.
    class DirSink : public StreamSink {
    public:
        TlsAnalyzer* a = nullptr;
        TlsDir dir = TlsDir::kClient;
        void on_data(const uint8_t* data, uint32_t len) override { a->data(dir, data, len); }
        void on_gap(uint32_t missing) override { a->gap(dir, missing); }
        void on_anomaly(ReassemblyAnomaly) override { ++a->facts_.anomalies; }
        void on_end() override { a->end(dir); }
    };

    void data(TlsDir d, const uint8_t* p, uint32_t n);
    void gap(TlsDir d, uint32_t n);
    void sniff(TlsDir d, const uint8_t* p, uint32_t n);
    TlsSideFacts& side(TlsDir d) { return facts_.side[size_t(d)]; }
    void progress() { facts_.last_progress_ns = now_.ns; }
    void tag_leaf(TlsSideFacts& s);

    std::span<uint8_t> bufs_[2];
    TlsSession session_;
    std::optional<TlsStream> streams_[2];
    DirSink sinks_[2];
    TlsFacts facts_;
    TlsWorkerContext* ctx_ = nullptr;
    TlsDir cloud_side_ = TlsDir::kClient;
    Content content_ = Content::kUnknown;
    bool midstream_ = false;
    bool ended_[2] = {false, false};
    uint8_t sniff_buf_[16] = {};
    uint8_t sniff_len_ = 0;
    TlsDir sniff_dir_ = TlsDir::kClient;
    TlsAt now_;
};

// The worker's analyzers: a fixed number, each with its two parse buffers.
class TlsAnalyzerPool {
public:
    static constexpr uint32_t kNone = UINT32_MAX;
    TlsAnalyzerPool(uint32_t count, uint32_t buffer_bytes);
    uint32_t alloc();                 // kNone when all are in use
    void free(uint32_t idx);
    TlsAnalyzer& at(uint32_t idx) { return *analyzers_[idx]; }
    uint32_t in_use() const { return uint32_t(analyzers_.size() - free_.size()); }

private:
    std::unique_ptr<uint8_t[]> buffers_;
    std::vector<std::unique_ptr<TlsAnalyzer>> analyzers_;
    std::vector<uint32_t> free_;
};

}  // namespace cs
