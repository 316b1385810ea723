// Config: flags and YAML file into Config, every rejection a one-line error that
// names the flag or key, and flags over file.
#include "pipeline/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cs {
namespace {

// A scratch directory with two (content-free) pcap files; config only checks
// that inputs are readable files, DPDK reads them later.
class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/cs-test-config-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        a_ = write("a.pcap", "");
        b_ = write("b.pcap", "");
    }
    void TearDown() override {
        for (const auto& f : files_) std::remove(f.c_str());
        ::rmdir(dir_.c_str());
    }

    std::string write(const std::string& name, const std::string& content) {
        std::string path = dir_ + "/" + name;
        std::ofstream(path) << content;
        files_.push_back(path);
        return path;
    }

    // parse_config on "callsentry ARGS..."; *err gets the error (or "").
    std::optional<Config> parse(std::initializer_list<std::string> args, bool* exit_now = nullptr) {
        std::vector<std::string> owned{"callsentry"};
        owned.insert(owned.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& s : owned) argv.push_back(s.data());
        argv.push_back(nullptr);
        bool exit_flag = false;
        err_ = "<unset>";
        auto cfg = parse_config(int(owned.size()), argv.data(), &err_, exit_now ? exit_now : &exit_flag);
        EXPECT_EQ(err_.find('\n'), std::string::npos) << "error is not one line: " << err_;
        if (cfg) {
            EXPECT_EQ(err_, "");
        }
        return cfg;
    }

    // Expects the args to be rejected with exactly `message`.
    void rejects(std::initializer_list<std::string> args, const std::string& message) {
        auto cfg = parse(args);
        EXPECT_FALSE(cfg) << "accepted; expected: " << message;
        EXPECT_EQ(err_, message);
    }

    // Expects a config file with `yaml` (plus --pcap a.pcap) to be rejected with
    // "config FILE: " + message.
    void rejects_yaml(const std::string& yaml, const std::string& message) {
        std::string path = write("c.yaml", yaml);
        auto cfg = parse({"--config", path, "--pcap", a_});
        EXPECT_FALSE(cfg) << "accepted:\n" << yaml;
        EXPECT_EQ(err_, "config " + path + ": " + message) << yaml;
    }

    std::string dir_, a_, b_, err_;
    std::vector<std::string> files_;
};

IpAddr ip(const char* s) { return IpAddr::parse(s).value(); }

TEST_F(ConfigTest, MinimalPcapGivesDefaults) {
    auto cfg = parse({"--pcap", a_});
    ASSERT_TRUE(cfg) << err_;
    ASSERT_EQ(cfg->inputs.size(), 1u);
    EXPECT_EQ(cfg->inputs[0].kind, InputSpec::kPcap);
    EXPECT_EQ(cfg->inputs[0].vantage, "outside");
    EXPECT_EQ(cfg->inputs[0].path, a_);
    EXPECT_TRUE(cfg->offline());
    EXPECT_EQ(cfg->monitor_ports.spec(), PortSet::kDefaultSpec);
    EXPECT_TRUE(cfg->monitor_ports.monitored(6, 40000, 5061));
    EXPECT_FALSE(cfg->monitor_ports.monitored(6, 40000, 443));
    EXPECT_EQ(cfg->workers, 0u);
    EXPECT_EQ(cfg->zmq_pub, "tcp://127.0.0.1:5570");
    EXPECT_EQ(cfg->zmq_wait_subscribers, 0u);
    EXPECT_EQ(cfg->zmq_wait_timeout_s, 5.0);
    EXPECT_EQ(cfg->events_out, "");
    EXPECT_EQ(cfg->max_packets, 0u);
    EXPECT_FALSE(cfg->pcap_loop);
    EXPECT_TRUE(cfg->emit_ok_events);
    EXPECT_EQ(cfg->timeouts.syn_timeout_s, 10.0);
    EXPECT_EQ(cfg->limits.flows_per_worker, 262144u);
    EXPECT_TRUE(cfg->eal_args.empty());
    EXPECT_TRUE(cfg->local_nets.empty());
}

TEST_F(ConfigTest, AllFlags) {
    auto cfg = parse({"--pcap", a_, "--local-net", "172.16.2.0/24", "--local-net=64.102.241.236",
                      "--monitor-ports", "tcp:5061;udp:53", "--workers", "3", "--events-out", "/tmp/ev.jsonl",
                      "--zmq-pub", "ipc:///tmp/x.ipc", "--zmq-wait-subscribers", "2", "--zmq-wait-timeout", "1.5",
                      "--max-packets", "18446744073709551615", "--pcap-loop", "--syn-timeout", "3",
                      "--failover-window", "4", "--fold-window", "5", "--stats-interval", "0.25", "--no-ok-events"});
    ASSERT_TRUE(cfg) << err_;
    ASSERT_EQ(cfg->local_nets.size(), 2u);
    EXPECT_TRUE(cfg->is_local(ip("172.16.2.200")));
    EXPECT_TRUE(cfg->is_local(ip("64.102.241.236")));   // a bare address is a /32
    EXPECT_FALSE(cfg->is_local(ip("64.102.241.237")));
    EXPECT_FALSE(cfg->is_local(ip("146.20.193.73")));
    EXPECT_EQ(cfg->monitor_ports.spec(), "tcp:5061;udp:53");
    EXPECT_FALSE(cfg->monitor_ports.monitored(6, 40000, 5060));
    EXPECT_EQ(cfg->workers, 3u);
    EXPECT_EQ(cfg->events_out, "/tmp/ev.jsonl");
    EXPECT_EQ(cfg->zmq_pub, "ipc:///tmp/x.ipc");
    EXPECT_EQ(cfg->zmq_wait_subscribers, 2u);
    EXPECT_EQ(cfg->zmq_wait_timeout_s, 1.5);
    EXPECT_EQ(cfg->max_packets, UINT64_MAX);
    EXPECT_TRUE(cfg->pcap_loop);  // without --max-packets: allowed
    EXPECT_EQ(cfg->timeouts.syn_timeout_s, 3.0);
    EXPECT_EQ(cfg->timeouts.failover_window_s, 4.0);
    EXPECT_EQ(cfg->timeouts.fold_window_s, 5.0);
    EXPECT_EQ(cfg->timeouts.stats_interval_s, 0.25);
    EXPECT_EQ(cfg->timeouts.tcp_idle_s, 300.0);  // not a flag: untouched
    EXPECT_FALSE(cfg->emit_ok_events);
}

TEST_F(ConfigTest, VantageLabels) {
    auto cfg = parse({"--pcap", "inside=" + a_, "--pcap", b_, "--pcap", "trunk_2-b=" + a_});
    ASSERT_TRUE(cfg) << err_;
    ASSERT_EQ(cfg->inputs.size(), 3u);
    EXPECT_EQ(cfg->inputs[0].vantage, "inside");
    EXPECT_EQ(cfg->inputs[0].path, a_);
    EXPECT_EQ(cfg->inputs[1].vantage, "outside");
    EXPECT_EQ(cfg->inputs[1].path, b_);
    EXPECT_EQ(cfg->inputs[2].vantage, "trunk_2-b");

    // '=' inside a path is part of the path.
    std::string odd = write("x=y.pcap", "");
    cfg = parse({"--pcap", odd});
    ASSERT_TRUE(cfg) << err_;
    EXPECT_EQ(cfg->inputs[0].vantage, "outside");
    EXPECT_EQ(cfg->inputs[0].path, odd);

    cfg = parse({"--iface", "inside=eth1", "--iface", "eth0"});
    ASSERT_TRUE(cfg) << err_;
    EXPECT_EQ(cfg->inputs[0].kind, InputSpec::kIface);
    EXPECT_EQ(cfg->inputs[0].vantage, "inside");
    EXPECT_EQ(cfg->inputs[0].path, "eth1");
    EXPECT_EQ(cfg->inputs[1].vantage, "outside");
    EXPECT_FALSE(cfg->offline());

    const std::string l32(32, 'v'), l33(33, 'v');
    EXPECT_TRUE(parse({"--pcap", l32 + "=" + a_})) << err_;
    rejects({"--pcap", l33 + "=" + a_}, "--pcap: bad vantage label \"" + l33 + "\" (1-32 of a-z 0-9 _ -)");
    rejects({"--pcap", "Inside=" + a_}, "--pcap: bad vantage label \"Inside\" (1-32 of a-z 0-9 _ -)");
    rejects({"--pcap", "=" + a_}, "--pcap: bad vantage label \"\" (1-32 of a-z 0-9 _ -)");
    rejects({"--iface", "in side=eth1"}, "--iface: bad vantage label \"in side\" (1-32 of a-z 0-9 _ -)");
    rejects({"--pcap", "inside="}, "--pcap: missing file name");
    rejects({"--iface", "eth1,mtu=9000"}, "--iface: bad vantage label \"eth1,mtu\" (1-32 of a-z 0-9 _ -)");
    rejects({"--iface", "eth1,x"}, "--iface: \"eth1,x\": DPDK cannot take a name containing ','");
}

TEST_F(ConfigTest, InputRules) {
    rejects({}, "no input: give --pcap FILE or --iface NAME");
    rejects({"--workers", "2"}, "no input: give --pcap FILE or --iface NAME");
    rejects({"--pcap", a_, "--iface", "eth0"}, "--iface: cannot mix pcap files and live interfaces in one run (eth0)");
    rejects({"--pcap", dir_ + "/missing.pcap"},
            "--pcap: cannot read " + dir_ + "/missing.pcap: No such file or directory");
    rejects({"--pcap", "inside=" + dir_}, "--pcap: cannot read " + dir_ + ": Is a directory");
    rejects({"--pcap", a_, "--pcap", "outside=" + a_}, "--pcap: duplicate input outside=" + a_);
    EXPECT_TRUE(parse({"--pcap", a_, "--pcap", "inside=" + a_})) << err_;  // same file, two vantages
    if (geteuid() != 0) {  // root reads anything
        std::string locked = write("locked.pcap", "");
        ::chmod(locked.c_str(), 0);
        rejects({"--pcap", locked}, "--pcap: cannot read " + locked + ": Permission denied");
    }
}

TEST_F(ConfigTest, NumberRules) {
    rejects({"--pcap", a_, "--workers", "0"}, "--workers: must be between 1 and 64 (got 0)");
    rejects({"--pcap", a_, "--workers", "65"}, "--workers: must be between 1 and 64 (got 65)");
    rejects({"--pcap", a_, "--workers", "-1"}, "--workers: must be between 1 and 64 (got -1)");
    rejects({"--pcap", a_, "--workers", "abc"}, "--workers: must be an integer between 1 and 64 (got \"abc\")");
    rejects({"--pcap", a_, "--workers", "2.5"}, "--workers: must be an integer between 1 and 64 (got 2.5)");
    EXPECT_EQ(parse({"--pcap", a_, "--workers", "64"})->workers, 64u);

    rejects({"--pcap", a_, "--max-packets", "-1"}, "--max-packets: must be a whole number, 0 or more (got -1)");
    rejects({"--pcap", a_, "--max-packets", "18446744073709551616"},
            "--max-packets: must be a whole number, 0 or more (got 18446744073709551616)");

    rejects({"--pcap", a_, "--syn-timeout", "0"}, "--syn-timeout: must be a positive number (got 0)");
    rejects({"--pcap", a_, "--syn-timeout", "-3"}, "--syn-timeout: must be a positive number (got -3)");
    rejects({"--pcap", a_, "--failover-window", "soon"}, "--failover-window: must be a positive number (got \"soon\")");
    rejects({"--pcap", a_, "--fold-window", "nan"}, "--fold-window: must be a positive number (got \"nan\")");
    rejects({"--pcap", a_, "--stats-interval", "86401"}, "--stats-interval: must be at most 86400 seconds (got 86401)");
    rejects({"--pcap", a_, "--zmq-wait-timeout", "0"}, "--zmq-wait-timeout: must be a positive number (got 0)");
    rejects({"--pcap", a_, "--zmq-wait-subscribers", "x"},
            "--zmq-wait-subscribers: must be an integer between 0 and 1024 (got \"x\")");
    EXPECT_EQ(parse({"--pcap", a_, "--syn-timeout", "86400"})->timeouts.syn_timeout_s, 86400.0);
}

TEST_F(ConfigTest, NetworkAndPortRules) {
    rejects({"--pcap", a_, "--local-net", "1.2.3.4/33"},
            "--local-net: must be an IP address or CIDR like 172.16.2.0/24 (got \"1.2.3.4/33\")");
    rejects({"--pcap", a_, "--local-net", "example.com"},
            "--local-net: must be an IP address or CIDR like 172.16.2.0/24 (got \"example.com\")");
    auto cfg = parse({"--pcap", a_, "--local-net", "2001:db8::/32"});
    ASSERT_TRUE(cfg) << err_;
    EXPECT_TRUE(cfg->is_local(ip("2001:db8:1::5")));
    EXPECT_FALSE(cfg->is_local(ip("2001:db9::5")));

    std::string why;
    ASSERT_FALSE(PortSet::parse("tcp:99999", &why));
    rejects({"--pcap", a_, "--monitor-ports", "tcp:99999"}, "--monitor-ports: bad port spec \"tcp:99999\": " + why);
}

TEST_F(ConfigTest, ZmqSwitches) {
    auto cfg = parse({"--pcap", a_, "--no-zmq"});
    ASSERT_TRUE(cfg) << err_;
    EXPECT_EQ(cfg->zmq_pub, "");
    rejects({"--pcap", a_, "--no-zmq", "--zmq-pub", "tcp://127.0.0.1:1"}, "--no-zmq: cannot be combined with --zmq-pub");
    rejects({"--pcap", a_, "--no-zmq", "--zmq-wait-subscribers", "1"},
            "--zmq-wait-subscribers: needs the ZeroMQ publisher, which is disabled");
    rejects({"--pcap", a_, "--zmq-pub", "localhost"},
            "--zmq-pub: must be a ZeroMQ endpoint like tcp://127.0.0.1:5570 (got \"localhost\")");
}

TEST_F(ConfigTest, EalArgsAfterDoubleDash) {
    auto cfg = parse({"--pcap", a_, "--", "-l", "0-3", "--vdev", "net_null0", "--pcap", "not-ours"});
    ASSERT_TRUE(cfg) << err_;
    EXPECT_EQ(cfg->eal_args, (std::vector<std::string>{"-l", "0-3", "--vdev", "net_null0", "--pcap", "not-ours"}));
    ASSERT_EQ(cfg->inputs.size(), 1u);  // the --pcap after -- is EAL's, not ours
    cfg = parse({"--pcap", a_, "--"});
    ASSERT_TRUE(cfg) << err_;
    EXPECT_TRUE(cfg->eal_args.empty());
}

TEST_F(ConfigTest, CommandLineErrors) {
    bool exit_now = true;
    EXPECT_FALSE(parse({"--pcap", a_, "--bogus"}, &exit_now));
    EXPECT_FALSE(exit_now);
    EXPECT_NE(err_.find("--bogus"), std::string::npos) << err_;
    EXPECT_FALSE(parse({"--pcap", a_, "stray"}));
    EXPECT_NE(err_.find("stray"), std::string::npos) << err_;
    EXPECT_FALSE(parse({"--pcap"}));
    EXPECT_NE(err_.find("--pcap"), std::string::npos) << err_;
    EXPECT_FALSE(parse({"--pcap", a_, "b.pcap"}));  // one value per --pcap
    EXPECT_FALSE(parse({"--pcap", a_, "--workers", "1", "--workers", "2"}));
    EXPECT_NE(err_.find("--workers"), std::string::npos) << err_;
}

TEST_F(ConfigTest, HelpAndVersionPrintAndAskToExit) {
    bool exit_now = false;
    testing::internal::CaptureStdout();
    EXPECT_FALSE(parse({"--version"}, &exit_now));
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "callsentry 0.1.0\n");
    EXPECT_TRUE(exit_now);
    EXPECT_EQ(err_, "");

    exit_now = false;
    testing::internal::CaptureStdout();
    EXPECT_FALSE(parse({"--help"}, &exit_now));
    std::string help = testing::internal::GetCapturedStdout();
    EXPECT_TRUE(exit_now);
    EXPECT_EQ(err_, "");
    for (const char* flag : {"--pcap", "--iface", "--config", "--local-net", "--monitor-ports", "--workers",
                             "--events-out", "--zmq-pub", "--zmq-wait-subscribers", "--zmq-wait-timeout", "--no-zmq",
                             "--max-packets", "--pcap-loop", "--syn-timeout", "--failover-window", "--fold-window",
                             "--stats-interval", "--no-ok-events", "--version"})
        EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

// The full schema from the design brief, every field off its default.
std::string full_yaml(const std::string& a, const std::string& b) {
    return "inputs:\n"
           "  - {pcap: " + a + ", vantage: outside}\n"
           "  - {pcap: " + b + ", vantage: inside}\n"
           "local_networks: [64.102.241.236/32, 172.16.2.0/24]\n"
           "monitor_ports: \"tcp:5060-5062,5065;udp:5060\"\n"
           "workers: 2\n"
           "events_out: /var/log/callsentry/events.jsonl\n"
           "zmq: {pub: \"tcp://127.0.0.1:5580\", enabled: true, wait_subscribers: 3, wait_timeout_s: 7}\n"
           "max_packets: 1000\n"
           "pcap_loop: true\n"
           "events: {emit_ok: false}\n"
           "limits: {flows_per_worker: 1024, event_ring: 64, worker_ring: 1048576, max_attempt_connections: 8}\n"
           "timeouts: {syn_timeout_s: 11, failover_window_s: 13, attempt_max_span_s: 61, fold_window_s: 301,\n"
           "           tcp_idle_s: 302, tcp_closed_s: 6, udp_idle_s: 62, stats_interval_s: 0.5}\n"
           "eal_args: [\"-l\", \"0-1\"]\n";
}

void expect_full(const Config& c, const std::string& a, const std::string& b) {
    ASSERT_EQ(c.inputs.size(), 2u);
    EXPECT_EQ(c.inputs[0].kind, InputSpec::kPcap);
    EXPECT_EQ(c.inputs[0].path, a);
    EXPECT_EQ(c.inputs[0].vantage, "outside");
    EXPECT_EQ(c.inputs[1].path, b);
    EXPECT_EQ(c.inputs[1].vantage, "inside");
    ASSERT_EQ(c.local_nets.size(), 2u);
    EXPECT_EQ(c.local_nets[0].to_string(), "64.102.241.236/32");
    EXPECT_EQ(c.local_nets[1].to_string(), "172.16.2.0/24");
    EXPECT_EQ(c.monitor_ports.spec(), "tcp:5060-5062,5065;udp:5060");
    EXPECT_TRUE(c.monitor_ports.has(6, 5065));
    EXPECT_FALSE(c.monitor_ports.has(6, 8934));
    EXPECT_EQ(c.workers, 2u);
    EXPECT_EQ(c.events_out, "/var/log/callsentry/events.jsonl");
    EXPECT_EQ(c.zmq_pub, "tcp://127.0.0.1:5580");
    EXPECT_EQ(c.zmq_wait_subscribers, 3u);
    EXPECT_EQ(c.zmq_wait_timeout_s, 7.0);
    EXPECT_EQ(c.max_packets, 1000u);
    EXPECT_TRUE(c.pcap_loop);
    EXPECT_FALSE(c.emit_ok_events);
    EXPECT_EQ(c.limits.flows_per_worker, 1024u);
    EXPECT_EQ(c.limits.event_ring, 64u);
    EXPECT_EQ(c.limits.worker_ring, 1048576u);
    EXPECT_EQ(c.limits.max_attempt_connections, 8u);
    EXPECT_EQ(c.timeouts.syn_timeout_s, 11.0);
    EXPECT_EQ(c.timeouts.failover_window_s, 13.0);
    EXPECT_EQ(c.timeouts.attempt_max_span_s, 61.0);
    EXPECT_EQ(c.timeouts.fold_window_s, 301.0);
    EXPECT_EQ(c.timeouts.tcp_idle_s, 302.0);
    EXPECT_EQ(c.timeouts.tcp_closed_s, 6.0);
    EXPECT_EQ(c.timeouts.udp_idle_s, 62.0);
    EXPECT_EQ(c.timeouts.stats_interval_s, 0.5);
    EXPECT_EQ(c.eal_args, (std::vector<std::string>{"-l", "0-1"}));
}

TEST_F(ConfigTest, FullYamlIntoEveryField) {
    std::string path = write("full.yaml", full_yaml(a_, b_));
    auto cfg = parse({"--config", path});
    ASSERT_TRUE(cfg) << err_;
    expect_full(*cfg, a_, b_);
    EXPECT_EQ(cfg->config_file, path);

    // load_config_file alone loads the same; input files are parse_config's to check.
    Config direct;
    std::string err;
    ASSERT_TRUE(load_config_file(write("ghost.yaml", full_yaml("/nope/a.pcap", "/nope/b.pcap")), direct, &err)) << err;
    expect_full(direct, "/nope/a.pcap", "/nope/b.pcap");
}

TEST_F(ConfigTest, IfaceInputsAndEmptyFile) {
    auto cfg = parse({"--config", write("i.yaml", "inputs:\n  - iface: eth1\n    vantage: inside\n  - {iface: eth2}\n")});
    ASSERT_TRUE(cfg) << err_;
    ASSERT_EQ(cfg->inputs.size(), 2u);
    EXPECT_EQ(cfg->inputs[0].kind, InputSpec::kIface);
    EXPECT_EQ(cfg->inputs[0].vantage, "inside");
    EXPECT_EQ(cfg->inputs[1].path, "eth2");
    EXPECT_EQ(cfg->inputs[1].vantage, "outside");

    cfg = parse({"--config", write("empty.yaml", "# nothing yet\n"), "--pcap", a_});
    ASSERT_TRUE(cfg) << err_;
    EXPECT_EQ(cfg->workers, 0u);
    rejects({"--config", write("empty2.yaml", "")}, "no input: give --pcap FILE or --iface NAME");
}

TEST_F(ConfigTest, FlagsOverrideFile) {
    std::string path = write("full.yaml", full_yaml(a_, b_));
    auto cfg = parse({"--config", path, "--pcap", "trunk=" + b_, "--local-net", "10.0.0.0/8", "--workers", "5",
                      "--syn-timeout", "2", "--monitor-ports", "all", "--events-out", "", "--max-packets", "0",
                      "--", "--no-huge"});
    ASSERT_TRUE(cfg) << err_;
    ASSERT_EQ(cfg->inputs.size(), 1u);  // the flag's list replaces the file's
    EXPECT_EQ(cfg->inputs[0].vantage, "trunk");
    EXPECT_EQ(cfg->inputs[0].path, b_);
    ASSERT_EQ(cfg->local_nets.size(), 1u);
    EXPECT_EQ(cfg->local_nets[0].to_string(), "10.0.0.0/8");
    EXPECT_EQ(cfg->workers, 5u);
    EXPECT_EQ(cfg->timeouts.syn_timeout_s, 2.0);
    EXPECT_EQ(cfg->timeouts.fold_window_s, 301.0);  // not given as a flag: the file's
    EXPECT_EQ(cfg->monitor_ports.spec(), "all");
    EXPECT_EQ(cfg->events_out, "");
    EXPECT_EQ(cfg->max_packets, 0u);
    EXPECT_TRUE(cfg->pcap_loop);  // file's
    EXPECT_EQ(cfg->zmq_pub, "tcp://127.0.0.1:5580");
    EXPECT_EQ(cfg->eal_args, (std::vector<std::string>{"--no-huge"}));

    // A file that disables ZeroMQ: --zmq-pub turns it back on, --no-zmq off again.
    std::string off = write("off.yaml", "zmq: {enabled: false, pub: \"tcp://127.0.0.1:5590\"}\n");
    EXPECT_EQ(parse({"--config", off, "--pcap", a_})->zmq_pub, "");
    EXPECT_EQ(parse({"--config", off, "--pcap", a_, "--zmq-pub", "tcp://127.0.0.1:5591"})->zmq_pub,
              "tcp://127.0.0.1:5591");
    EXPECT_EQ(parse({"--config", path, "--pcap", a_, "--no-zmq", "--zmq-wait-subscribers", "0"})->zmq_pub, "");
    rejects({"--config", path, "--no-zmq"}, "config " + path + ": zmq.wait_subscribers: needs the ZeroMQ publisher, which is disabled");

    // A flag's bad value is reported even when the file's was fine.
    rejects({"--config", path, "--workers", "0"}, "--workers: must be between 1 and 64 (got 0)");
}

TEST_F(ConfigTest, FileProblems) {
    rejects({"--config", dir_ + "/none.yaml", "--pcap", a_},
            "config " + dir_ + "/none.yaml: cannot read: No such file or directory");
    rejects({"--config", dir_, "--pcap", a_}, "config " + dir_ + ": cannot read: Is a directory");
    rejects_yaml("workers: 1\ntimeouts:\n  syn_timeout_s: 10\n fold_window_s: 3\n",
                 "line 4, column 2: YAML syntax error: end of map not found");
    rejects_yaml("just a string\n", "must be a mapping of keys (got \"just a string\")");
    rejects_yaml("- workers: 1\n", "must be a mapping of keys (got a list)");
}

TEST_F(ConfigTest, YamlUnknownKeysAtEveryLevel) {
    rejects_yaml("limitz: {event_ring: 64}\n", "unknown key 'limitz'");
    rejects_yaml("timeouts: {syn_timeot_s: 3}\n", "unknown key 'timeouts.syn_timeot_s'");
    rejects_yaml("zmq: {pubb: \"tcp://x:1\"}\n", "unknown key 'zmq.pubb'");
    rejects_yaml("events: {emit_okay: true}\n", "unknown key 'events.emit_okay'");
    rejects_yaml("limits: {rings: 64}\n", "unknown key 'limits.rings'");
    rejects_yaml("inputs:\n  - {file: /x.pcap}\n", "unknown key 'inputs[0].file'");
    rejects_yaml("workers: 1\nworkers: 2\n", "duplicate key 'workers'");
    rejects_yaml("? [a, b]\n: 1\n", "keys must be plain names");
}

TEST_F(ConfigTest, YamlWrongTypes) {
    rejects_yaml("timeouts: {syn_timeout_s: abc}\n", "timeouts.syn_timeout_s: must be a positive number (got \"abc\")");
    rejects_yaml("timeouts: {syn_timeout_s: [1]}\n", "timeouts.syn_timeout_s: must be a positive number (got a list)");
    rejects_yaml("timeouts: 5\n", "timeouts: must be a mapping (got 5)");
    rejects_yaml("workers: [1, 2]\n", "workers: must be an integer between 1 and 64 (got a list)");
    rejects_yaml("workers:\n", "workers: must be an integer between 1 and 64 (got nothing)");
    rejects_yaml("inputs: a.pcap\n", "inputs: must be a list of {pcap: FILE} or {iface: NAME} (got \"a.pcap\")");
    rejects_yaml("inputs: [a.pcap]\n", "inputs[0]: must be a mapping (got \"a.pcap\")");
    rejects_yaml("local_networks: 10.0.0.0/8\n", "local_networks: must be a list of CIDRs (got \"10.0.0.0/8\")");
    rejects_yaml("zmq: tcp://127.0.0.1:5570\n", "zmq: must be a mapping (got \"tcp://127.0.0.1:5570\")");
    rejects_yaml("zmq: {enabled: maybe}\n", "zmq.enabled: must be true or false (got \"maybe\")");
    rejects_yaml("zmq: {pub: {a: 1}}\n",
                 "zmq.pub: must be a ZeroMQ endpoint like tcp://127.0.0.1:5570 (got a mapping)");
    rejects_yaml("pcap_loop: 2\n", "pcap_loop: must be true or false (got 2)");
    rejects_yaml("events: {emit_ok: []}\n", "events.emit_ok: must be true or false (got a list)");
    rejects_yaml("eal_args: \"-l 0-1\"\n", "eal_args: must be a list of strings (got \"-l 0-1\")");
    rejects_yaml("eal_args: [[-l]]\n", "eal_args[0]: must be a string (got a list)");
    rejects_yaml("events_out: [a]\n", "events_out: must be a file path (got a list)");
    rejects_yaml("monitor_ports: [5060]\n",
                 "monitor_ports: must be a port spec like \"" + std::string(PortSet::kDefaultSpec) + "\" (got a list)");
}

TEST_F(ConfigTest, YamlRanges) {
    rejects_yaml("workers: 0\n", "workers: must be between 1 and 64 (got 0)");
    rejects_yaml("limits: {event_ring: 1000}\n", "limits.event_ring: must be a power of two between 64 and 1048576 (got 1000)");
    rejects_yaml("limits: {event_ring: 32}\n", "limits.event_ring: must be a power of two between 64 and 1048576 (got 32)");
    rejects_yaml("limits: {worker_ring: 2097152}\n",
                 "limits.worker_ring: must be a power of two between 64 and 1048576 (got 2097152)");
    rejects_yaml("limits: {flows_per_worker: 1023}\n", "limits.flows_per_worker: must be between 1024 and 16777216 (got 1023)");
    rejects_yaml("limits: {flows_per_worker: 16777217}\n",
                 "limits.flows_per_worker: must be between 1024 and 16777216 (got 16777217)");
    rejects_yaml("limits: {max_attempt_connections: 0}\n", "limits.max_attempt_connections: must be between 1 and 1024 (got 0)");
    rejects_yaml("timeouts: {tcp_idle_s: 0}\n", "timeouts.tcp_idle_s: must be a positive number (got 0)");
    rejects_yaml("timeouts: {udp_idle_s: 86400.5}\n", "timeouts.udp_idle_s: must be at most 86400 seconds (got 86400.5)");
    rejects_yaml("zmq: {wait_timeout_s: -1}\n", "zmq.wait_timeout_s: must be a positive number (got -1)");
    rejects_yaml("zmq: {wait_subscribers: 5000}\n", "zmq.wait_subscribers: must be between 0 and 1024 (got 5000)");
    rejects_yaml("max_packets: -5\n", "max_packets: must be a whole number, 0 or more (got -5)");
    std::string why;
    ASSERT_FALSE(PortSet::parse("sctp:5060", &why));
    rejects_yaml("monitor_ports: \"sctp:5060\"\n", "monitor_ports: bad port spec \"sctp:5060\": " + why);
    rejects_yaml("local_networks: [10.0.0.0/8, 300.1.1.1]\n",
                 "local_networks[1]: must be an IP address or CIDR like 172.16.2.0/24 (got \"300.1.1.1\")");

    auto ok = parse({"--config", write("ok.yaml", "limits: {flows_per_worker: 16777216, event_ring: 1048576}\n"), "--pcap", a_});
    ASSERT_TRUE(ok) << err_;
    EXPECT_EQ(ok->limits.flows_per_worker, 16777216u);
}

TEST_F(ConfigTest, YamlInputRules) {
    std::string path = write("in.yaml", "");
    auto yaml_rejects = [&](const std::string& yaml, const std::string& message) {
        std::ofstream(path) << yaml;
        EXPECT_FALSE(parse({"--config", path})) << yaml;
        EXPECT_EQ(err_, "config " + path + ": " + message) << yaml;
    };
    yaml_rejects("inputs: [{pcap: " + a_ + ", iface: eth0}]\n", "inputs[0]: needs exactly one of pcap: FILE or iface: NAME");
    yaml_rejects("inputs: [{vantage: inside}]\n", "inputs[0]: needs exactly one of pcap: FILE or iface: NAME");
    yaml_rejects("inputs: [{pcap: " + a_ + ", vantage: Outside}]\n",
                 "inputs[0].vantage: bad vantage label \"Outside\" (1-32 of a-z 0-9 _ -)");
    yaml_rejects("inputs: [{pcap: " + a_ + "}, {iface: eth0}]\n",
                 "inputs[1].iface: cannot mix pcap files and live interfaces in one run (eth0)");
    yaml_rejects("inputs: [{pcap: " + a_ + "}, {pcap: " + a_ + "}]\n", "inputs[1].pcap: duplicate input outside=" + a_);
    yaml_rejects("inputs: [{pcap: " + dir_ + "/gone.pcap}]\n",
                 "inputs[0].pcap: cannot read " + dir_ + "/gone.pcap: No such file or directory");
    yaml_rejects("inputs: [{pcap: \"\"}]\n", "inputs[0].pcap: missing file name");
    // "no input" is not the file's fault alone, so it is not prefixed.
    std::ofstream(path) << "inputs: []\n";
    EXPECT_FALSE(parse({"--config", path}));
    EXPECT_EQ(err_, "no input: give --pcap FILE or --iface NAME");

    // A file's missing pcap does not matter when --pcap replaces the file's inputs.
    std::ofstream(path) << "inputs: [{pcap: " + dir_ + "/gone.pcap}]\n";
    EXPECT_TRUE(parse({"--config", path, "--pcap", a_})) << err_;
}

TEST_F(ConfigTest, TlsTrustIdentitiesAndPacing) {
    const std::string pem = write("cloud.pem", "-----BEGIN CERTIFICATE-----\n");
    auto c = parse({"--pcap", a_});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->tls.public_roots, "system");
    EXPECT_EQ(c->tls.expected_identities,
              (std::vector<std::string>{"callservice.ciscospark.com", "callservice.webex.com"}));
    std::string path = write("tls.yaml", "trust: {cloud_cas: " + pem + ", public_roots: system}\n"
                                         "identities: {expected: [callservice.webex.com], verified_domains: [ciscotac.net]}\n"
                                         "tls: {handshake_timeout_s: 12, ok_interval_s: 60}\n");
    c = parse({"--config", path, "--pcap", a_, "--verified-domain", "example.com", "--verified-domain", "rtp.example.com"});
    ASSERT_TRUE(c) << err_;
    EXPECT_EQ(c->tls.cloud_cas, pem);
    EXPECT_EQ(c->tls.expected_identities, std::vector<std::string>{"callservice.webex.com"});
    EXPECT_EQ(c->tls.verified_domains, (std::vector<std::string>{"example.com", "rtp.example.com"}));
    EXPECT_EQ(c->tls.handshake_timeout_s, 12);
    EXPECT_EQ(c->tls.ok_interval_s, 60);
    rejects({"--pcap", a_, "--trust-cloud-cas", dir_ + "/missing.pem"},
            "--trust-cloud-cas: " + dir_ + "/missing.pem: No such file or directory");
    rejects_yaml("trust: {public_roots: " + dir_ + "/nope.pem}\n",
                 "trust.public_roots: " + dir_ + "/nope.pem: No such file or directory");
    rejects_yaml("identities: {expected: callservice.webex.com}\n",
                 "identities.expected: must be a list of DNS names (got \"callservice.webex.com\")");
    rejects_yaml("tls: {handshake_timeout_s: 0}\n", "tls.handshake_timeout_s: must be a positive number (got 0)");
    rejects_yaml("tls: {ok_intervals: 3}\n", "unknown key 'tls.ok_intervals'");
}

TEST_F(ConfigTest, SipSettingsAndTheSignatureCache) {
    auto c = parse({"--pcap", a_});
    ASSERT_TRUE(c);
    EXPECT_EQ(c->sip.max_message_bytes, 5000u);  // the guide's Unified CM limit
    EXPECT_EQ(c->sip.timer_b_s, 32);
    EXPECT_EQ(c->cache_dir, "/var/cache/callsentry");
    const std::string rules = write("sip.rules.yaml", "version: 1\n");
    std::string path = write("sip.yaml", "sip: {rules: " + rules + ", max_message_bytes: 18000, timer_b_s: 16, "
                                         "call_idle_s: 60, max_calls: 100}\ncache_dir: " + dir_ + "\n"
                                         "limits: {sip_ring: 512}\n");
    c = parse({"--config", path, "--pcap", a_});
    ASSERT_TRUE(c) << err_;
    EXPECT_EQ(c->sip.rules, rules);
    EXPECT_EQ(c->sip.max_message_bytes, 18000u);
    EXPECT_EQ(c->sip.timer_b_s, 16);
    EXPECT_EQ(c->sip.call_idle_s, 60);
    EXPECT_EQ(c->sip.max_calls, 100u);
    EXPECT_EQ(c->limits.sip_ring, 512u);
    EXPECT_EQ(c->cache_dir, dir_);
    // Flags win over the file; an empty --cache-dir switches the cache off.
    c = parse({"--config", path, "--pcap", a_, "--sip-max-message-bytes", "6000", "--cache-dir", ""});
    ASSERT_TRUE(c) << err_;
    EXPECT_EQ(c->sip.max_message_bytes, 6000u);
    EXPECT_TRUE(c->cache_dir.empty());
    rejects({"--pcap", a_, "--sip-rules", dir_ + "/missing.yaml"}, "--sip-rules: " + dir_ + "/missing.yaml: No such file or directory");
    rejects({"--pcap", a_, "--sip-max-message-bytes", "12"},
            "--sip-max-message-bytes: must be between 256 and 1048576 (got 12)");
    rejects_yaml("sip: {timer_b_s: -1}\n", "sip.timer_b_s: must be a positive number (got -1)");
    rejects_yaml("sip: {max_message: 3}\n", "unknown key 'sip.max_message'");
    rejects_yaml("limits: {sip_ring: 1000}\n", "limits.sip_ring: must be a power of two between 64 and 65536 (got 1000)");
}

}  // namespace
}  // namespace cs
