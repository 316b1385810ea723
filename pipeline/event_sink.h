// EventSink: where a finished event goes (ZeroMQ PUB, JSON-lines file). The
// publisher thread owns every sink; a sink never blocks: a message it cannot
// take now is refused and the publisher counts it as dropped.
#pragma once
#include <string>
#include <string_view>

namespace cs {

class EventSink {
public:
    virtual ~EventSink() = default;
    // topic is "callsentry.<kind>.<code>", json one event without a newline.
    // false: the sink could not take it (full, or failed); counted as a dropped event.
    virtual bool publish(std::string_view topic, std::string_view json) = 0;
    virtual const char* name() const = 0;
};

}  // namespace cs
