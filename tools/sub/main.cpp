// callsentry-sub: subscribes to callsentry's ZeroMQ events and prints them, as
// the JSON body one per line (for pipes and SIEM forwarders) or readably for a
// person at a terminal. Tolerates events with fields missing: prints "-".
#include <chrono>
#include <cmath>
#include <cstdio>
#include <initializer_list>
#include <string>

#include <CLI/CLI.hpp>
#include <rapidjson/document.h>
#include <zmq.hpp>

namespace {

using rapidjson::Value;

// The value at a path of object keys, or nullptr when any step is missing.
const Value* find(const Value& root, std::initializer_list<const char*> path) {
    const Value* v = &root;
    for (const char* key : path) {
        if (!v->IsObject()) return nullptr;
        auto it = v->FindMember(key);
        if (it == v->MemberEnd()) return nullptr;
        v = &it->value;
    }
    return v;
}

std::string text(const Value* v) {
    if (!v || v->IsNull()) return "-";
    if (v->IsString()) return std::string(v->GetString(), v->GetStringLength());
    if (v->IsBool()) return v->GetBool() ? "true" : "false";
    if (v->IsInt64()) return std::to_string(v->GetInt64());
    if (v->IsUint64()) return std::to_string(v->GetUint64());
    if (v->IsNumber()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v->GetDouble());
        return buf;
    }
    return "-";
}

std::string text(const Value& root, std::initializer_list<const char*> path) { return text(find(root, path)); }

// "ip:port", with IPv6 addresses in brackets so the port stays readable.
std::string endpoint(const Value& root, const char* side) {
    std::string ip = text(root, {side, "ip"});
    if (ip.find(':') != std::string::npos) ip = "[" + ip + "]";
    return ip + ":" + text(root, {side, "port"});
}

void print_event(const std::string& topic, const Value& e) {
    std::string code = text(e, {"event", "code"});
    if (code == "-" && !topic.empty()) code = topic;
    std::printf("%s %s sev=%s %s %s -> %s %s\n", text(e, {"@timestamp"}).c_str(), code.c_str(),
                text(e, {"event", "severity"}).c_str(), text(e, {"observer", "vantage"}).c_str(),
                endpoint(e, "source").c_str(), endpoint(e, "destination").c_str(),
                text(e, {"network", "direction"}).c_str());
    if (const Value* r = find(e, {"event", "reason"})) std::printf("  reason: %s\n", text(r).c_str());
    if (const Value* ev = find(e, {"callsentry", "evidence"}); ev && ev->IsArray())
        for (const auto& line : ev->GetArray()) std::printf("  evidence: %s\n", text(&line).c_str());
    if (const Value* r = find(e, {"callsentry", "remediation"})) std::printf("  remediation: %s\n", text(r).c_str());
}

// Adds up every number under v (the drop counters are spread over a few objects).
uint64_t sum_numbers(const Value* v) {
    if (!v) return 0;
    if (v->IsUint64()) return v->GetUint64();
    uint64_t n = 0;
    if (v->IsObject())
        for (const auto& m : v->GetObject()) n += sum_numbers(&m.value);
    return n;
}

void print_stats(const Value& e) {
    const Value* s = find(e, {"callsentry", "stats"});
    if (!s) s = &e;
    uint64_t dropped = sum_numbers(find(*s, {"drops"}));
    bool any_drop_field = find(*s, {"drops"}) != nullptr;
    if (const Value* ev = find(*s, {"events"}); ev && ev->IsObject())
        for (const auto& m : ev->GetObject()) {
            std::string_view key(m.name.GetString(), m.name.GetStringLength());
            if (key.rfind("dropped", 0) == 0) {
                dropped += sum_numbers(&m.value);
                any_drop_field = true;
            }
        }
    std::printf("%s stats %s packets=%s monitored=%s flows=%s events=%s dropped=%s workers=%s\n",
                text(e, {"@timestamp"}).c_str(), text(e, {"event", "action"}).c_str(), text(*s, {"packets"}).c_str(),
                text(*s, {"packets_monitored"}).c_str(), text(*s, {"flows", "live"}).c_str(),
                text(*s, {"events", "published"}).c_str(), any_drop_field ? std::to_string(dropped).c_str() : "-",
                text(*s, {"workers"}).c_str());
}

void print_pretty(const std::string& topic, const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str(), body.size());
    if (d.HasParseError() || !d.IsObject()) {
        std::printf("%s (not a JSON object): %.200s\n", topic.empty() ? "-" : topic.c_str(), body.c_str());
        return;
    }
    if (topic.rfind("callsentry.stats", 0) == 0) print_stats(d);
    else print_event(topic, d);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"callsentry-sub: subscribe to callsentry events over ZeroMQ and print them.", "callsentry-sub"};
    std::string connect = "tcp://127.0.0.1:5570", topic = "callsentry.", format = "json";
    int64_t count = 0;
    double timeout_s = 0;
    app.add_option("--connect", connect, "publisher endpoint (default tcp://127.0.0.1:5570)")->type_name("ENDPOINT");
    app.add_option("--topic", topic, "topic prefix to subscribe to (default callsentry.; \"\" for all)")->type_name("PREFIX");
    app.add_option("--format", format, "json: the event body, one per line; pretty: for people (default json)")
        ->type_name("json|pretty");
    app.add_option("--count", count, "exit after N events (default 0: no limit)")->type_name("N");
    app.add_option("--timeout", timeout_s, "exit after S seconds without an event (default 0: wait forever)")
        ->type_name("SECONDS");
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        std::fputs(app.help().c_str(), stdout);
        return 0;
    } catch (const CLI::ParseError& e) {
        std::string msg = e.what();
        for (auto& c : msg)
            if (c == '\n') c = ' ';
        std::fprintf(stderr, "callsentry-sub: %s\n", msg.c_str());
        return 2;
    }

    if (format != "json" && format != "pretty") {
        std::fprintf(stderr, "callsentry-sub: --format: must be json or pretty (got \"%s\")\n", format.c_str());
        return 2;
    }
    if (count < 0) {
        std::fprintf(stderr, "callsentry-sub: --count: must be 0 or more (got %lld)\n", (long long)count);
        return 2;
    }
    if (!(timeout_s >= 0 && timeout_s <= 1e6)) {
        std::fprintf(stderr, "callsentry-sub: --timeout: must be 0 to 1000000 seconds (got %g)\n", timeout_s);
        return 2;
    }

    zmq::context_t ctx(1);
    zmq::socket_t sock(ctx, zmq::socket_type::sub);
    try {
        sock.set(zmq::sockopt::linger, 0);
        sock.connect(connect);
        sock.set(zmq::sockopt::subscribe, topic);
    } catch (const zmq::error_t& e) {
        std::fprintf(stderr, "callsentry-sub: --connect %s: %s\n", connect.c_str(), e.what());
        return 2;
    }

    const bool pretty = format == "pretty";
    const auto idle = std::chrono::milliseconds(timeout_s > 0 ? std::max<int64_t>(1, std::llround(timeout_s * 1000)) : -1);
    int64_t seen = 0;
    try {
        while (count == 0 || seen < count) {
            zmq::pollitem_t item{sock.handle(), 0, ZMQ_POLLIN, 0};
            if (zmq::poll(&item, 1, idle) == 0) return 0;  // quiet for --timeout seconds: done

            // [topic, json]; a single-frame message is taken as a bare body.
            std::string frames[2];
            int n = 0;
            zmq::message_t m;
            do {
                if (!sock.recv(m)) break;
                if (n < 2) frames[n] = m.to_string();
                ++n;
            } while (m.more());
            if (n == 0) continue;
            const std::string& t = n >= 2 ? frames[0] : std::string();
            const std::string& body = n >= 2 ? frames[1] : frames[0];
            ++seen;
            if (pretty) print_pretty(t, body);
            else std::printf("%s\n", body.c_str());
            std::fflush(stdout);  // a reader behind a pipe sees each event as it comes
        }
    } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) return 0;  // Ctrl-C while waiting
        std::fprintf(stderr, "callsentry-sub: %s\n", e.what());
        return 1;
    }
    return 0;
}
