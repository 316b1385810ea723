#include "workers/tls_event_log.h"

#include "workers/event_head.h"

#include <fmt/format.h>

#include <algorithm>

#include "pipeline/ecs_json.h"
#include "workers/catalog_json.h"

namespace cs {

namespace {

// Without local networks the on-prem side is inferred from the certificates.
const char* side_word(const TlsIncident& i, TlsDir d) { return d == i.verdict.onprem ? "on-prem" : "cloud"; }

std::string ms(int64_t ns) { return fmt::format("{:.1f} ms", double(ns) / 1e6); }

std::string chain_text(const ChainReport& c) {
    std::string names;
    for (size_t k = 0; k < c.certs.size(); ++k) {
        const CertSummary& s = c.certs[k];
        if (k) names += " <- ";
        names += s.ok() ? (s.subject_cn.empty() ? s.subject : s.subject_cn) : std::string("unparsable");
    }
    std::string verdict = c.complete() ? "complete" : "incomplete";
    if (c.verify == VerifyStatus::kOk) verdict += ", verifies";
    else if (c.verify == VerifyStatus::kFailed) verdict += fmt::format(", does not verify: {}", c.verify_error_text);
    return fmt::format("{} certificate{} ({}); {} against {}", c.presented, c.presented == 1 ? "" : "s", names, verdict,
                       trust_set_name(c.trust));
}

void write_cert(JsonWriter& w, const CertSummary& s) {
    w.StartObject();
    if (!s.ok()) {
        w.Key("error"); w.String(cert_error_name(s.error));
        w.EndObject();
        return;
    }
    w.Key("subject"); w.StartObject();
    w.Key("distinguished_name"); w.String(s.subject.c_str());
    w.Key("common_name"); w.String(s.subject_cn.c_str());
    w.EndObject();
    w.Key("issuer"); w.StartObject();
    w.Key("distinguished_name"); w.String(s.issuer.c_str());
    w.Key("common_name"); w.String(s.issuer_cn.c_str());
    w.EndObject();
    w.Key("alternative_names"); w.StartArray();
    for (const auto& n : s.san_dns) w.String(n.c_str());
    w.EndArray();
    w.Key("serial_number"); w.String(s.serial_hex.c_str());
    w.Key("not_before"); w.String(s.not_before_iso);
    w.Key("not_after"); w.String(s.not_after_iso);
    w.Key("public_key_algorithm"); w.String(key_type_name(s.key_type));
    w.Key("public_key_size"); w.Uint(s.key_bits);
    w.Key("signature_algorithm"); w.String(s.sig_alg.c_str());
    w.Key("sha256"); w.String(s.sha256_hex);
    w.Key("is_ca"); w.Bool(s.is_ca);
    w.Key("self_signed"); w.Bool(s.self_signed);
    w.EndObject();
}

void write_side(JsonWriter& w, const char* key, const TlsSideFacts& s, const char* sni) {
    w.Key(key);
    w.StartObject();
    if (sni && *sni) {
        w.Key("server_name"); w.String(sni);
    }
    if (s.chain_checked && !s.chain.certs.empty()) {
        w.Key("x509");
        write_cert(w, s.chain.certs.front());
        w.Key("chain");
        w.StartObject();
        w.Key("presented"); w.Uint(s.chain.presented);
        w.Key("ordered"); w.Bool(s.chain.ordered);
        w.Key("completion"); w.String(completion_name(s.chain.completion));
        w.Key("trust"); w.String(trust_set_name(s.chain.trust));
        w.Key("verified"); w.Bool(s.chain.verify == VerifyStatus::kOk);
        w.Key("verify_error"); w.String(s.chain.verify_error_text);
        w.Key("certificates"); w.StartArray();
        for (const auto& c : s.chain.certs) write_cert(w, c);
        w.EndArray();
        w.EndObject();
    }
    w.EndObject();
}

// The messages that tell the story, in wire order by frame.
std::vector<std::string> evidence_of(const TlsIncident& i) {
    const TlsFacts& f = i.facts;
    struct Line {
        uint32_t frame;
        std::string text;
    };
    std::vector<Line> lines;
    auto at = [&](const TlsAt& a, std::string text) {
        if (a.seen()) lines.push_back({a.frame, fmt::format("frame {}: {}", a.frame, text)});
    };
    const TlsSideFacts &cl = f.of(TlsDir::kClient), &sv = f.of(TlsDir::kServer);
    at(cl.hello, fmt::format("ClientHello from {} {}:{}{}", side_word(i, TlsDir::kClient), i.client_ip.to_string(),
                             i.client_port, f.sni[0] ? fmt::format(" (SNI {})", f.sni) : std::string()));
    at(sv.hello, fmt::format("ServerHello from {}, TLS {}", side_word(i, TlsDir::kServer),
                             tls_version_name(i.session.version)));
    for (int d = 1; d >= 0; --d) {
        const TlsSideFacts& s = f.side[d];
        if (s.chain_checked) at(s.certificate, fmt::format("Certificate from {}: {}", side_word(i, TlsDir(d)), chain_text(s.chain)));
    }
    at(f.certificate_request, "CertificateRequest from the server (mutual TLS)");
    for (int d = 0; d < 2; ++d) {
        const TlsSideFacts& s = f.side[d];
        at(s.ccs, fmt::format("ChangeCipherSpec from {}", side_word(i, TlsDir(d))));
        if (s.app_records)
            at(s.first_app, fmt::format("application data from {} ({} records, {} bytes)", side_word(i, TlsDir(d)),
                                        s.app_records, s.app_bytes));
    }
    if (f.alert_seen) {
        const TlsAlertFacts& a = f.alert;
        const TlsDir peer = a.from == TlsDir::kClient ? TlsDir::kServer : TlsDir::kClient;
        std::string when;
        if (f.of(peer).certificate.seen())
            when = fmt::format(", {} after the {}'s Certificate", ms(int64_t(a.at.ns - f.of(peer).certificate.ns)),
                               side_word(i, peer));
        at(a.at, fmt::format("Alert {} {} from {}{}{}", tls_alert_level_name(a.level),
                             tls_alert_description_name(a.description), side_word(i, a.from), when,
                             a.before_sender_ccs ? ", before its own ChangeCipherSpec" : ""));
    }
    const TcpConnection& t = i.tcp;
    if (t.rst_seen)
        lines.push_back({t.rst.frame, fmt::format("frame {}: RST from {} (TTL {})", t.rst.frame,
                                                  side_word(i, TlsDir(t.rst.from)), t.rst.ttl)});
    else if (t.fin_first_from != 0xff) {
        const TcpSideFacts& s = t.side[t.fin_first_from];
        lines.push_back({s.fin_frame, fmt::format("frame {}: FIN from {}", s.fin_frame, side_word(i, TlsDir(t.fin_first_from)))});
    }
    std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) { return a.frame < b.frame; });
    std::vector<std::string> out;
    for (auto& l : lines) out.push_back(std::move(l.text));
    if (i.verdict.reset_judged)
        for (const auto& r : i.verdict.reset.reasons) out.push_back("reset does not fit its sender: " + r);
    return out;
}

// The other vantage's testimony (FIREWALL_FORGED_RST).
void add_pairing(const TlsIncident& i, const EventContext& ctx, std::vector<std::string>& out) {
    if (i.paired_vantage < 0) return;
    const std::string name = size_t(i.paired_vantage) < ctx.vantages.size() ? ctx.vantages[i.paired_vantage] : "?";
    for (const auto& e : i.paired_evidence) out.push_back("vantage " + name + ": " + e);
}

std::vector<std::string> history_line(const TlsIncident& i) {
    std::vector<std::string> out;
    out.push_back(fmt::format("history {} (upper case: client, lower case: server)", i.session.history.view()));
    return out;
}

std::vector<std::string> full_evidence(const TlsIncident& i, const EventContext& ctx) {
    std::vector<std::string> out = evidence_of(i);
    add_pairing(i, ctx, out);
    for (auto& h : history_line(i)) out.push_back(std::move(h));
    return out;
}


void write_header(JsonWriter& w, FailureCode code, const char* action, const std::string& reason, uint64_t ts,
                  uint64_t end, uint16_t vantage, const EventContext& ctx) {
    const bool ok = code == FailureCode::kTlsOk;
    EventHead h;
    h.code = code;
    h.action = action;
    h.reason = reason;
    h.ts_ns = h.start_ns = ts;
    h.end_ns = end;
    h.alert = !ok;
    h.outcome = ok || code == FailureCode::kTlsDefaultCertPresent ? "success" : "failure";
    write_event_head(w, h);
    open_observer(w, vantage, ctx);
    w.EndObject();
}

}  // namespace

std::string topic_for(FailureCode code) {
    const CatalogEntry& e = catalog_entry(code);
    const char* kind = code == FailureCode::kTlsOk ? "ok" : e.severity <= 2 ? "warning" : "failure";
    return fmt::format("callsentry.{}.{}", kind, e.name);
}

RenderedEvent render_tls_incident(const TlsIncident& i, const EventContext& ctx) {
    const TlsFacts& f = i.facts;
    const FailureCode code = i.verdict.code;
    std::string reason = i.verdict.detail;
    if (reason.empty())
        reason = code == FailureCode::kTlsOk ? fmt::format("mutual TLS {} established", tls_version_name(i.session.version))
                                             : std::string(catalog_entry(code).name);
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    write_header(w, code, "tls_handshake", reason, i.tcp.first_ns, i.decided_ns, i.vantage, ctx);
    write_flow(w, FlowEnds{i.client_ip, i.server_ip, i.client_port, i.server_port, 6}, "tls", i.direction);

    w.Key("tls"); w.StartObject();
    w.Key("version"); w.String(tls_version_name(i.session.version));
    w.Key("version_protocol"); w.String("tls");
    w.Key("established"); w.Bool(f.handshake_complete() || (i.session.tls13 && code == FailureCode::kTlsOk));
    if (i.session.cipher_suite) {
        w.Key("cipher"); w.String(fmt::format("0x{:04x}", i.session.cipher_suite).c_str());
    }
    w.Key("mutual"); w.Bool(f.certificate_request.seen());
    write_side(w, "client", f.of(TlsDir::kClient), f.sni);
    write_side(w, "server", f.of(TlsDir::kServer), nullptr);
    if (f.alert_seen) {
        w.Key("alert"); w.StartObject();
        w.Key("from"); w.String(side_word(i, f.alert.from));
        w.Key("sender"); w.String(f.alert.from == TlsDir::kClient ? "client" : "server");
        w.Key("level"); w.String(tls_alert_level_name(f.alert.level));
        w.Key("description"); w.String(tls_alert_description_name(f.alert.description));
        w.Key("frame"); w.Uint(f.alert.at.frame);
        w.EndObject();
    }
    w.Key("history"); w.String(std::string(i.session.history.view()).c_str());
    w.EndObject();

    w.Key("callsentry"); w.StartObject();
    write_guidance(w, code, i.direction == Direction::kInbound, code == FailureCode::kTlsOk ? std::vector<std::string>{} : full_evidence(i, ctx));
    w.Key("handshake"); w.StartObject();
    w.Key("onprem_side"); w.String(i.verdict.onprem == TlsDir::kClient ? "client" : "server");
    const TlsAt& hello = f.of(TlsDir::kClient).hello;
    const TlsAt& done = f.of(TlsDir::kServer).finished.seen() ? f.of(TlsDir::kServer).finished : f.of(TlsDir::kClient).finished;
    if (hello.seen() && done.seen()) {
        w.Key("time_ms"); w.Double(double(done.ns - hello.ns) / 1e6);
    }
    if (f.alert_seen) {
        const TlsDir peer = f.alert.from == TlsDir::kClient ? TlsDir::kServer : TlsDir::kClient;
        if (f.of(peer).certificate.seen()) {
            w.Key("certificate_to_alert_ms"); w.Double(double(f.alert.at.ns - f.of(peer).certificate.ns) / 1e6);
        }
    }
    if (i.tcp.rtt_server_ns >= 0) {
        w.Key("rtt_server_ms"); w.Double(double(i.tcp.rtt_server_ns) / 1e6);
    }
    if (i.verdict.closed_by_known) {
        w.Key("closed_by"); w.String(side_word(i, i.verdict.closed_by));
        w.Key("closed_with"); w.String(i.verdict.by_reset ? "rst" : "fin");
    }
    w.EndObject();
    if (i.verdict.reset_judged) {
        const ResetFit& r = i.verdict.reset;
        w.Key("reset"); w.StartObject();
        w.Key("forged"); w.Bool(r.forged());
        w.Key("ttl"); w.String(fit_verdict_name(r.ttl));
        w.Key("ip_id"); w.String(fit_verdict_name(r.ip_id));
        w.Key("timestamp"); w.String(fit_verdict_name(r.ts));
        w.Key("timing"); w.String(fit_verdict_name(r.timing));
        if (r.latency_ns >= 0) { w.Key("latency_ms"); w.Double(double(r.latency_ns) / 1e6); }
        if (r.sender_rtt_ns >= 0) { w.Key("sender_rtt_ms"); w.Double(double(r.sender_rtt_ns) / 1e6); }
        w.EndObject();
    }
    w.EndObject();
    w.EndObject();
    return {topic_for(code), buf.GetString()};
}

RenderedEvent render_tls_fold(const IncidentFold& f, const EventContext& ctx) {
    const FailureCode code = f.key.base.code;
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    w.StartObject();
    std::string reason = fmt::format("{} more connection{} with the same verdict ({}) to {} port {}", f.count,
                                     f.count == 1 ? "" : "s", catalog_entry(code).name, f.key.base.onprem_ip.to_string(),
                                     f.key.base.service_port);
    write_header(w, code, "folded", reason, f.window_end_ns, f.last_ns, f.key.base.vantage, ctx);
    w.Key("network"); w.StartObject();
    w.Key("transport"); w.String("tcp");
    w.Key("protocol"); w.String("tls");
    w.Key("direction"); w.String(direction_name(f.key.base.direction));
    w.EndObject();
    w.Key("callsentry"); w.StartObject();
    write_guidance(w, code, f.key.base.direction == Direction::kInbound, {});
    w.Key("fold"); w.StartObject();
    write_fold_times(w, f.count, f.first_ns, f.last_ns, f.window_start_ns, f.window_end_ns);
    w.Key("connections"); w.StartArray();
    for (const auto& c : f.connections) w.String(c.c_str());
    w.EndArray();
    w.Key("connections_total"); w.Uint(f.connections_total);
    w.EndObject();
    w.EndObject();
    w.EndObject();
    return {topic_for(code), buf.GetString()};
}

}  // namespace cs
