// End to end, offline: the real callsentry binary on generated pcaps through
// the DPDK pcap vdev (--no-huge --no-shconf), events read from its JSON-lines
// file and from a real ZeroMQ subscription.
#include <gtest/gtest.h>

#include <csignal>
#include <thread>
#include <zmq.hpp>

#include "pipeline/tcp_tracker.h"
#include "tests/e2e_support.h"
#include "tools/gen/packet_builder.h"
#include "tools/gen/pcap_writer.h"

using namespace e2e;

namespace {

std::string events_path(const std::string& name) { return temp_dir() + "/" + name + ".jsonl"; }

Events run_scenario(const std::string& scenario, unsigned workers, std::vector<std::string> extra = {}) {
    std::string out = events_path(scenario + "-w" + std::to_string(workers) + std::to_string(extra.size()));
    std::remove(out.c_str());
    extra.insert(extra.begin(), {"--pcap", generate(scenario), "--no-zmq", "--workers", std::to_string(workers)});
    RunResult r = run_callsentry(extra, out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("callsentry summary:"), std::string::npos) << r.err;
    return read_events_file(out);
}

std::string code_of(const std::string& json) { return parse(json)["event"]["code"].GetString(); }

uint64_t stat(const std::string& json, const char* group, const char* name) {
    auto d = parse(json);
    const auto& s = d["callsentry"]["stats"];
    const auto& v = group ? s[group][name] : s[name];
    return v.GetUint64();
}

}  // namespace

TEST(Offline, OutboundFailoverIsOneAttemptWithTheGuidesTimings) {
    Events ev = run_scenario("tcp-out-syn-failover", 1);
    ASSERT_EQ(ev.failures.size(), 1u);
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["event"]["code"].GetString(), "TCP_SYN_UNANSWERED");
    EXPECT_STREQ(d["network"]["direction"].GetString(), "outbound");
    EXPECT_STREQ(d["@timestamp"].GetString(), "2017-09-19T14:18:35.474Z");
    const auto& a = d["callsentry"]["attempt"];
    EXPECT_TRUE(a["failover"].GetBool());
    ASSERT_EQ(a["connections"].Size(), 2u);
    const auto& c0 = a["connections"][0];
    const auto& c1 = a["connections"][1];
    EXPECT_STREQ(c0["destination"]["ip"].GetString(), "146.20.193.70");
    EXPECT_STREQ(c1["destination"]["ip"].GetString(), "146.20.193.64");
    EXPECT_EQ(c0["source"]["port"].GetInt(), 25026);
    EXPECT_EQ(c1["source"]["port"].GetInt(), 25027);
    // The guide's offsets: +1.049, +3.097, +7.129 s; failover +10.333 s.
    const double offs[] = {0, 1.049012, 3.097013, 7.129019};
    ASSERT_EQ(c0["syn_offsets_s"].Size(), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(c0["syn_offsets_s"][i].GetDouble(), offs[i], 1e-6);
    EXPECT_NEAR(c1["offset_s"].GetDouble(), 10.333323, 1e-6);
    EXPECT_GE(d["callsentry"]["evidence"].Size(), 4u);
    EXPECT_GT(std::string(d["callsentry"]["remediation"].GetString()).size(), 20u);
    ASSERT_EQ(ev.stats.size(), 1u);
    EXPECT_EQ(stat(ev.stats[0], nullptr, "packets"), 10u);
}

TEST(Offline, InboundSynUnansweredNamesTheBlockedPort) {
    Events ev = run_scenario("tcp-in-syn-unanswered", 1);
    ASSERT_EQ(ev.failures.size(), 1u);
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["event"]["code"].GetString(), "TCP_SYN_UNANSWERED");
    EXPECT_STREQ(d["network"]["direction"].GetString(), "inbound");
    EXPECT_STREQ(d["destination"]["ip"].GetString(), "64.102.241.236");
    EXPECT_EQ(d["destination"]["port"].GetInt(), 5062);
    EXPECT_EQ(d["callsentry"]["attempt"]["connections_total"].GetInt(), 2);
    EXPECT_NE(std::string(d["callsentry"]["guide"].GetString()).find("Inbound, Issue 2"), std::string::npos);
}

TEST(Offline, InboundRejectionCarriesTheResetsShape) {
    Events ev = run_scenario("tcp-in-port-rejected", 1);
    ASSERT_EQ(ev.failures.size(), 1u);
    auto d = parse(ev.failures[0]);
    EXPECT_STREQ(d["event"]["code"].GetString(), "TCP_PORT_REJECTED");
    EXPECT_STREQ(d["network"]["direction"].GetString(), "inbound");
    const auto& conns = d["callsentry"]["attempt"]["connections"];
    ASSERT_EQ(conns.Size(), 2u);
    for (const auto& c : conns.GetArray()) {
        EXPECT_TRUE(c["rst"]["ack_is_isn_plus_1"].GetBool());
        EXPECT_EQ(c["rst"]["window"].GetInt(), 0);
        EXPECT_FALSE(c["rst"]["has_tcp_options"].GetBool());
        EXPECT_LT(c["rst"]["latency_us"].GetInt(), 1000);
    }
    EXPECT_NEAR(conns[1]["offset_s"].GetDouble(), 0.027412, 1e-6);
    const auto& causes = d["callsentry"]["candidate_causes"];
    EXPECT_GE(causes.Size(), 2u);
}

TEST(Offline, HealthyConnectionsProduceNoFailure) {
    Events ev = run_scenario("tcp-healthy", 1);
    EXPECT_TRUE(ev.failures.empty()) << ev.failures[0];
    ASSERT_EQ(ev.stats.size(), 1u);
    EXPECT_EQ(stat(ev.stats[0], "flows", "tcp_established"), 2u);
}

TEST(Offline, SameEventsWithOneAndTwoWorkers) {
    Events one = run_scenario("demo", 1);
    Events two = run_scenario("demo", 2);
    ASSERT_EQ(one.failures.size(), 3u);
    EXPECT_EQ(one.failures, two.failures);
    std::vector<std::string> codes;
    for (const auto& f : one.failures) codes.push_back(code_of(f));
    EXPECT_EQ(std::count(codes.begin(), codes.end(), "TCP_SYN_UNANSWERED"), 2);
    EXPECT_EQ(std::count(codes.begin(), codes.end(), "TCP_PORT_REJECTED"), 1);
    // Both runs saw every packet of the file and decoded all of it.
    EXPECT_EQ(stat(one.stats[0], nullptr, "packets"), stat(two.stats[0], nullptr, "packets"));
    EXPECT_EQ(stat(two.stats[0], nullptr, "workers"), 2u);
}

TEST(Offline, ZeroMqSubscriberConnectingAtStartMissesNothing) {
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
    zmq::context_t ctx;
    zmq::socket_t sub(ctx, zmq::socket_type::sub);
    sub.set(zmq::sockopt::subscribe, "callsentry.");
    sub.set(zmq::sockopt::rcvtimeo, 30000);
    // The subscriber connects first; callsentry binds later and waits for it.
    sub.connect(endpoint);
    const std::string file = events_path("zmq");
    auto child = Child::start({env_or_die("CALLSENTRY"), "--pcap", generate("demo"), "--local-net", "64.102.241.236/32",
                               "--zmq-pub", endpoint, "--zmq-wait-subscribers", "1", "--events-out", file,
                               "--workers", "1"});
    std::vector<std::pair<std::string, std::string>> got;
    for (;;) {
        zmq::message_t topic, body;
        if (!sub.recv(topic)) break;
        ASSERT_TRUE(sub.get(zmq::sockopt::rcvmore));
        ASSERT_TRUE(sub.recv(body));
        got.emplace_back(topic.to_string(), body.to_string());
        if (got.back().first == "callsentry.stats") break;
    }
    RunResult r = child.wait(60);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Events file_events = read_events_file(file);
    ASSERT_EQ(got.size(), file_events.failures.size() + 1);
    for (size_t i = 0; i < file_events.failures.size(); ++i) {
        EXPECT_EQ(got[i].second, file_events.failures[i]);
        EXPECT_EQ(got[i].first, "callsentry.failure." + code_of(got[i].second));
    }
}

TEST(Offline, CallsentrySubPrintsWhatWasPublished) {
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(free_tcp_port());
    auto sub = Child::start({env_or_die("CALLSENTRY_SUB"), "--connect", endpoint, "--topic", "callsentry.failure.",
                             "--count", "1", "--timeout", "60", "--format", "pretty"});
    RunResult r = run({env_or_die("CALLSENTRY"), "--pcap", generate("tcp-in-port-rejected"), "--local-net",
                       "64.102.241.236/32", "--zmq-pub", endpoint, "--zmq-wait-subscribers", "1", "--workers", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    RunResult s = sub.wait(30);
    ASSERT_EQ(s.exit_code, 0) << s.err;
    EXPECT_NE(s.out.find("TCP_PORT_REJECTED"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("146.20.193.73"), std::string::npos) << s.out;
    EXPECT_NE(s.out.find("remediation"), std::string::npos) << s.out;
}

TEST(Offline, MaxPacketsStopsAnEndlessReplay) {
    const std::string file = events_path("loop");
    RunResult r = run_callsentry({"--pcap", generate("tcp-in-port-rejected"), "--pcap-loop", "--max-packets", "5000",
                                  "--no-zmq", "--workers", "1"},
                                 file);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Events ev = read_events_file(file);
    ASSERT_EQ(ev.stats.size(), 1u);
    EXPECT_GE(stat(ev.stats[0], nullptr, "packets"), 5000u);
    EXPECT_LT(stat(ev.stats[0], nullptr, "packets"), 5100u);
}

// Bad input: one clear line and exit 2, or counted anomalies; never a crash.
TEST(Offline, WrongConfigurationIsOneLineAndExitTwo) {
    struct Case {
        std::vector<std::string> args;
        std::string needle;
    } cases[] = {
        {{"--pcap", "/nonexistent/x.pcap"}, "/nonexistent/x.pcap"},
        {{"--pcap", generate("tcp-healthy"), "--workers", "0"}, "--workers"},
        {{"--pcap", generate("tcp-healthy"), "--monitor-ports", "tcp:99999"}, "99999"},
        {{"--pcap", generate("tcp-healthy"), "--local-net", "300.1.2.3/8"}, "--local-net"},
        {{"--pcap", generate("tcp-healthy"), "--config", "/nonexistent.yaml"}, "/nonexistent.yaml"},
        {{}, "no input"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv = {env_or_die("CALLSENTRY"), "--no-zmq"};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        RunResult r = run(argv, 30);
        EXPECT_EQ(r.exit_code, 2) << r.err;
        EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
        EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
    }
}

TEST(Offline, NotAPcapIsAClearErrorNotACrash) {
    std::string path = temp_dir() + "/garbage.pcap";
    {
        FILE* f = fopen(path.c_str(), "wb");
        fputs("this is not a capture file at all, just text\n", f);
        fclose(f);
    }
    RunResult r = run({env_or_die("CALLSENTRY"), "--pcap", path, "--no-zmq"}, 30);
    EXPECT_TRUE(r.exit_code == 1 || r.exit_code == 2) << r.exit_code << r.err;
    EXPECT_NE(r.err.find(path), std::string::npos) << r.err;
}

// Hostile packets: every kind of broken frame between good ones. The run ends
// normally, the good connection is still diagnosed, and each anomaly is counted.
TEST(Offline, MalformedPacketsAreCountedByReasonAndAnalysisGoesOn) {
    using namespace cs;
    const std::string path = temp_dir() + "/hostile.pcap";
    const uint64_t t0 = 1505830715ull * 1000000000ull;
    gen::IpSpec ip;
    ip.src = *IpAddr::parse("146.20.193.73");
    ip.dst = *IpAddr::parse("64.102.241.236");
    gen::TcpSpec syn;
    syn.sport = 34351;
    syn.dport = 5062;
    syn.flags = kSyn;
    syn.seq = 1000;
    syn.window = 14600;
    syn.mss = 1380;
    const auto good_syn = gen::build_tcp({}, ip, syn);
    gen::IpSpec back = ip;
    std::swap(back.src, back.dst);
    gen::TcpSpec rst;
    rst.sport = 5062;
    rst.dport = 34351;
    rst.flags = kRst | kAck;
    rst.ack = 1001;
    const auto good_rst = gen::build_tcp({}, back, rst);
    {
        gen::PcapWriter w(path);
        uint64_t t = t0;
        auto put = [&](std::vector<uint8_t> f) { w.write(t += 1000, f); };
        put(good_syn);
        std::vector<uint8_t> f = good_syn;
        put(std::vector<uint8_t>(good_syn.begin(), good_syn.begin() + 20));  // truncated IPv4 header
        f = good_syn; f[14] = 0x43; put(f);                                    // IHL 3
        f = good_syn; f[16] = 0xff; f[17] = 0xff; put(f);                      // total length beyond the frame
        f = good_syn; f[14 + 20 + 12] = 0x20; put(f);                          // TCP data offset 2
        f = good_syn; f[14 + 20 + 20] = 2; f[14 + 20 + 21] = 0; put(f);        // MSS option of length 0
        put(std::vector<uint8_t>(1, 0xff));                                    // one byte
        std::vector<uint8_t> tags = good_syn;
        for (int i = 0; i < 3; ++i) tags.insert(tags.begin() + 12, {0x81, 0x00, 0x00, 0x05});
        put(tags);                                                             // three VLAN tags
        std::vector<uint8_t> jumbo = gen::build_tcp({}, ip, syn, std::vector<uint8_t>(8000, 0x41));
        put(jumbo);                                                            // larger than one mbuf
        put(good_rst);
    }
    const std::string file = events_path("hostile");
    RunResult r = run_callsentry({"--pcap", path, "--no-zmq", "--workers", "1"}, file);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Events ev = read_events_file(file);
    ASSERT_EQ(ev.failures.size(), 1u);
    EXPECT_EQ(code_of(ev.failures[0]), "TCP_PORT_REJECTED");
    ASSERT_EQ(ev.stats.size(), 1u);
    EXPECT_EQ(stat(ev.stats[0], nullptr, "packets"), 10u);
    auto d = parse(ev.stats[0]);
    const auto& dec = d["callsentry"]["stats"]["decode"];
    uint64_t anomalies = 0;
    for (auto it = dec.MemberBegin(); it != dec.MemberEnd(); ++it)
        if (std::string(it->name.GetString()) != "ok") anomalies += it->value.GetUint64();
    EXPECT_EQ(anomalies, 7u) << ev.stats[0];
    EXPECT_TRUE(dec.HasMember("too_many_vlans")) << ev.stats[0];
}
