#include "pipeline/eal_setup.h"

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <algorithm>
#include <ctime>
#include <thread>

#include "pipeline/packet_view.h"
#include "pipeline/pcap_count.h"

namespace cs {

namespace {

constexpr uint16_t kRxDesc = 1024;
constexpr unsigned kPoolCache = 256;

uint64_t wall_ns() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

bool has_arg(const std::vector<std::string>& args, const std::string& a) {
    return std::find(args.begin(), args.end(), a) != args.end();
}

// The EAL command line: our vdevs and memory mode, then the user's EAL args.
std::vector<std::string> eal_argv(const Config& cfg, const std::vector<PcapFileFacts>& facts, unsigned workers,
                                  uint64_t pool_mbufs) {
    std::vector<std::string> a = {"callsentry", "--no-shconf", "--no-telemetry", "--log-level=lib.eal:warning",
                                  "--log-level=pmd.net.pcap:warning"};
    const bool user_mem = has_arg(cfg.eal_args, "-m") || has_arg(cfg.eal_args, "--socket-mem");
    const bool user_huge = has_arg(cfg.eal_args, "--huge-dir") || has_arg(cfg.eal_args, "--socket-mem");
    if (!user_huge) a.push_back("--no-huge");
    if (!user_mem) {
        // Each mbuf takes its data room, headroom, header, our private view and
        // the mempool's own header and alignment: about 3 KiB; plus room for
        // rings, the PMDs and EAL itself.
        uint64_t mb = pool_mbufs * 3072 / (1 << 20) + 512;
        a.push_back("-m");
        a.push_back(std::to_string(mb));
    }
    // Lcores: one for rx and one per worker. With more lcores than CPUs, let
    // the lcore threads float over all CPUs rather than refuse to start.
    const bool user_cores = has_arg(cfg.eal_args, "-l") || has_arg(cfg.eal_args, "-c") ||
                            has_arg(cfg.eal_args, "--lcores");
    if (!user_cores && workers > 0) {
        unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
        a.push_back("--lcores");
        if (workers + 1 <= cpus) a.push_back("0-" + std::to_string(workers));
        else a.push_back("(0-" + std::to_string(workers) + ")@(0-" + std::to_string(cpus - 1) + ")");
    }
    bool pci = false;
    for (const auto& e : cfg.eal_args) pci |= e == "-a" || e == "--allow" || e.rfind("--allow=", 0) == 0;
    if (!pci) a.push_back("--no-pci");
    for (size_t i = 0; i < cfg.inputs.size(); ++i) {
        const InputSpec& in = cfg.inputs[i];
        std::string dev;
        if (in.kind == InputSpec::kPcap) {
            dev = "net_pcap" + std::to_string(i) + ",rx_pcap=" + in.path;
            if (cfg.pcap_loop) dev += ",infinite_rx=1";
        } else {
            dev = "net_af_packet" + std::to_string(i) + ",iface=" + in.path +
                  ",qpairs=" + std::to_string(workers > 1 ? workers : 1);
        }
        a.push_back("--vdev");
        a.push_back(dev);
    }
    (void)facts;
    for (const auto& e : cfg.eal_args) a.push_back(e);
    return a;
}

bool start_port(uint16_t port, uint16_t queues, rte_mempool* pool, std::string* error) {
    rte_eth_dev_info info;
    if (rte_eth_dev_info_get(port, &info) != 0) {
        *error = "port " + std::to_string(port) + ": cannot read device info";
        return false;
    }
    rte_eth_conf conf{};
    if (queues > 1) {
        // Symmetric RSS (Toeplitz with the repeated 0x6d5a key) keeps both directions on one queue.
        static uint8_t sym_key[40];
        for (int i = 0; i < 40; i += 2) sym_key[i] = 0x6d, sym_key[i + 1] = 0x5a;
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
        conf.rx_adv_conf.rss_conf.rss_key = info.hash_key_size == 40 ? sym_key : nullptr;
        conf.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size == 40 ? 40 : 0;
        conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    }
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_SCATTER) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_SCATTER;
    int rc = rte_eth_dev_configure(port, queues, 1, &conf);
    if (rc != 0) {
        *error = "port " + std::to_string(port) + ": configure failed: " + rte_strerror(-rc);
        return false;
    }
    uint16_t nb_rx = kRxDesc, nb_tx = 512;
    rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rx, &nb_tx);
    for (uint16_t q = 0; q < queues; ++q) {
        rc = rte_eth_rx_queue_setup(port, q, nb_rx, rte_eth_dev_socket_id(port), nullptr, pool);
        if (rc != 0) {
            *error = "port " + std::to_string(port) + ": rx queue setup failed: " + rte_strerror(-rc);
            return false;
        }
    }
    rc = rte_eth_tx_queue_setup(port, 0, nb_tx, rte_eth_dev_socket_id(port), nullptr);
    if (rc != 0) {
        *error = "port " + std::to_string(port) + ": tx queue setup failed: " + rte_strerror(-rc);
        return false;
    }
    rc = rte_eth_dev_start(port);
    if (rc != 0) {
        *error = "port " + std::to_string(port) + ": start failed: " + rte_strerror(-rc);
        return false;
    }
    rte_eth_promiscuous_enable(port);
    return true;
}

}  // namespace

bool setup_runtime(const Config& cfg, Runtime* rt, std::string* error) {
    std::vector<PcapFileFacts> facts(cfg.inputs.size());
    uint64_t loop_mbufs = 0;
    for (size_t i = 0; i < cfg.inputs.size(); ++i) {
        if (cfg.inputs[i].kind != InputSpec::kPcap) continue;
        std::string warn;
        if (!pcap_file_facts(cfg.inputs[i].path, &facts[i], &warn)) {
            *error = warn;
            return false;
        }
        if (!warn.empty()) fprintf(stderr, "callsentry: warning: %s\n", warn.c_str());
        if (cfg.pcap_loop) loop_mbufs += facts[i].packets;  // infinite_rx keeps the whole file in mbufs
    }
    // Workers: --workers, else lcores minus one; the lcore count is known only
    // after EAL init, so size the pool for the larger of the two.
    unsigned max_workers = cfg.workers ? cfg.workers : 64;
    uint64_t pool_mbufs = loop_mbufs + uint64_t(std::min(max_workers, 8u)) * cfg.limits.worker_ring +
                          cfg.inputs.size() * (kRxDesc + 2048) * std::max(1u, cfg.workers) + 8192;

    std::vector<std::string> args = eal_argv(cfg, facts, cfg.workers, pool_mbufs);
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    if (rte_eal_init(int(args.size()), argv.data()) < 0) {
        *error = std::string("DPDK EAL init failed: ") + rte_strerror(rte_errno);
        return false;
    }

    unsigned lcores = rte_lcore_count();
    unsigned workers = cfg.workers ? cfg.workers : std::max(1u, lcores - 1);
    unsigned lcore;
    RTE_LCORE_FOREACH_WORKER(lcore) {
        if (rt->worker_lcores.size() < workers) rt->worker_lcores.push_back(lcore);
    }
    if (rt->worker_lcores.size() < workers) {
        *error = "--workers " + std::to_string(workers) + ": needs " + std::to_string(workers + 1) +
                 " lcores, EAL has " + std::to_string(lcores) + " (give -l after --)";
        return false;
    }

    rt->pool = rte_pktmbuf_pool_create("callsentry_mbufs", unsigned(pool_mbufs), kPoolCache,
                                       uint16_t(RTE_ALIGN(sizeof(PacketView), RTE_CACHE_LINE_SIZE)),
                                       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    if (!rt->pool) {
        *error = "cannot create the mbuf pool (" + std::to_string(pool_mbufs) + " mbufs): " + rte_strerror(rte_errno);
        return false;
    }

    const bool live = !cfg.offline();
    rt->rss_mode = live && workers > 1;  // af_packet fans out by symmetric hash across qpairs
    for (size_t i = 0; i < cfg.inputs.size(); ++i) {
        const InputSpec& in = cfg.inputs[i];
        PortInfo p;
        p.name = (in.kind == InputSpec::kPcap ? "net_pcap" : "net_af_packet") + std::to_string(i);
        if (rte_eth_dev_get_port_by_name(p.name.c_str(), &p.port_id) != 0) {
            *error = "input " + in.path + ": DPDK did not create port " + p.name;
            return false;
        }
        auto v = std::find(rt->vantages.begin(), rt->vantages.end(), in.vantage);
        p.vantage = uint16_t(v - rt->vantages.begin());
        if (v == rt->vantages.end()) rt->vantages.push_back(in.vantage);
        p.is_pcap = in.kind == InputSpec::kPcap;
        p.expected_packets = facts[i].packets;
        p.rx_queues = rt->rss_mode ? uint16_t(workers) : 1;
        if (!start_port(p.port_id, p.rx_queues, rt->pool, error)) return false;
        rt->ports.push_back(p);
    }
    rt->ts_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, nullptr);
    int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, nullptr);
    rt->ts_flag = bit >= 0 ? (1ull << bit) : 0;
    rt->tsc_hz = rte_get_tsc_hz();
    rt->tsc0 = rte_get_tsc_cycles();
    rt->wall0_ns = wall_ns();
    return true;
}

void teardown_runtime(Runtime* rt) {
    for (const PortInfo& p : rt->ports) {
        rte_eth_dev_stop(p.port_id);
        rte_eth_dev_close(p.port_id);
    }
    rte_eal_cleanup();
}

uint64_t live_now_ns(const Runtime& rt) {
    uint64_t d = rte_get_tsc_cycles() - rt.tsc0;
    return rt.wall0_ns + uint64_t((unsigned __int128)d * 1000000000u / rt.tsc_hz);
}

}  // namespace cs
