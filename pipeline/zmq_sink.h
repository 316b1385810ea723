// ZmqSink: the ZeroMQ publisher. An XPUB socket (so it can see subscriptions
// arrive and wait for them) with XPUB_NODROP, sending multipart [topic, json]
// with DONTWAIT: a full socket refuses the event instead of blocking.
#pragma once
#include <memory>
#include <string>

#include "pipeline/event_sink.h"

namespace cs {

class ZmqSink : public EventSink {
public:
    // nullptr and a one-line reason in *error when the endpoint cannot be bound.
    static std::unique_ptr<ZmqSink> bind(const std::string& endpoint, int send_hwm, std::string* error);
    ~ZmqSink() override;  // lingers up to 2 s so queued events reach subscribers
    bool publish(std::string_view topic, std::string_view json) override;
    const char* name() const override { return "zmq"; }

    // Blocks until `count` subscriptions have arrived or `timeout_s` passed;
    // returns how many arrived. For offline runs, so the first events are not
    // lost to subscribers that are still connecting (ZeroMQ's slow joiner).
    unsigned wait_for_subscribers(unsigned count, double timeout_s);

private:
    struct Impl;
    explicit ZmqSink(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace cs
