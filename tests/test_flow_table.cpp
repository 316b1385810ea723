// FlowTable (index with backward-shift delete, against a std::map model) and
// TimerWheel (each check fires once, never early, and the watermark holds).
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "workers/flow_table.h"

using namespace cs;

namespace {
FlowKey key_of(uint32_t n) {
    FlowKey k;
    k.lo_ip = IpAddr::v4(0x0a000000u + n);
    k.hi_ip = IpAddr::v4(0x40660000u + (n >> 4));
    k.lo_port = uint16_t(n * 31);
    k.hi_port = 5062;
    k.proto = 6;
    return k;
}
// A deliberately poor hash so probe runs collide and wrap around.
uint32_t weak_hash(uint32_t n) { return (n % 7) * 0x10000000u + 0xfffffff0u; }
}  // namespace

TEST(FlowTable, RandomInsertsAndRemovesMatchAModel) {
    FlowTable t(512);
    std::map<uint32_t, uint32_t> model;  // key number -> flow index
    std::mt19937 rng(7);
    for (int step = 0; step < 200000; ++step) {
        uint32_t n = rng() % 700;
        bool created = false;
        if (rng() % 3) {
            Flow* f = t.find_or_create(key_of(n), weak_hash(n), &created);
            if (model.count(n)) {
                ASSERT_TRUE(f);
                EXPECT_FALSE(created);
                EXPECT_EQ(t.index_of(f), model[n]);
            } else if (model.size() < 512) {
                ASSERT_TRUE(f);
                EXPECT_TRUE(created);
                model[n] = t.index_of(f);
            } else {
                EXPECT_EQ(f, nullptr);
            }
        } else if (model.count(n)) {
            t.remove(model[n]);
            model.erase(n);
            EXPECT_EQ(t.find(key_of(n), weak_hash(n)), nullptr);
        }
        ASSERT_EQ(t.size(), model.size());
    }
    for (auto [n, idx] : model) EXPECT_EQ(t.find(key_of(n), weak_hash(n)), &t.at(idx));
}

TEST(TimerWheel, EveryCheckFiresOnceAfterItsTickAndBeforeTheWatermark) {
    std::vector<TimerLink> links(2000);
    TimerWheel wheel(links);
    std::mt19937_64 rng(11);
    const uint64_t base = 1505830715ull * 1000000000ull;
    std::vector<uint64_t> when(links.size());
    std::vector<int> fired(links.size(), 0);
    wheel.advance(base, [](uint32_t) {});
    for (uint32_t i = 0; i < links.size(); ++i) {
        // Spread over 0..300 s: many beyond one turn of the wheel (68 s).
        when[i] = base + rng() % 300000000000ull;
        wheel.schedule(i, when[i]);
    }
    // Reschedule some to earlier and later times before they fire.
    for (uint32_t i = 0; i < links.size(); i += 5) {
        when[i] = base + 1000000000ull + rng() % 200000000000ull;
        wheel.schedule(i, when[i]);
    }
    for (uint32_t i = 3; i < links.size(); i += 50) wheel.cancel(i), when[i] = 0;
    uint64_t now = base;
    while (now < base + 400000000000ull) {
        now += rng() % 3000000000ull;  // uneven steps, some over several ticks
        wheel.advance(now, [&](uint32_t i) {
            ++fired[i];
            EXPECT_LE(when[i], now) << "fired early";
        });
        for (uint32_t i = 0; i < links.size(); ++i)
            if (when[i] && when[i] < wheel.watermark()) ASSERT_EQ(fired[i], 1) << i;
    }
    for (uint32_t i = 0; i < links.size(); ++i) EXPECT_EQ(fired[i], when[i] ? 1 : 0) << i;
}
