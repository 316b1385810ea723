#include "tests/e2e_support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace e2e {

std::string env_or_die(const char* name) {
    const char* v = getenv(name);
    if (!v) throw std::runtime_error(std::string("environment variable ") + name + " not set (run through meson test)");
    return v;
}

std::string temp_dir() {
    static std::string dir = [] {
        char tmpl[] = "/tmp/callsentry-e2e-XXXXXX";
        return std::string(mkdtemp(tmpl));
    }();
    return dir;
}

Child Child::start(const std::vector<std::string>& argv) {
    static int seq = 0;
    Child c;
    c.out_path = temp_dir() + "/child" + std::to_string(++seq) + ".out";
    c.err_path = temp_dir() + "/child" + std::to_string(seq) + ".err";
    c.pid = fork();
    if (c.pid == 0) {
        int out = open(c.out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(c.err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(out, 1);
        dup2(err, 2);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execvp(args[0], args.data());
        _exit(127);
    }
    return c;
}

bool Child::signal(int sig) const { return pid > 0 && kill(pid, sig) == 0; }

RunResult Child::wait(double timeout_s) {
    RunResult r;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
    int status = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
        if (std::chrono::steady_clock::now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            r.exit_code = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    return r;
}

RunResult run(const std::vector<std::string>& argv, double timeout_s) { return Child::start(argv).wait(timeout_s); }

std::string generate(const std::string& scenario, unsigned seed) {
    std::string path = temp_dir() + "/" + scenario + "-" + std::to_string(seed) + ".pcap";
    if (access(path.c_str(), R_OK) == 0) return path;
    RunResult r = run({env_or_die("CALLSENTRY_GEN"), "--scenario", scenario, "--out", path, "--seed",
                       std::to_string(seed)});
    if (r.exit_code != 0) throw std::runtime_error("callsentry-gen " + scenario + " failed: " + r.err);
    return path;
}

std::pair<std::string, std::string> generate_two(const std::string& scenario, unsigned seed) {
    const std::string base = temp_dir() + "/" + scenario + "-" + std::to_string(seed);
    std::pair<std::string, std::string> out{base + "-outside.pcap", base + "-inside.pcap"};
    if (access(out.first.c_str(), R_OK) == 0) return out;
    RunResult r = run({env_or_die("CALLSENTRY_GEN"), "--scenario", scenario, "--out", out.first, "--out-inside",
                       out.second, "--seed", std::to_string(seed)});
    if (r.exit_code != 0) throw std::runtime_error("callsentry-gen " + scenario + " failed: " + r.err);
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(line);
    return out;
}

rapidjson::Document parse(const std::string& json) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    if (d.HasParseError() || !d.IsObject()) throw std::runtime_error("not a JSON object: " + json);
    return d;
}

Events read_events_file(const std::string& path) {
    Events e;
    for (const auto& line : lines_of(slurp(path))) {
        auto d = parse(line);
        const auto& ev = d["event"];
        if (std::string(ev["kind"].GetString()) == "metric") e.stats.push_back(line);
        else e.failures.push_back(line);
    }
    return e;
}

RunResult run_callsentry(const std::vector<std::string>& extra, const std::string& events_path) {
    std::vector<std::string> argv = {env_or_die("CALLSENTRY"), "--local-net", "64.102.241.236/32", "--events-out",
                                     events_path};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
}

int free_tcp_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    int port = ntohs(a.sin_port);
    close(s);
    return port;
}

}  // namespace e2e
