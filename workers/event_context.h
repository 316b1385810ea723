// EventContext: what a rendered event says about where it was seen: the
// vantage labels and DPDK port names, indexed by PacketView::vantage.
#pragma once
#include <string>
#include <vector>

namespace cs {

struct EventContext {
    std::vector<std::string> vantages;    // "outside", "inside", ...
    std::vector<std::string> interfaces;  // "net_pcap0", ...
};

struct RenderedEvent {
    std::string topic;  // callsentry.<kind>.<code>
    std::string json;   // one line
};

}  // namespace cs
