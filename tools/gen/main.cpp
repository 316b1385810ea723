// callsentry-gen: writes one scenario of the library as a pcap file.
//   callsentry-gen --list | --scenario NAME --out FILE.pcap [--seed N] [--packets N] [--out-inside FILE.pcap]
// Usage errors: one line on stderr, exit 2. I/O errors: one line, exit 1.
#include <CLI/CLI.hpp>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "tools/gen/pcap_writer.h"
#include "tools/gen/scenarios.h"

namespace {

constexpr uint64_t kMaxPackets = 5'000'000;

int usage_error(const std::string& msg) {
    std::string line = msg;
    for (char& c : line)
        if (c == '\n') c = ' ';
    std::fprintf(stderr, "callsentry-gen: %s (see --help)\n", line.c_str());
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"callsentry-gen: scenario pcaps as a firewall's outside span port sees them"};
    bool list = false;
    std::string name, out, out_inside;
    uint64_t seed = 1;
    uint64_t packets = cs::gen::ScenarioOptions{}.packets;
    auto* list_opt = app.add_flag("--list", list, "list the scenarios with a one-line description");
    auto* name_opt = app.add_option("--scenario", name, "scenario to write (see --list)");
    auto* out_opt = app.add_option("--out", out, "pcap file to write");
    auto* seed_opt = app.add_option("--seed", seed, "seed for ISNs, IP-IDs, TCP timestamps, payload bytes (default 1)");
    auto* packets_opt =
        app.add_option("--packets", packets, "frames to write, for sized scenarios (perf-mix; default 200000, at most 5000000)");
    auto* inside_opt = app.add_option("--out-inside", out_inside,
                                      "two-vantage scenarios: also write the inside tap's capture to this file");
    list_opt->excludes(name_opt)->excludes(out_opt)->excludes(seed_opt)->excludes(packets_opt)->excludes(inside_opt);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == int(CLI::ExitCodes::Success)) return app.exit(e);  // --help
        return usage_error(e.what());
    }

    if (list) {
        for (const cs::gen::Scenario& s : cs::gen::all_scenarios())
            std::printf("%-28s %.*s\n", std::string(s.name).c_str(), int(s.description.size()), s.description.data());
        return 0;
    }
    if (name.empty()) return usage_error("--scenario NAME or --list is required");
    if (out.empty()) return usage_error("--out FILE is required");
    const cs::gen::Scenario* scenario = cs::gen::find_scenario(name);
    if (!scenario) return usage_error("unknown scenario '" + name + "'");
    if (packets_opt->count() > 0 && !scenario->sized)
        return usage_error("--packets does not apply to scenario '" + name + "'");
    if (inside_opt->count() > 0 && !scenario->two_vantage)
        return usage_error("--out-inside does not apply to scenario '" + name + "' (one vantage)");
    if (inside_opt->count() > 0 && out_inside == out) return usage_error("--out-inside must differ from --out");
    // Frames are built in memory before writing (~0.6 KB each): keep that bounded.
    if (packets < 1 || packets > kMaxPackets) return usage_error("--packets must be between 1 and 5000000");

    try {
        std::vector<cs::gen::Frame> inside;
        std::vector<cs::gen::Frame> frames = scenario->generate({seed, packets, &inside});
        auto write = [&](const std::string& path, const std::vector<cs::gen::Frame>& fs) {
            cs::gen::PcapWriter writer(path);
            for (const cs::gen::Frame& f : fs) writer.write(f.ts_ns, f.bytes);
            writer.close();
            std::printf("%s: %zu frames (scenario %s, seed %llu)\n", path.c_str(), fs.size(), name.c_str(),
                        static_cast<unsigned long long>(seed));
        };
        write(out, frames);
        if (!out_inside.empty()) write(out_inside, inside);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "callsentry-gen: %s\n", e.what());
        return 1;
    }
    return 0;
}
