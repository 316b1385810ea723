// e2e_support: what the end-to-end tests need to drive the real binaries:
// run a command with a deadline, generate a scenario pcap, run callsentry on
// it, and read back its events.
#pragma once
#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace e2e {

struct RunResult {
    int exit_code = -1;   // -1: killed at the deadline
    std::string out, err;
};

// Runs argv[0] with argv, waiting at most timeout_s; stdout/stderr captured.
RunResult run(const std::vector<std::string>& argv, double timeout_s = 120);

// A child running in the background (for subscribers, live capture).
struct Child {
    int pid = -1;
    std::string out_path, err_path;
    static Child start(const std::vector<std::string>& argv);
    bool signal(int sig) const;
    RunResult wait(double timeout_s);  // kills at the deadline
};

std::string env_or_die(const char* name);
std::string temp_dir();                                   // one per test process
std::string generate(const std::string& scenario, unsigned seed = 1);  // -> pcap path
// A two-vantage scenario: {outside pcap, inside pcap}.
std::pair<std::string, std::string> generate_two(const std::string& scenario, unsigned seed = 1);
std::string slurp(const std::string& path);
std::vector<std::string> lines_of(const std::string& text);

struct Events {
    std::vector<std::string> failures;  // raw JSON lines of callsentry.failure events, in order
    std::vector<std::string> stats;     // raw JSON of callsentry.stats events
};
Events read_events_file(const std::string& path);
rapidjson::Document parse(const std::string& json);
// callsentry on one pcap with the guide's on-prem address, events to a file.
RunResult run_callsentry(const std::vector<std::string>& extra, const std::string& events_path);
int free_tcp_port();

}  // namespace e2e
