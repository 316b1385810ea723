// scenarios: the library of named traffic scenarios callsentry-gen can write.
// A scenario turns a seed into a time-ordered list of Ethernet frames as the
// firewall's outside span port would see them. This unit owns the registry
// (name, one-line description, generator) and the scenarios themselves.
#pragma once
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cs::gen {

// One captured frame: packet time (ns since the Unix epoch, UTC) and bytes.
struct Frame {
    uint64_t ts_ns = 0;
    std::vector<uint8_t> bytes;
};

struct ScenarioOptions {
    // Changes ISNs, IP-IDs, TCP timestamp clocks, DNS ids and payload bytes;
    // never addresses, ports, sizes or timings (those follow the guide).
    uint64_t seed = 1;
    // Frames to write, for the scenarios that are sized (see Scenario::sized).
    uint64_t packets = 200000;
};

struct Scenario {
    std::string_view name;
    std::string_view description;  // one line, for --list
    bool sized = false;            // honours ScenarioOptions::packets
    std::vector<Frame> (*generate)(const ScenarioOptions&);
};

// Every scenario, in --list order.
std::span<const Scenario> all_scenarios();

// nullptr when no scenario has that name.
const Scenario* find_scenario(std::string_view name);

}  // namespace cs::gen
