#include "pipeline/zmq_sink.h"

#include <algorithm>
#include <chrono>

#include <zmq.hpp>

namespace cs {

struct ZmqSink::Impl {
    zmq::context_t ctx{1};     // declared first: destroyed last, after the socket
    zmq::socket_t sock{ctx, zmq::socket_type::xpub};
    unsigned subscriptions = 0;  // subscribe messages seen so far
    unsigned since_drain = 0;

    // Reads queued (un)subscription messages without blocking; counts subscribes.
    void drain() {
        zmq::message_t m;
        while (sock.recv(m, zmq::recv_flags::dontwait)) {
            if (m.size() >= 1 && static_cast<const uint8_t*>(m.data())[0] == 1) ++subscriptions;
        }
    }
};

namespace {
constexpr int kLingerMs = 2000;
// The final frame of a message whose first frame went out is never refused
// (HWM counts whole messages), but if it ever were, waiting this long to finish
// the message beats leaving a half message that would corrupt the next one.
constexpr int kLastFrameTimeoutMs = 1000;
// Subscription messages queue inside the XPUB socket until read; drain them
// now and then so a long run with reconnecting subscribers stays bounded.
constexpr unsigned kDrainEvery = 1024;

// libzmq 4.3 takes "tcp://host:99999" and silently binds port 99999 % 65536;
// refuse it so a typo cannot publish where no subscriber will look.
bool tcp_port_ok(const std::string& endpoint) {
    if (endpoint.rfind("tcp://", 0) != 0) return true;
    auto colon = endpoint.rfind(':');
    std::string port = endpoint.substr(colon + 1);
    if (colon < 6 || port.empty()) return false;
    if (port == "*") return true;
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
    return std::stoul(port) <= 65535;
}
}  // namespace

ZmqSink::ZmqSink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ZmqSink::~ZmqSink() = default;  // socket closes (lingering), then the context terminates

std::unique_ptr<ZmqSink> ZmqSink::bind(const std::string& endpoint, int send_hwm, std::string* error) {
    if (!tcp_port_ok(endpoint)) {
        if (error) *error = "--zmq-pub " + endpoint + ": Invalid argument (port must be 0-65535 or *)";
        return nullptr;
    }
    try {
        auto impl = std::make_unique<Impl>();
        impl->sock.set(zmq::sockopt::xpub_nodrop, 1);
        // Every subscribe reaches us, even a second subscriber's identical
        // prefix: wait_for_subscribers counts subscribers, not distinct topics.
        impl->sock.set(zmq::sockopt::xpub_verbose, 1);
        if (send_hwm > 0) impl->sock.set(zmq::sockopt::sndhwm, send_hwm);  // 0 would mean unbounded
        impl->sock.set(zmq::sockopt::linger, kLingerMs);
        impl->sock.set(zmq::sockopt::sndtimeo, kLastFrameTimeoutMs);
        impl->sock.bind(endpoint);
        return std::unique_ptr<ZmqSink>(new ZmqSink(std::move(impl)));
    } catch (const zmq::error_t& e) {
        if (error) *error = "--zmq-pub " + endpoint + ": " + e.what();
        return nullptr;
    }
}

bool ZmqSink::publish(std::string_view topic, std::string_view json) {
    auto& s = impl_->sock;
    try {
        if (++impl_->since_drain >= kDrainEvery) {
            impl_->since_drain = 0;
            impl_->drain();
        }
        if (!s.send(zmq::const_buffer(topic.data(), topic.size()), zmq::send_flags::sndmore | zmq::send_flags::dontwait))
            return false;  // EAGAIN: a subscriber's queue is full (XPUB_NODROP)
        if (s.send(zmq::const_buffer(json.data(), json.size()), zmq::send_flags::dontwait)) return true;
        return bool(s.send(zmq::const_buffer(json.data(), json.size()), zmq::send_flags::none));
    } catch (const zmq::error_t&) {
        return false;  // e.g. ETERM at shutdown: counted as dropped, never thrown at the publisher
    }
}

unsigned ZmqSink::wait_for_subscribers(unsigned count, double timeout_s) {
    using clock = std::chrono::steady_clock;
    // Bounded so the conversion cannot overflow; NaN or negative: no wait.
    const double wait_s = timeout_s > 0 ? std::min(timeout_s, 1e7) : 0.0;
    const auto deadline = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(wait_s));
    try {
        impl_->drain();
        while (impl_->subscriptions < count) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            if (left.count() <= 0) break;
            zmq::pollitem_t item{impl_->sock.handle(), 0, ZMQ_POLLIN, 0};
            zmq::poll(&item, 1, left);
            impl_->drain();
        }
    } catch (const zmq::error_t&) {
        // EINTR (a signal, e.g. Ctrl-C while waiting): stop waiting, report what arrived.
    }
    return impl_->subscriptions;
}

}  // namespace cs
