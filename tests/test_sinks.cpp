// Sinks against the real thing: a ZeroMQ SUB socket on a real endpoint, and
// real files (including an unopenable path and a full device).
#include "pipeline/file_sink.h"
#include "pipeline/zmq_sink.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <zmq.hpp>

namespace cs {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A fresh ipc endpoint per test, so tests never share or collide on a port;
// its socket file is removed when the test ends (libzmq leaves it behind).
struct FreshEndpoint {
    std::string path;
    FreshEndpoint() {
        static int n = 0;
        path = "/tmp/cs-test-sinks-" + std::to_string(getpid()) + "-" + std::to_string(++n) + ".ipc";
    }
    ~FreshEndpoint() { ::unlink(path.c_str()); }
    operator std::string() const { return "ipc://" + path; }
};

struct Sub {
    zmq::context_t ctx{1};
    zmq::socket_t sock{ctx, zmq::socket_type::sub};
    Sub(const std::string& endpoint, const std::string& prefix, int rcvhwm = 1000) {
        sock.set(zmq::sockopt::rcvhwm, rcvhwm);
        sock.set(zmq::sockopt::rcvtimeo, 5000);  // a broken sink fails the test, never hangs it
        sock.set(zmq::sockopt::linger, 0);
        sock.connect(endpoint);
        sock.set(zmq::sockopt::subscribe, prefix);
    }
    // One multipart message as its frames; empty when nothing arrived in time.
    std::vector<std::string> recv() {
        std::vector<std::string> frames;
        zmq::message_t m;
        do {
            if (!sock.recv(m)) return {};
            frames.push_back(m.to_string());
        } while (m.more());
        return frames;
    }
};

TEST(ZmqSink, DeliversMultipartTopicAndJsonInOrder) {
    std::string err;
    const FreshEndpoint fresh;
    const std::string ep = fresh;
    auto sink = ZmqSink::bind(ep, 1000, &err);
    ASSERT_TRUE(sink) << err;
    EXPECT_STREQ(sink->name(), "zmq");

    Sub sub(ep, "callsentry.");
    EXPECT_EQ(sink->wait_for_subscribers(1, 5.0), 1u);

    for (int i = 0; i < 200; ++i) {
        std::string topic = i % 2 ? "callsentry.call.ok" : "callsentry.failure.TLS_UNTRUSTED_CA";
        std::string json = R"({"seq":)" + std::to_string(i) + R"(,"reason":"a \"quoted\" reason"})";
        ASSERT_TRUE(sink->publish(topic, json)) << i;
        // Not subscribed: filtered by the publisher, never delivered.
        ASSERT_TRUE(sink->publish("other.topic", "{}"));
    }
    for (int i = 0; i < 200; ++i) {
        auto frames = sub.recv();
        ASSERT_EQ(frames.size(), 2u) << "message " << i;
        EXPECT_EQ(frames[0], i % 2 ? "callsentry.call.ok" : "callsentry.failure.TLS_UNTRUSTED_CA");
        EXPECT_EQ(frames[1], R"({"seq":)" + std::to_string(i) + R"(,"reason":"a \"quoted\" reason"})");
    }
    // Nothing else (the other.topic messages) is queued.
    sub.sock.set(zmq::sockopt::rcvtimeo, 200);
    EXPECT_TRUE(sub.recv().empty());
}

TEST(ZmqSink, CountsEverySubscriberEvenWithTheSamePrefix) {
    std::string err;
    const FreshEndpoint fresh;
    const std::string ep = fresh;
    auto sink = ZmqSink::bind(ep, 1000, &err);
    ASSERT_TRUE(sink) << err;
    Sub a(ep, "callsentry."), b(ep, "callsentry.");
    EXPECT_EQ(sink->wait_for_subscribers(2, 5.0), 2u);
}

TEST(ZmqSink, WaitForSubscribersTimesOut) {
    std::string err;
    auto sink = ZmqSink::bind(FreshEndpoint(), 1000, &err);
    ASSERT_TRUE(sink) << err;
    auto t0 = Clock::now();
    EXPECT_EQ(sink->wait_for_subscribers(1, 0.3), 0u);
    auto took = Clock::now() - t0;
    EXPECT_GE(took, 250ms);
    EXPECT_LT(took, 3s);
    EXPECT_EQ(sink->wait_for_subscribers(0, 10.0), 0u);  // nothing to wait for: returns at once
}

TEST(ZmqSink, NoSubscriberIsNotADrop) {
    std::string err;
    auto sink = ZmqSink::bind(FreshEndpoint(), 1, &err);
    ASSERT_TRUE(sink) << err;
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(sink->publish("callsentry.stats", "{}"));
}

TEST(ZmqSink, FullSubscriberRefusesWithoutBlocking) {
    std::string err;
    const FreshEndpoint fresh;
    const std::string ep = fresh;
    auto sink = ZmqSink::bind(ep, 2, &err);
    ASSERT_TRUE(sink) << err;
    Sub sub(ep, "callsentry.", 2);  // connected, subscribed, never reads
    ASSERT_EQ(sink->wait_for_subscribers(1, 5.0), 1u);

    const std::string body(64 * 1024, 'x');  // big, so kernel socket buffers fill quickly
    int accepted = 0;
    bool refused = false;
    auto slowest = Clock::duration::zero();
    const auto t0 = Clock::now();
    for (int i = 0; i < 20000 && Clock::now() - t0 < 20s; ++i) {
        auto t = Clock::now();
        bool ok = sink->publish("callsentry.failure.X", body);
        slowest = std::max(slowest, Clock::now() - t);
        if (!ok) {
            refused = true;
            break;
        }
        ++accepted;
    }
    EXPECT_TRUE(refused) << "accepted " << accepted << " events without ever refusing";
    EXPECT_GT(accepted, 0);
    EXPECT_LT(slowest, 500ms) << "publish blocked";
    // Refusing is not sticky: once the subscriber reads, events flow again.
    sub.sock.set(zmq::sockopt::rcvtimeo, 2000);
    for (int i = 0; i < accepted; ++i) ASSERT_EQ(sub.recv().size(), 2u) << i;
    bool again = false;
    for (int i = 0; i < 200 && !again; ++i) {
        again = sink->publish("callsentry.failure.X", "{}");
        if (!again) std::this_thread::sleep_for(10ms);
    }
    EXPECT_TRUE(again);
}

TEST(ZmqSink, LingersSoQueuedEventsArriveAfterClose) {
    std::string err;
    const FreshEndpoint fresh;
    const std::string ep = fresh;
    auto sink = ZmqSink::bind(ep, 1000, &err);
    ASSERT_TRUE(sink) << err;
    Sub sub(ep, "callsentry.");
    ASSERT_EQ(sink->wait_for_subscribers(1, 5.0), 1u);
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(sink->publish("callsentry.call.ok", std::to_string(i)));
    sink.reset();  // offline run ends right after its last event
    for (int i = 0; i < 50; ++i) {
        auto frames = sub.recv();
        ASSERT_EQ(frames.size(), 2u) << i;
        EXPECT_EQ(frames[1], std::to_string(i));
    }
}

TEST(ZmqSink, BadEndpointIsAOneLineError) {
    std::string err;
    // libzmq itself would bind 99999 % 65536; the sink refuses it.
    EXPECT_EQ(ZmqSink::bind("tcp://127.0.0.1:99999", 1000, &err), nullptr);
    EXPECT_EQ(err, "--zmq-pub tcp://127.0.0.1:99999: Invalid argument (port must be 0-65535 or *)");
    EXPECT_EQ(ZmqSink::bind("tcp://127.0.0.1:abc", 1000, &err), nullptr);
    EXPECT_EQ(err, "--zmq-pub tcp://127.0.0.1:abc: Invalid argument (port must be 0-65535 or *)");
    EXPECT_EQ(ZmqSink::bind("tcp://1.2.3.4:5570", 1000, &err), nullptr);  // not a local address
    EXPECT_EQ(err, "--zmq-pub tcp://1.2.3.4:5570: Cannot assign requested address");
    EXPECT_EQ(ZmqSink::bind("carrier-pigeon://home", 1000, &err), nullptr);
    EXPECT_EQ(err, "--zmq-pub carrier-pigeon://home: Protocol not supported");
}

TEST(ZmqSink, EndpointInUseIsAnError) {
    zmq::context_t ctx;
    zmq::socket_t holder(ctx, zmq::socket_type::pub);
    holder.set(zmq::sockopt::linger, 0);
    holder.bind("tcp://127.0.0.1:*");
    const std::string taken = holder.get(zmq::sockopt::last_endpoint);
    std::string err;
    EXPECT_EQ(ZmqSink::bind(taken, 1000, &err), nullptr);
    EXPECT_EQ(err, "--zmq-pub " + taken + ": Address already in use");
}

std::vector<std::string> read_lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
}

std::string temp_path(const char* name) {
    return "/tmp/cs-test-sinks-" + std::to_string(getpid()) + "-" + name;
}

TEST(FileSink, OneLinePerEventAppended) {
    const auto path = temp_path("events.jsonl");
    ::unlink(path.c_str());
    std::string err;
    {
        auto sink = FileSink::open(path, &err);
        ASSERT_TRUE(sink) << err;
        EXPECT_STREQ(sink->name(), "file");
        EXPECT_TRUE(sink->publish("callsentry.call.ok", R"({"a":1})"));
        EXPECT_TRUE(sink->publish("callsentry.failure.X", R"({"b":"two words"})"));
        // Visible at once (no buffering until close): a tail -f reader sees it.
        EXPECT_EQ(read_lines(path), (std::vector<std::string>{R"({"a":1})", R"({"b":"two words"})"}));
    }
    {
        auto sink = FileSink::open(path, &err);  // a restart appends, never truncates
        ASSERT_TRUE(sink) << err;
        EXPECT_TRUE(sink->publish("callsentry.stats", R"({"c":3})"));
    }
    EXPECT_EQ(read_lines(path), (std::vector<std::string>{R"({"a":1})", R"({"b":"two words"})", R"({"c":3})"}));
    ::unlink(path.c_str());
}

TEST(FileSink, UnopenablePathIsAOneLineError) {
    std::string err;
    EXPECT_EQ(FileSink::open("/nonexistent-dir-cs/events.jsonl", &err), nullptr);
    EXPECT_EQ(err, "/nonexistent-dir-cs/events.jsonl: No such file or directory");
    EXPECT_EQ(FileSink::open("/tmp", &err), nullptr);
    EXPECT_EQ(err, "/tmp: Is a directory");
}

TEST(FileSink, FullDiskRefusesInsteadOfFailingHard) {
    std::string err;
    auto sink = FileSink::open("/dev/full", &err);
    if (!sink) GTEST_SKIP() << "no /dev/full: " << err;
    EXPECT_FALSE(sink->publish("callsentry.call.ok", R"({"a":1})"));
    EXPECT_FALSE(sink->publish("callsentry.call.ok", R"({"a":2})"));  // still clean, still refusing
}

}  // namespace
}  // namespace cs
