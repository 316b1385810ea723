#include "workers/tls_analyzer.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace cs {

TlsAnalyzer::TlsAnalyzer(std::span<uint8_t> client_buf, std::span<uint8_t> server_buf) {
    bufs_[0] = client_buf;
    bufs_[1] = server_buf;
    for (int d = 0; d < 2; ++d) {
        sinks_[d].a = this;
        sinks_[d].dir = TlsDir(d);
    }
}

void TlsAnalyzer::begin(TlsWorkerContext* ctx, TlsDir cloud_side, bool midstream) {
    ctx_ = ctx;
    cloud_side_ = cloud_side;
    midstream_ = midstream;
    session_ = TlsSession{};
    facts_ = TlsFacts{};
    facts_.session = &session_;
    for (int d = 0; d < 2; ++d) {
        streams_[d].emplace(session_, TlsDir(d), bufs_[d]);
        if (midstream) streams_[d]->resync();
        ended_[d] = false;
    }
    // Picked up mid-connection, there is no first record to sniff: the streams
    // hunt for a record boundary and give up cleanly if there is none.
    content_ = midstream ? Content::kTls : Content::kUnknown;
    sniff_len_ = 0;
    now_ = TlsAt{};
}

void TlsAnalyzer::data(TlsDir d, const uint8_t* p, uint32_t n) {
    if (content_ == Content::kNotTls || n == 0) return;
    if (content_ == Content::kUnknown) {
        sniff(d, p, n);
        return;
    }
    streams_[size_t(d)]->feed({p, n}, *this);
}

// Content decides, not the port: the first bytes of the first direction that
// speaks must open a TLS record.
void TlsAnalyzer::sniff(TlsDir d, const uint8_t* p, uint32_t n) {
    if (sniff_len_ > 0 && d != sniff_dir_) return;  // the other side talks before the first decided: ignored
    sniff_dir_ = d;
    const uint8_t before = sniff_len_;
    const uint32_t take = std::min<uint32_t>(n, sizeof sniff_buf_ - sniff_len_);
    std::memcpy(sniff_buf_ + sniff_len_, p, take);
    sniff_len_ = uint8_t(sniff_len_ + take);
    switch (looks_like_tls({sniff_buf_, sniff_len_})) {
        case TlsSniff::kYes:
            content_ = Content::kTls;
            if (before) streams_[size_t(d)]->feed({sniff_buf_, before}, *this);
            streams_[size_t(d)]->feed({p, n}, *this);
            return;
        case TlsSniff::kNo:
            content_ = Content::kNotTls;
            return;
        case TlsSniff::kNeedMore:
            if (sniff_len_ == sizeof sniff_buf_) content_ = Content::kNotTls;
            return;
    }
}

void TlsAnalyzer::gap(TlsDir d, uint32_t n) {
    ++facts_.anomalies;
    if (content_ == Content::kTls) streams_[size_t(d)]->gap(n, *this);
}

void TlsAnalyzer::end(TlsDir d) {
    if (ended_[size_t(d)]) return;
    ended_[size_t(d)] = true;
    if (content_ == Content::kTls) streams_[size_t(d)]->end(*this);
}

void TlsAnalyzer::tag_leaf(TlsSideFacts& s) {
    if (!ctx_->rules || !ctx_->scratch || s.chain.certs.empty()) return;
    const CertSummary& leaf = s.chain.certs.front();
    if (!leaf.ok()) return;
    const RuleSet& r = *ctx_->rules;
    r.scan(*ctx_->scratch, Field::kSubjectCn, leaf.subject_cn, s.leaf_tags);
    r.scan(*ctx_->scratch, Field::kSubject, leaf.subject, s.leaf_tags);
    r.scan(*ctx_->scratch, Field::kIssuer, leaf.issuer, s.leaf_tags);
    for (const auto& san : leaf.san_dns) r.scan(*ctx_->scratch, Field::kSan, san, s.leaf_tags);
}

void TlsAnalyzer::on_client_hello(const TlsClientHello& m) {
    side(TlsDir::kClient).hello = now_;
    progress();
    if (!m.has_sni) return;
    const size_t n = std::min(m.sni.size(), sizeof facts_.sni - 1);
    std::memcpy(facts_.sni, m.sni.data(), n);
    facts_.sni[n] = 0;
    if (ctx_->rules && ctx_->scratch)
        ctx_->rules->scan(*ctx_->scratch, Field::kSni, std::string_view(facts_.sni, n), facts_.sni_tags);
}

void TlsAnalyzer::on_server_hello(const TlsServerHello& m) {
    if (m.hello_retry_request) return;
    side(TlsDir::kServer).hello = now_;
    progress();
}

void TlsAnalyzer::on_certificate(const TlsCertificate& m) {
    TlsSideFacts& s = side(m.from);
    s.certificate = now_;
    progress();
    // The checker looks at the first kMaxChainCerts and flags longer chains;
    // it must see how many there were, up to a bound on this stack array.
    std::array<std::span<const uint8_t>, 4 * kMaxChainCerts> certs;
    size_t n = 0;
    for (auto der : m) {
        if (n == certs.size()) break;
        certs[n++] = der;
    }
    if (!ctx_->chains) return;
    const TrustSet which = m.from == cloud_side_ ? TrustSet::kCloudCas : TrustSet::kPublicRoots;
    s.chain = ctx_->chains->check(which, {certs.data(), n}, now_.ns);
    s.chain_checked = true;
    tag_leaf(s);
}

void TlsAnalyzer::on_certificate_request(const TlsCertificateRequest&) {
    facts_.certificate_request = now_;
    progress();
}

void TlsAnalyzer::on_server_key_exchange(const TlsServerKeyExchange& m) {
    side(m.from).key_exchange = now_;
    progress();
}

void TlsAnalyzer::on_client_key_exchange(const TlsClientKeyExchange& m) {
    side(m.from).key_exchange = now_;
    progress();
}

void TlsAnalyzer::on_certificate_verify(const TlsCertificateVerify& m) {
    side(m.from).certificate_verify = now_;
    progress();
}

void TlsAnalyzer::on_change_cipher_spec(const TlsChangeCipherSpec& m) {
    if (m.tls13_compat) return;
    side(m.from).ccs = now_;
    progress();
}

void TlsAnalyzer::on_finished(const TlsEncryptedHandshake& m) {
    side(m.from).finished = now_;
    progress();
}

void TlsAnalyzer::on_alert(const TlsAlert& m) {
    // The first alert tells the story; a fatal one after a warning tells it better.
    if (facts_.alert_seen && !(facts_.alert.level == 1 && m.level == 2)) return;
    facts_.alert_seen = true;
    facts_.alert = TlsAlertFacts{now_, m.from, m.level, m.description, false, !side(m.from).ccs.seen()};
}

void TlsAnalyzer::on_encrypted_alert(const TlsEncryptedAlert& m) {
    TlsSideFacts& s = side(m.from);
    if (!s.encrypted_alert.seen()) s.encrypted_alert = now_;
}

void TlsAnalyzer::on_application_data(const TlsApplicationData& m) {
    TlsSideFacts& s = side(m.from);
    if (!s.first_app.seen()) s.first_app = now_;
    ++s.app_records;
    s.app_bytes += m.record_length;
}

void TlsAnalyzer::on_encrypted_record(const TlsEncryptedRecord& m) {
    TlsSideFacts& s = side(m.from);
    ++s.encrypted_records;
    s.last_encrypted = now_;
    if (m.likely_alert && !s.encrypted_alert.seen()) s.encrypted_alert = now_;
    if (m.from == TlsDir::kClient && !m.early_data) {
        facts_.tls13_client_flight = true;
    } else if (m.from == TlsDir::kServer && facts_.tls13_client_flight) {
        if (m.likely_alert) facts_.tls13_alert_after_client = true;
        else if (!facts_.tls13_alert_after_client) facts_.tls13_server_answered = true;
    }
}

void TlsAnalyzer::on_anomaly(const TlsAnomaly& m) {
    ++facts_.anomalies;
    // Picked up mid-stream, bytes with no record boundary in them are not TLS.
    if (m.kind == TlsAnomalyKind::kResyncFailed && midstream_ && facts_.last_progress_ns == 0) content_ = Content::kNotTls;
}

TlsAnalyzerPool::TlsAnalyzerPool(uint32_t count, uint32_t buffer_bytes)
    : buffers_(new uint8_t[size_t(count) * 2 * buffer_bytes]) {
    analyzers_.reserve(count);
    free_.reserve(count);
    for (uint32_t i = 0; i < count; ++i) {
        uint8_t* base = buffers_.get() + size_t(i) * 2 * buffer_bytes;
        analyzers_.push_back(std::make_unique<TlsAnalyzer>(std::span<uint8_t>(base, buffer_bytes),
                                                           std::span<uint8_t>(base + buffer_bytes, buffer_bytes)));
    }
    for (uint32_t i = count; i-- > 0;) free_.push_back(i);
}

uint32_t TlsAnalyzerPool::alloc() {
    if (free_.empty()) return kNone;
    uint32_t i = free_.back();
    free_.pop_back();
    return i;
}

void TlsAnalyzerPool::free(uint32_t idx) { free_.push_back(idx); }

}  // namespace cs
