// TCP stream reassembly against real byte streams: both directions of a TLS 1.2
// handshake plus application data, made by two OpenSSL endpoints over memory
// BIOs, cut at random points, reordered, duplicated, overlapped (identical and
// differing copies), dropped, around the 2^32 sequence wrap; and the caps.
#include "pipeline/tcp_reassembly.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace cs {
namespace {

constexpr uint32_t kChunk = ReassemblyPool::kChunkBytes;

// ---- real TLS byte streams ----

struct TlsTranscript {
    std::vector<uint8_t> client, server;  // every byte each endpoint wrote, in order
};

void drain_bio(BIO* from, std::vector<uint8_t>& log, BIO* to) {
    uint8_t buf[4096];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
        log.insert(log.end(), buf, buf + n);
        ASSERT_EQ(BIO_write(to, buf, n), n);
    }
}

// A self-signed P-256 server certificate, a TLS 1.2 handshake, `exchanges`
// application writes of random length in both directions, then close_notify.
TlsTranscript make_tls12_transcript(std::mt19937& rng, int exchanges) {
    TlsTranscript t;
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), long(rng() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("expe.example.com"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    X509_set_pubkey(cert, key);
    EXPECT_GT(X509_sign(cert, key, EVP_sha256()), 0);

    SSL_CTX* sctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX* cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(sctx, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(cctx, TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_use_certificate(sctx, cert), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey(sctx, key), 1);
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, nullptr);

    SSL* s = SSL_new(sctx);
    SSL* c = SSL_new(cctx);
    BIO *c_in = BIO_new(BIO_s_mem()), *c_out = BIO_new(BIO_s_mem());
    BIO *s_in = BIO_new(BIO_s_mem()), *s_out = BIO_new(BIO_s_mem());
    SSL_set_bio(c, c_in, c_out);
    SSL_set_bio(s, s_in, s_out);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, "expe.example.com");

    for (int round = 0; round < 20 && !(SSL_is_init_finished(c) && SSL_is_init_finished(s)); ++round) {
        SSL_do_handshake(c);
        drain_bio(c_out, t.client, s_in);
        SSL_do_handshake(s);
        drain_bio(s_out, t.server, c_in);
    }
    EXPECT_TRUE(SSL_is_init_finished(c) && SSL_is_init_finished(s));
    EXPECT_EQ(SSL_version(c), TLS1_2_VERSION);

    std::vector<uint8_t> msg, rd(1 << 15);
    for (int i = 0; i < exchanges; ++i) {
        for (SSL* who : {c, s}) {
            msg.resize(1 + rng() % 20000);  // crosses the 16 KiB record limit now and then
            for (auto& b : msg) b = uint8_t(rng());
            EXPECT_EQ(SSL_write(who, msg.data(), int(msg.size())), int(msg.size()));
            drain_bio(c_out, t.client, s_in);
            drain_bio(s_out, t.server, c_in);
            SSL* peer = who == c ? s : c;
            size_t got = 0;
            int n;
            while ((n = SSL_read(peer, rd.data(), int(rd.size()))) > 0) got += size_t(n);
            EXPECT_EQ(got, msg.size());
        }
    }
    SSL_shutdown(c);
    drain_bio(c_out, t.client, s_in);
    SSL_shutdown(s);
    drain_bio(s_out, t.server, c_in);

    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    X509_free(cert);
    EVP_PKEY_free(key);
    return t;
}

const TlsTranscript& transcript() {
    static const TlsTranscript t = [] {
        std::mt19937 rng(5061);
        return make_tls12_transcript(rng, 8);
    }();
    return t;
}

// ---- what the analyzer would see ----

struct RecordingSink : StreamSink {
    std::vector<uint8_t> bytes;  // the stream as delivered; gap bytes are zero ...
    std::vector<uint8_t> known;  // ... and marked 0 here
    std::vector<uint32_t> gap_sizes;
    uint64_t data_bytes = 0, gap_bytes = 0;
    uint32_t anomalies[size_t(ReassemblyAnomaly::kCount)] = {};
    int ends = 0;
    bool after_end = false;
    uint32_t call_limit = kChunk;  // largest piece allowed in the current call
    bool over_limit = false;

    void on_data(const uint8_t* d, uint32_t n) override {
        if (n == 0 || n > call_limit) over_limit = true;
        if (ends) after_end = true;
        bytes.insert(bytes.end(), d, d + n);
        known.insert(known.end(), n, 1);
        data_bytes += n;
    }
    void on_gap(uint32_t n) override {
        if (n == 0) over_limit = true;
        if (ends) after_end = true;
        bytes.insert(bytes.end(), n, 0);
        known.insert(known.end(), n, 0);
        gap_sizes.push_back(n);
        gap_bytes += n;
    }
    void on_anomaly(ReassemblyAnomaly a) override { ++anomalies[size_t(a)]; }
    void on_end() override { ++ends; }
    uint64_t position() const { return bytes.size(); }
    uint32_t count(ReassemblyAnomaly a) const { return anomalies[size_t(a)]; }
};

// Drives one direction; `off` is the stream offset of a byte (0 = first after the SYN).
struct Direction {
    ReassemblyPool& pool;
    StreamReassembler r;
    RecordingSink sink;
    uint32_t isn;
    uint64_t passed = 0;  // payload bytes handed to segment()

    Direction(ReassemblyPool& p, uint32_t isn_) : pool(p), isn(isn_) { r.start(isn + 1, false); }
    uint32_t seq(uint64_t off) const { return uint32_t(isn + 1 + off); }
    void data(uint64_t off, const uint8_t* d, uint32_t n) {
        sink.call_limit = std::max(n, kChunk);
        passed += n;
        r.segment(pool, seq(off), d, n, sink);
        sink.call_limit = kChunk;
    }
    void data(const std::vector<uint8_t>& stream, uint64_t off, uint32_t n) { data(off, stream.data() + off, n); }
    void fin(uint64_t off) { r.fin(pool, seq(off), sink); }
    void ack(uint64_t off) { r.ack_seen(pool, seq(off), sink); }
    void flush() { r.flush(pool, sink); }
    // Sequence space the stream advanced over, which delivered bytes, gaps and a FIN account for.
    uint32_t advanced() const { return r.next_seq() - (isn + 1); }
};

std::vector<std::pair<uint64_t, uint32_t>> cut(std::mt19937& rng, uint64_t size, uint32_t max_len) {
    std::vector<std::pair<uint64_t, uint32_t>> segs;
    for (uint64_t off = 0; off < size;) {
        uint32_t n = 1 + rng() % max_len;
        if (rng() % 8 == 0) n = 1 + rng() % 16;  // tiny ones too
        n = uint32_t(std::min<uint64_t>(n, size - off));
        segs.emplace_back(off, n);
        off += n;
    }
    return segs;
}

struct Op {
    enum Kind { kData, kFin, kAck } kind = kData;
    uint64_t off = 0;
    uint32_t len = 0;
    std::vector<uint32_t> corrupt;  // stream offsets this copy carries altered bytes at
};

// Reorders with displacement up to `window` places (window 0: in order).
void reorder(std::mt19937& rng, std::vector<Op>& ops, size_t window) {
    std::vector<std::pair<size_t, size_t>> keys;
    for (size_t i = 0; i < ops.size(); ++i) keys.emplace_back(i + (window ? rng() % (window + 1) : 0), i);
    std::stable_sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return a.first < b.first; });
    std::vector<Op> out;
    for (auto& k : keys) out.push_back(ops[k.second]);
    ops.swap(out);
}

// Plays ops; a corrupted copy is built from the stream with its bytes flipped.
// Returns how many calls carried an altered byte the reassembler still held,
// i.e. how many differing overlaps it must see.
uint32_t play(Direction& d, const std::vector<uint8_t>& stream, const std::vector<Op>& ops, std::mt19937& rng) {
    uint32_t expect_differing = 0;
    std::vector<uint8_t> buf;
    for (const Op& op : ops) {
        if (op.kind == Op::kFin) {
            d.fin(op.off);
            continue;
        }
        if (op.kind == Op::kAck) {
            d.ack(op.off);
            continue;
        }
        buf.assign(stream.begin() + op.off, stream.begin() + op.off + op.len);
        for (uint32_t p : op.corrupt) buf[p - op.off] ^= uint8_t(1 + rng() % 255);
        // Sometimes one packet's payload comes in two chained buffers.
        uint32_t split = (op.len > 1 && rng() % 5 == 0) ? 1 + rng() % (op.len - 1) : op.len;
        for (auto [from, to] : {std::pair<uint32_t, uint32_t>{0, split}, {split, op.len}}) {
            if (from == to) continue;
            const uint64_t pos = d.sink.position();
            for (uint32_t p : op.corrupt)
                if (p >= op.off + from && p < op.off + to && p >= pos) {
                    ++expect_differing;
                    break;
                }
            d.data(op.off + from, buf.data() + from, to - from);
            EXPECT_LE(d.r.held_chunks(), d.pool.stream_cap_chunks());
        }
    }
    return expect_differing;
}

// ---- the whole stream, however mangled on the way ----

void mangled_stream_round(const std::vector<uint8_t>& stream, unsigned seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    ReassemblyPool pool(8u << 20, 4u << 20);  // no cap in play here
    // ISN so that the stream crosses 2^32 somewhere inside it.
    const uint32_t isn = uint32_t(0xffffffffu - rng() % stream.size());
    Direction d(pool, isn);

    const auto segs = cut(rng, stream.size(), seed % 3 == 0 ? 5000 : 1460);
    std::vector<Op> ops;
    for (auto [off, n] : segs) ops.push_back({Op::kData, off, n, {}});
    const size_t n_seg = ops.size();
    for (size_t k = 0; k < n_seg / 4; ++k) ops.push_back(ops[rng() % n_seg]);  // retransmissions
    for (size_t k = 0; k < n_seg / 4; ++k) {                                     // overlapping copies
        uint64_t a = rng() % stream.size();
        uint32_t n = uint32_t(std::min<uint64_t>(1 + rng() % 4000, stream.size() - a));
        ops.push_back({Op::kData, a, n, {}});
    }
    ops.push_back({Op::kFin, stream.size(), 0, {}});
    const size_t windows[] = {0, 3, 20, ops.size()};
    reorder(rng, ops, windows[seed % 4]);

    // Differing copies go after every original segment they overlap, so the
    // first copy of each byte is the true one.
    for (size_t k = 0; k < 1 + n_seg / 8; ++k) {
        Op bad{Op::kData, rng() % stream.size(), 0, {}};
        bad.len = uint32_t(std::min<uint64_t>(1 + rng() % 3000, stream.size() - bad.off));
        for (int j = 0; j < 1 + int(rng() % 3); ++j) bad.corrupt.push_back(uint32_t(bad.off + rng() % bad.len));
        size_t last = 0;
        for (size_t i = 0; i < ops.size(); ++i)
            if (ops[i].kind == Op::kData && ops[i].corrupt.empty() && ops[i].off < bad.off + bad.len &&
                bad.off < ops[i].off + ops[i].len)
                last = i;
        ops.insert(ops.begin() + long(last + 1 + rng() % (ops.size() - last)), bad);
    }

    const uint32_t expect_differing = play(d, stream, ops, rng);
    d.flush();

    EXPECT_EQ(d.sink.bytes, stream);  // exact bytes, the first copy everywhere
    EXPECT_TRUE(d.sink.gap_sizes.empty());
    EXPECT_EQ(d.sink.ends, 1);
    EXPECT_FALSE(d.sink.after_end);
    EXPECT_FALSE(d.sink.over_limit);
    EXPECT_TRUE(d.r.finished());
    EXPECT_EQ(d.advanced(), uint32_t(stream.size() + 1));
    const ReassemblyCounters& c = pool.counters();
    EXPECT_EQ(c.bytes_delivered, stream.size());
    EXPECT_EQ(c.bytes_overlap, d.passed - stream.size());  // every byte is new once, a copy after
    EXPECT_GT(c.overlaps, 0u);
    EXPECT_EQ(c.differing_overlaps, expect_differing);
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kDifferingOverlap), expect_differing);
    EXPECT_EQ(c.gaps, 0u);
    EXPECT_EQ(c.bytes_held, 0u);
    EXPECT_EQ(c.bytes_dropped_cap, 0u);
    EXPECT_EQ(d.r.held_chunks(), 0u);
    EXPECT_EQ(pool.free_chunks(), pool.capacity());
    if (seed % 4 != 0) { EXPECT_GT(c.bytes_buffered, 0u); }  // reordering made it wait
}

TEST(TcpReassembly, TranscriptIsRealTls12) {
    const TlsTranscript& t = transcript();
    ASSERT_GT(t.client.size(), 50000u);
    ASSERT_GT(t.server.size(), 50000u);
    // Record headers: ClientHello in a handshake record, ServerHello answering with TLS 1.2.
    EXPECT_EQ(t.client[0], 0x16);
    EXPECT_EQ(t.client[5], 0x01);
    EXPECT_EQ(t.server[0], 0x16);
    EXPECT_EQ(t.server[5], 0x02);
    EXPECT_EQ(t.server[9], 0x03);
    EXPECT_EQ(t.server[10], 0x03);
}

TEST(TcpReassembly, MangledStreamsComeOutExactBothDirections) {
    const TlsTranscript& t = transcript();
    for (unsigned seed = 1; seed <= 24; ++seed) {
        mangled_stream_round(t.client, seed);
        mangled_stream_round(t.server, 1000 + seed);
    }
}

// ---- gaps ----

// Checks the delivered stream against the original with the `dropped` bytes
// missing: they must be exactly the gaps, in order; one gap per run when the
// holes were only skipped at the end (an ACK may skip part of a run earlier).
void expect_stream_with_holes(const RecordingSink& sink, const std::vector<uint8_t>& stream,
                              const std::vector<uint8_t>& dropped, bool one_gap_per_run = true) {
    ASSERT_EQ(sink.bytes.size(), stream.size());
    std::vector<uint32_t> runs;
    for (size_t i = 0; i < stream.size(); ++i) {
        if (dropped[i] && (i == 0 || !dropped[i - 1])) runs.push_back(0);
        if (dropped[i]) ++runs.back();
        ASSERT_EQ(sink.known[i], !dropped[i]) << "offset " << i;
        if (!dropped[i]) { ASSERT_EQ(sink.bytes[i], stream[i]) << "offset " << i; }
    }
    if (one_gap_per_run) { EXPECT_EQ(sink.gap_sizes, runs); }
    EXPECT_GE(sink.gap_sizes.size(), runs.size());
    EXPECT_EQ(sink.gap_bytes, uint64_t(std::count(dropped.begin(), dropped.end(), 1)));
}

TEST(TcpReassembly, DroppedSegmentsBecomeGapsOfTheirSize) {
    const TlsTranscript& t = transcript();
    for (unsigned seed = 1; seed <= 16; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        const std::vector<uint8_t>& stream = seed % 2 ? t.client : t.server;
        ReassemblyPool pool(8u << 20, 4u << 20);
        Direction d(pool, uint32_t(0xffffffffu - rng() % 100000));
        std::vector<uint8_t> dropped(stream.size(), 0);
        std::vector<Op> ops;
        for (auto [off, n] : cut(rng, stream.size(), 1460)) {
            if (rng() % 6 == 0) {
                std::fill(dropped.begin() + long(off), dropped.begin() + long(off + n), 1);
                continue;
            }
            ops.push_back({Op::kData, off, n, {}});
            if (rng() % 5 == 0) ops.push_back(ops.back());
        }
        ops.push_back({Op::kFin, stream.size(), 0, {}});
        reorder(rng, ops, 10);
        play(d, stream, ops, rng);
        EXPECT_EQ(d.sink.ends, 0);  // holes stop it before the FIN
        d.flush();                  // close: holes skipped, the tail up to the FIN too
        expect_stream_with_holes(d.sink, stream, dropped);
        EXPECT_EQ(d.sink.ends, 1);
        EXPECT_EQ(d.advanced(), uint32_t(stream.size() + 1));
        EXPECT_EQ(d.sink.data_bytes + d.sink.gap_bytes, stream.size());
        EXPECT_EQ(pool.counters().gap_bytes, d.sink.gap_bytes);
        EXPECT_EQ(pool.counters().gaps, d.sink.gap_sizes.size());
        EXPECT_EQ(pool.free_chunks(), pool.capacity());
    }
}

TEST(TcpReassembly, PeerAckPastAHoleSkipsItWithoutWaitingForClose) {
    const TlsTranscript& t = transcript();
    std::mt19937 rng(77);
    ReassemblyPool pool(1u << 20, 1u << 20);
    Direction d(pool, 0xfffff000u);
    std::vector<uint8_t> dropped(t.server.size(), 0);
    // In order as sent; the capture misses some segments the client still ACKs.
    for (auto [off, n] : cut(rng, t.server.size(), 1460)) {
        if (rng() % 7 == 0) std::fill(dropped.begin() + long(off), dropped.begin() + long(off + n), 1);
        else d.data(t.server, off, n);
        if (rng() % 3 == 0) {  // delayed ACKs: not after every segment
            d.ack(off + n);
            EXPECT_EQ(d.r.held_chunks(), 0u);  // the ACK covers all sent: nothing waits any more
        }
    }
    d.ack(t.server.size());
    EXPECT_EQ(d.r.held_chunks(), 0u);  // all out, before any flush
    expect_stream_with_holes(d.sink, t.server, dropped, false);
    EXPECT_GT(pool.counters().ack_skips, 0u);
    // The lost segments arriving late now are old: not delivered again.
    const uint64_t delivered = d.sink.data_bytes;
    d.data(t.server, 0, 1000);
    EXPECT_EQ(d.sink.data_bytes, delivered);
    EXPECT_EQ(pool.free_chunks(), pool.capacity());
}

TEST(TcpReassembly, AckCoveringTheFinEndsTheStream) {
    const std::vector<uint8_t>& s = transcript().client;
    ReassemblyPool pool(1u << 20);
    Direction d(pool, 1000);
    d.data(s, 0, 500);
    d.data(s, 700, 300);   // 500..700 missed by the capture
    d.fin(1000);
    EXPECT_EQ(d.sink.ends, 0);
    d.ack(1001);           // the peer acknowledged the FIN
    EXPECT_EQ(d.sink.gap_sizes, std::vector<uint32_t>{200});
    EXPECT_EQ(d.sink.ends, 1);
    EXPECT_EQ(d.sink.data_bytes, 800u);
    EXPECT_TRUE(d.r.finished());
}

// ---- caps ----

TEST(TcpReassembly, DirectionCapSkipsTheHoleAndNeverHoldsMore) {
    const std::vector<uint8_t>& s = transcript().server;
    ReassemblyPool pool(4u << 20, 8 * kChunk);  // 8 chunks per direction
    Direction d(pool, 0xffffff00u);
    // The first 1000 bytes are lost; then 40 KB follow in order, every one out of order.
    uint64_t off = 1000;
    while (off < 41000) {
        d.data(s, off, 1448);
        EXPECT_LE(d.r.held_chunks(), 8u);
        EXPECT_LE(pool.capacity() - pool.free_chunks(), 8u);
        off += 1448;
    }
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kStreamCap), 1u);
    EXPECT_EQ(pool.counters().cap_skips, 1u);
    ASSERT_EQ(d.sink.gap_sizes, std::vector<uint32_t>{1000});
    EXPECT_EQ(d.sink.data_bytes, off - 1000);  // after the skip everything is in order again
    EXPECT_TRUE(std::equal(d.sink.bytes.begin() + 1000, d.sink.bytes.end(), s.begin() + 1000));
    EXPECT_EQ(pool.counters().bytes_dropped_cap, 0u);
    // The lost bytes retransmitted now are behind the stream: counted, not delivered.
    d.data(s, 0, 1000);
    EXPECT_EQ(d.sink.data_bytes, off - 1000);
    EXPECT_EQ(d.r.held_chunks(), 0u);
}

TEST(TcpReassembly, DirectionCapWithManySmallHolesStaysBounded) {
    const std::vector<uint8_t>& s = transcript().client;
    ReassemblyPool pool(1u << 20, 4 * kChunk);
    Direction d(pool, 0x7ffffff0u);
    // Every other 10-byte piece: each needs its own chunk, so the cap comes fast.
    for (uint64_t off = 10; off < 20000; off += 20) {
        d.data(s, off, 10);
        ASSERT_LE(d.r.held_chunks(), 4u);
    }
    EXPECT_GT(pool.counters().cap_skips, 100u);
    EXPECT_EQ(d.sink.data_bytes + d.sink.gap_bytes, d.advanced());
    for (size_t i = 0; i < d.sink.bytes.size(); ++i)
        if (d.sink.known[i]) { ASSERT_EQ(d.sink.bytes[i], s[i]); }
    d.r.release(pool);
    EXPECT_EQ(pool.free_chunks(), pool.capacity());
}

TEST(TcpReassembly, ExhaustedPoolDropsAndCountsThenTheHoleIsAGap) {
    const std::vector<uint8_t>& s = transcript().server;
    // Room for exactly 4 chunks in the whole pool, 4 per direction.
    ReassemblyPool pool(4 * (kChunk + 12), 4 * kChunk);
    ASSERT_EQ(pool.capacity(), 4u);
    EXPECT_LE(pool.memory_bytes(), 4 * (kChunk + 12));
    Direction a(pool, 100), b(pool, 0xfffffff0u);
    a.data(s, 100, 4 * kChunk);  // a holds the whole pool behind its hole
    EXPECT_EQ(pool.free_chunks(), 0u);
    b.data(s, 50, 1000);        // b has a hole too, and no chunk to wait in
    EXPECT_EQ(pool.counters().bytes_dropped_cap, 1000u);
    EXPECT_EQ(b.sink.count(ReassemblyAnomaly::kPoolExhausted), 1u);
    EXPECT_EQ(pool.counters().anomalies[size_t(ReassemblyAnomaly::kPoolExhausted)], 1u);
    b.data(s, 0, 50);  // b's hole fills; what it dropped is a hole now
    EXPECT_EQ(b.sink.data_bytes, 50u);
    b.data(s, 1050, 100);  // still nothing free: dropped too
    EXPECT_EQ(pool.counters().bytes_dropped_cap, 1100u);
    a.data(s, 0, 100);  // a completes: its chunks go back
    EXPECT_EQ(a.sink.bytes, std::vector<uint8_t>(s.begin(), s.begin() + 100 + 4 * kChunk));
    EXPECT_EQ(pool.free_chunks(), 4u);
    b.data(s, 1150, 200);  // stored now
    EXPECT_EQ(b.r.held_chunks(), 1u);
    b.ack(1350);  // the receiver had it all: the dropped bytes are a gap
    EXPECT_EQ(b.sink.gap_sizes, std::vector<uint32_t>{1100});
    EXPECT_EQ(b.sink.data_bytes, 250u);
    EXPECT_EQ(b.sink.data_bytes + b.sink.gap_bytes, b.advanced());
    EXPECT_EQ(pool.free_chunks(), 4u);
}

TEST(TcpReassembly, AnomaliesHaveDistinctNames) {
    std::vector<std::string> names;
    for (size_t a = 0; a < size_t(ReassemblyAnomaly::kCount); ++a)
        names.push_back(reassembly_anomaly_name(ReassemblyAnomaly(a)));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::unique(names.begin(), names.end()), names.end());
    EXPECT_EQ(std::count(names.begin(), names.end(), "unknown"), 0);
    EXPECT_STREQ(reassembly_anomaly_name(ReassemblyAnomaly::kCount), "unknown");
}

TEST(TcpReassembly, PoolBudgetAndChunkFigures) {
    ReassemblyPool def;
    EXPECT_LE(def.memory_bytes(), ReassemblyPool::kDefaultBudgetBytes);
    EXPECT_GT(def.memory_bytes(), ReassemblyPool::kDefaultBudgetBytes - (kChunk + 12));
    EXPECT_EQ(def.stream_cap_chunks(), ReassemblyPool::kDefaultStreamCapBytes / kChunk);
    EXPECT_EQ(def.free_chunks(), def.capacity());
    static_assert(sizeof(StreamReassembler) <= 24, "per-direction state lives in every flow record");
    ReassemblyPool none(100);  // smaller than a chunk: everything out of order is dropped
    EXPECT_EQ(none.capacity(), 0u);
    RecordingSink sink;
    StreamReassembler r;
    r.start(1, false);
    uint8_t buf[100] = {};
    r.segment(none, 50, buf, 100, sink);
    EXPECT_EQ(none.counters().bytes_dropped_cap, 100u);
    r.segment(none, 1, buf, 49, sink);
    EXPECT_EQ(sink.data_bytes, 49u);
}

// ---- overlaps, FIN, window, wrap ----

TEST(TcpReassembly, DifferingOverlapKeepsTheFirstCopyAndSaysSo) {
    const std::vector<uint8_t>& s = transcript().client;
    ReassemblyPool pool(1u << 20);
    Direction d(pool, 0xffffffffu);  // first byte at seq 0 after the wrap
    d.data(s, 100, 100);             // held
    std::vector<uint8_t> forged(s.begin() + 150, s.begin() + 250);
    forged[10] ^= 0xff;              // offset 160: held, differs
    d.data(150, forged.data(), 100); // 200..250 is new: stored from this copy
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kDifferingOverlap), 1u);
    std::vector<uint8_t> other(s.begin(), s.begin() + 150);
    other[120] ^= 0x01;              // in-order copy differing from the held 100..150
    d.data(0, other.data(), 150);
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kDifferingOverlap), 2u);
    ASSERT_EQ(d.sink.bytes.size(), 250u);
    EXPECT_TRUE(std::equal(d.sink.bytes.begin(), d.sink.bytes.end(), s.begin()));
    EXPECT_EQ(pool.counters().differing_overlaps, 2u);
    EXPECT_EQ(pool.counters().overlaps, 2u);
    EXPECT_EQ(pool.counters().bytes_overlap, 50u + 50u);
    // An identical retransmission of held bytes is an overlap, not an anomaly.
    d.data(s, 300, 50);
    d.data(s, 300, 50);
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kDifferingOverlap), 2u);
    EXPECT_EQ(pool.counters().overlaps, 3u);
}

TEST(TcpReassembly, RunAfterAHoleFillsChunksInsteadOfOneEach) {
    const std::vector<uint8_t>& s = transcript().server;
    ReassemblyPool pool(1u << 20);
    Direction d(pool, 5);
    for (uint64_t off = 100; off < 100 + 40 * 100; off += 100) d.data(s, off, 100);
    EXPECT_EQ(d.r.held_chunks(), (4000 + kChunk - 1) / kChunk);
    d.data(s, 0, 100);
    // Chunks come out one at a time, each at most a chunk.
    EXPECT_FALSE(d.sink.over_limit);
    EXPECT_EQ(d.sink.bytes, std::vector<uint8_t>(s.begin(), s.begin() + 4100));
}

TEST(TcpReassembly, FinEndsTheStreamAndNothingFollowsIt) {
    const std::vector<uint8_t>& s = transcript().client;
    ReassemblyPool pool(1u << 20);
    Direction d(pool, 0xfffffffau);
    d.data(s, 600, 400);     // held: 600..1000, past the FIN-to-be
    d.data(s, 1200, 300);    // held, wholly past it
    EXPECT_EQ(d.r.held_chunks(), 2u);
    d.fin(800);              // the FIN cuts what lies behind it
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kDataAfterFin), 1u);
    EXPECT_EQ(pool.counters().bytes_after_fin, 500u);
    EXPECT_EQ(d.r.held_chunks(), 1u);
    EXPECT_EQ(pool.counters().bytes_held, 200u);
    d.data(s, 0, 600);
    EXPECT_EQ(d.sink.ends, 1);
    EXPECT_EQ(d.sink.bytes, std::vector<uint8_t>(s.begin(), s.begin() + 800));
    d.data(s, 800, 10);      // data after the FIN
    d.data(s, 790, 20);      // retransmission reaching past it
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kDataAfterFin), 3u);
    EXPECT_EQ(pool.counters().bytes_after_fin, 520u);
    d.fin(800);              // retransmitted FIN: fine
    d.fin(900);              // another FIN: not
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kFinConflict), 1u);
    EXPECT_EQ(d.sink.data_bytes, 800u);
    EXPECT_EQ(d.advanced(), 801u);
    EXPECT_EQ(pool.free_chunks(), pool.capacity());
}

TEST(TcpReassembly, FinBehindDeliveredBytesIsAConflict) {
    const std::vector<uint8_t>& s = transcript().client;
    ReassemblyPool pool(1u << 20);
    Direction d(pool, 1);
    d.data(s, 0, 500);
    d.fin(300);
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kFinConflict), 1u);
    EXPECT_FALSE(d.r.fin_seen());
    d.data(s, 500, 100);
    EXPECT_EQ(d.sink.data_bytes, 600u);
}

TEST(TcpReassembly, FarOutOfWindowIsIgnoredAndCounted) {
    const std::vector<uint8_t>& s = transcript().client;
    ReassemblyPool pool(1u << 20);
    Direction d(pool, 0x10);
    d.data(s, 0, 100);
    d.data(uint64_t(1) << 31, s.data(), 100);                // half the sequence space away
    d.data(uint64_t(0) - (uint64_t(3) << 29), s.data(), 50);  // 1.5 * 2^30 behind
    d.ack((uint64_t(1) << 30) + 1000);                         // past the largest window
    d.fin((uint64_t(1) << 30) + 1000);
    EXPECT_FALSE(d.r.fin_seen());
    EXPECT_EQ(d.sink.count(ReassemblyAnomaly::kOutOfWindow), 4u);
    EXPECT_EQ(pool.counters().bytes_out_of_window, 150u);
    EXPECT_EQ(d.r.held_chunks(), 0u);
    EXPECT_TRUE(d.sink.gap_sizes.empty());
    d.data(s, 100, 100);
    EXPECT_EQ(d.sink.bytes, std::vector<uint8_t>(s.begin(), s.begin() + 200));
}

TEST(TcpReassembly, MidstreamPickUpStartsAtTheFirstSeenByte) {
    const std::vector<uint8_t>& s = transcript().server;
    ReassemblyPool pool(1u << 20);
    RecordingSink sink;
    StreamReassembler r;
    EXPECT_FALSE(r.started());
    r.segment(pool, 0xfffffff0u, s.data() + 1000, 100, sink);  // no start(): picked up here
    EXPECT_TRUE(r.started());
    EXPECT_TRUE(r.midstream());
    EXPECT_EQ(r.next_seq(), 0x54u);
    r.segment(pool, 0xfffffff0u - 10, s.data() + 990, 30, sink);  // older bytes: not delivered
    r.segment(pool, 0x54u, s.data() + 1100, 20, sink);
    EXPECT_EQ(sink.bytes, std::vector<uint8_t>(s.begin() + 1000, s.begin() + 1120));
    r.release(pool);
    EXPECT_FALSE(r.started());
    StreamReassembler syn;
    syn.start(0xffffffffu + 1u, false);  // SYN with ISN 0xffffffff
    EXPECT_FALSE(syn.midstream());
    EXPECT_EQ(syn.next_seq(), 0u);
}

TEST(TcpReassembly, ReleaseReturnsEveryChunkAndCountsTheDiscard) {
    const std::vector<uint8_t>& s = transcript().client;
    ReassemblyPool pool(1u << 20, 64 * kChunk);
    Direction a(pool, 0xffff0000u), b(pool, 7);
    for (uint64_t off = 1; off < 30000; off += 3000) a.data(s, off, 1500);
    b.data(s, 10, 20000);
    EXPECT_GT(a.r.held_chunks() + b.r.held_chunks(), 10u);
    EXPECT_EQ(pool.capacity() - pool.free_chunks(), a.r.held_chunks() + b.r.held_chunks());
    const uint64_t held = pool.counters().bytes_held;
    EXPECT_EQ(held, 10 * 1500u + 20000u);
    a.r.release(pool);
    b.r.release(pool);
    EXPECT_EQ(pool.free_chunks(), pool.capacity());
    EXPECT_EQ(pool.counters().bytes_discarded, held);
    EXPECT_EQ(pool.counters().bytes_held, 0u);
    EXPECT_TRUE(a.sink.bytes.empty());
}

// ---- everything at once, small memory ----

// Drops, copies, reordering, small caps and a small shared pool, ACKs from a
// peer that got everything, two directions at once: whatever comes out must be
// the true bytes at their true offsets, and the accounting must close.
TEST(TcpReassembly, HostileMixKeepsEveryInvariant) {
    const TlsTranscript& t = transcript();
    ReassemblyCounters total;  // over all seeds: every path below was taken
    for (unsigned seed = 1; seed <= 40; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        std::mt19937 rng(seed);
        ReassemblyPool pool((6 + rng() % 20) * (kChunk + 12), (1 + rng() % 8) * kChunk);
        Direction dir[2] = {Direction(pool, uint32_t(rng())), Direction(pool, uint32_t(-(rng() % 50000)))};
        std::vector<Op> ops[2];
        for (int k = 0; k < 2; ++k) {
            const std::vector<uint8_t>& s = k ? t.server : t.client;
            for (auto [off, n] : cut(rng, s.size(), 1 + rng() % 6000)) {
                if (rng() % 10 != 0) ops[k].push_back({Op::kData, off, n, {}});
                if (rng() % 4 == 0) ops[k].push_back({Op::kData, off, n, {}});
                if (rng() % 5 == 0) ops[k].push_back({Op::kAck, off + n - rng() % (n + 1), 0, {}});
            }
            if (rng() % 2) ops[k].push_back({Op::kFin, s.size(), 0, {}});
            reorder(rng, ops[k], rng() % 40);
        }
        size_t i[2] = {0, 0};
        while (i[0] < ops[0].size() || i[1] < ops[1].size()) {
            int k = (i[0] < ops[0].size() && (i[1] == ops[1].size() || rng() % 2)) ? 0 : 1;
            const Op& op = ops[k][i[k]++];
            const std::vector<uint8_t>& s = k ? t.server : t.client;
            if (op.kind == Op::kData) dir[k].data(s, op.off, op.len);
            else if (op.kind == Op::kFin) dir[k].fin(op.off);
            else dir[k].ack(op.off);  // the peer acknowledges what this side sent
            ASSERT_LE(dir[k].r.held_chunks(), pool.stream_cap_chunks());
            ASSERT_EQ(pool.capacity() - pool.free_chunks(), dir[0].r.held_chunks() + dir[1].r.held_chunks());
        }
        for (int k = 0; k < 2; ++k) {
            const std::vector<uint8_t>& s = k ? t.server : t.client;
            Direction& d = dir[k];
            if (rng() % 2) d.flush();
            EXPECT_EQ(d.sink.data_bytes + d.sink.gap_bytes + (d.r.finished() ? 1 : 0), d.advanced());
            EXPECT_FALSE(d.sink.over_limit);
            EXPECT_LE(d.sink.bytes.size(), s.size());
            for (size_t j = 0; j < d.sink.bytes.size(); ++j)
                if (d.sink.known[j]) { ASSERT_EQ(d.sink.bytes[j], s[j]) << "direction " << k << " offset " << j; }
        }
        const ReassemblyCounters& c = pool.counters();
        EXPECT_EQ(c.bytes_delivered, dir[0].sink.data_bytes + dir[1].sink.data_bytes);
        EXPECT_EQ(c.gap_bytes, dir[0].sink.gap_bytes + dir[1].sink.gap_bytes);
        EXPECT_LE(c.bytes_held, uint64_t(dir[0].r.held_chunks() + dir[1].r.held_chunks()) * kChunk);
        for (auto& d : dir) d.r.release(pool);
        EXPECT_EQ(pool.free_chunks(), pool.capacity());
        EXPECT_EQ(c.bytes_held, 0u);
        // Every byte handed in is accounted for exactly once.
        EXPECT_EQ(dir[0].passed + dir[1].passed, c.bytes_delivered + c.bytes_overlap + c.bytes_dropped_cap +
                                                     c.bytes_discarded + c.bytes_after_fin + c.bytes_out_of_window);
        total.cap_skips += c.cap_skips;
        total.ack_skips += c.ack_skips;
        total.bytes_dropped_cap += c.bytes_dropped_cap;
        total.bytes_discarded += c.bytes_discarded;
        total.gaps += c.gaps;
        total.bytes_buffered += c.bytes_buffered;
    }
    EXPECT_GT(total.cap_skips, 0u);
    EXPECT_GT(total.ack_skips, 0u);
    EXPECT_GT(total.bytes_dropped_cap, 0u);
    EXPECT_GT(total.bytes_discarded, 0u);
    EXPECT_GT(total.gaps, 0u);
    EXPECT_GT(total.bytes_buffered, 0u);
}

}  // namespace
}  // namespace cs
