// Signatures: the real identity rules file compiled by real Hyperscan and
// scanned with names real certificates carry (DNs rendered by real OpenSSL);
// every validation error with its line; the database cache (hit, corrupt,
// stale); reload keeping the old set; per-thread scratch; no allocation in scan.
#include "signatures/engine.h"
#include "signatures/rules.h"

#include <hs/hs.h>
#include <openssl/x509.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <new>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

// ---- Allocation counting, for the "scan does not allocate" test ----
// Every operator new in this binary and every Hyperscan allocation is counted
// per thread; the test reads its own thread's counters around the scans.
namespace {
thread_local uint64_t t_news = 0;
thread_local uint64_t t_hs_allocs = 0;
void* hs_counting_alloc(size_t n) {
    ++t_hs_allocs;
    return std::malloc(n);
}
void hs_counting_free(void* p) { std::free(p); }
// Out of line, so gcc does not pair the inlined new with free and warn.
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
}  // namespace

// All the plain forms, so each allocation and its release meet in malloc/free
// (sanitizers check that pairing).
void* operator new(std::size_t n) {
    ++t_news;
    if (void* p = std::malloc(n ? n : 1)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    ++t_news;
    return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }

namespace cs {
namespace {

const std::string kRulesPath = std::string(CS_SIGNATURES_DIR) + "/identity.rules.yaml";

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void spit(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// 1-based line of the first occurrence of needle (the tests' line numbers are
// computed from the text, never counted by hand).
int line_of(const std::string& text, const std::string& needle, size_t nth = 1) {
    size_t pos = std::string::npos, from = 0;
    for (size_t i = 0; i < nth; ++i) {
        pos = text.find(needle, from);
        if (pos == std::string::npos) {
            ADD_FAILURE() << "needle not in text: " << needle;
            return -1;
        }
        from = pos + 1;
    }
    int line = 1;
    for (size_t i = 0; i < pos; ++i) line += text[i] == '\n';
    return line;
}

// The real rules file, compiled once for the suite.
class IdentityRules : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        std::string err;
        set_ = load_rule_set(kRulesPath, {}, &err);
        ASSERT_NE(set_, nullptr) << err;
    }
    static void TearDownTestSuite() { set_.reset(); }

    void SetUp() override {
        ASSERT_NE(set_, nullptr);
        scratch_ = set_->make_scratch();
        ASSERT_TRUE(scratch_);
    }

    std::set<uint32_t> ids(Field f, std::string_view text) {
        MatchSet m;
        EXPECT_TRUE(set_->scan(scratch_, f, text, m)) << text;
        std::set<uint32_t> out;
        m.for_each([&](size_t i) { out.insert(set_->rule(i).id); });
        return out;
    }
    std::set<std::string> labels(Field f, std::string_view text) {
        std::set<std::string> out;
        for (auto id : ids(f, text)) out.insert(set_->rule(*set_->index_of(id)).label());
        return out;
    }

    static std::shared_ptr<const RuleSet> set_;
    Scratch scratch_;
};
std::shared_ptr<const RuleSet> IdentityRules::set_;

using Labels = std::set<std::string>;
using Ids = std::set<uint32_t>;

TEST_F(IdentityRules, FileLoadsWithEveryTagTheTlsDiagnosisReads) {
    EXPECT_EQ(set_->source(), kRulesPath);
    EXPECT_EQ(set_->rules().size(), 9u);
    for (auto tag : {"cloud_identity", "expected_service_identity", "default_cert_marker", "cloud_issuer"})
        EXPECT_TRUE(set_->find_label(tag)) << tag;
    EXPECT_FALSE(set_->find_label("no_such_tag"));
    EXPECT_EQ(set_->cache_outcome(), CacheOutcome::kDisabled);
    EXPECT_EQ(set_->pattern_count(Field::kMessage), 0u);
    EXPECT_GT(set_->pattern_count(Field::kSan), 0u);
    for (const auto& r : set_->rules()) {
        EXPECT_FALSE(r.description.empty()) << r.id;
        EXPECT_GT(r.line, 0);
    }
}

TEST_F(IdentityRules, WebexCloudNamesFromTheGuide) {
    // Leaf CN and SANs of the guide's L2SIP certificate.
    for (auto f : {Field::kSubjectCn, Field::kSan, Field::kSni}) {
        EXPECT_EQ(labels(f, "l2sip-cfa-01.ciscospark.com"), Labels{"cloud_identity"});
        EXPECT_EQ(ids(f, "l2sip-cfa-01.ciscospark.com"), Ids{1001});
    }
    EXPECT_EQ(ids(Field::kSan, "l2sip-cfa-01.wbx2.com"), Ids{1001});
    EXPECT_EQ(ids(Field::kSan, "l2sip-l2sipproda1-294-riad-public.wbx2.com"), Ids{1001});
    EXPECT_EQ(ids(Field::kSan, "Webexcmr-wpa.ciscospark.com"), Ids{1001});
    EXPECT_EQ(ids(Field::kSan, "callservice.ciscospark.com"), (Ids{1001, 1010}));
    EXPECT_EQ(ids(Field::kSan, "callservice.call.ciscospark.com"), (Ids{1001, 1011}));
    EXPECT_EQ(ids(Field::kSan, "callservice.webex.com"), (Ids{1001, 1012}));
    EXPECT_EQ(labels(Field::kSni, "callservice.webex.com"), (Labels{"cloud_identity", "expected_service_identity"}));
    EXPECT_EQ(ids(Field::kSan, "*.wbx2.com"), Ids{1001});  // a wildcard SAN
    EXPECT_EQ(ids(Field::kSan, "dmzlab.call.ciscospark.com"), Ids{1001});
}

TEST_F(IdentityRules, CaseDoesNotMatter) {
    EXPECT_EQ(ids(Field::kSan, "CALLSERVICE.CISCOSPARK.COM"), (Ids{1001, 1010}));
    EXPECT_EQ(ids(Field::kSni, "CallService.Webex.Com"), (Ids{1001, 1012}));
    EXPECT_EQ(ids(Field::kSubjectCn, "L2SIP-CFA-01.CiscoSpark.com"), Ids{1001});
    EXPECT_EQ(ids(Field::kIssuer, "TEMPORARY CA 3F0C6B1E-55AA-4E0B-9D6A-1C2B3D4E5F60"), Ids{1021});
}

TEST_F(IdentityRules, LookAlikesAreNotCloudNames) {
    for (auto name : {"evil-ciscospark.com.attacker.net", "ciscospark.com.attacker.net", "evilciscospark.com",
                      "callservice.ciscospark.com.evil.net", "callservice.ciscospark.co", "wbx2.com.cn",
                      "notwebex.com", "l2sip-cfa-01.ciscospark.com ", " callservice.webex.com",
                      "callservice.ciscospark.com\n", "expressway.rtp.ciscotac.net", "*.rtp.ciscotac.net"}) {
        EXPECT_EQ(ids(Field::kSan, name), Ids{}) << name;
        EXPECT_EQ(ids(Field::kSni, name), Ids{}) << name;
    }
    // The guide's misspelt verify name (TLS-2): a cloud name, not the expected one.
    EXPECT_EQ(labels(Field::kSan, "calllservice.ciscospark.com"), Labels{"cloud_identity"});
    EXPECT_EQ(ids(Field::kSan, "xcallservice.webex.com"), Ids{1001});
    EXPECT_EQ(ids(Field::kSan, ""), Ids{});
}

TEST_F(IdentityRules, RulesOnlyApplyToTheirFields) {
    // The cloud-domain rule is not an issuer rule, the issuer rules are not SNI rules.
    EXPECT_EQ(ids(Field::kIssuer, "callservice.ciscospark.com"), Ids{});
    EXPECT_EQ(ids(Field::kSni, "Hydrant SSL ICA G2"), Ids{});
    EXPECT_EQ(ids(Field::kSni, "Temporary CA 3f0c"), Ids{});
    // No rule applies to SIP messages in this file: the scan succeeds, empty.
    EXPECT_EQ(ids(Field::kMessage, "INVITE sip:bob@callservice.ciscospark.com SIP/2.0\r\n"), Ids{});
}

// A DN built with OpenSSL and rendered the ways an analyzer may render it.
std::vector<std::string> renderings(std::initializer_list<std::pair<const char*, const char*>> rdns) {
    X509_NAME* n = X509_NAME_new();
    for (auto [k, v] : rdns)
        X509_NAME_add_entry_by_txt(n, k, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(v), -1, -1, 0);
    std::vector<std::string> out;
    char buf[512];
    out.emplace_back(X509_NAME_oneline(n, buf, sizeof buf));
    for (unsigned long flags : {XN_FLAG_RFC2253, XN_FLAG_ONELINE}) {
        BIO* b = BIO_new(BIO_s_mem());
        X509_NAME_print_ex(b, n, 0, flags);
        char* data = nullptr;
        long len = BIO_get_mem_data(b, &data);
        out.emplace_back(data, size_t(len));
        BIO_free(b);
    }
    X509_NAME_free(n);
    return out;
}

TEST_F(IdentityRules, DefaultCertificateMarkersInRealDnRenderings) {
    // The guide's default certificate: CN bare hostname, OU "Temporary Certificate <uuid>",
    // issuer "Temporary CA <uuid>" (captures C9).
    auto subject = renderings({{"O", "Temporary Certificate b3821a0c-2f4e-4d8a-9c61-0e1d2f3a4b5c"},
                               {"OU", "Temporary Certificate b3821a0c-2f4e-4d8a-9c61-0e1d2f3a4b5c"},
                               {"CN", "amer-expressway01"}});
    auto issuer = renderings({{"O", "Temporary CA 01362422-4216-4701-9910-5e8d0c3b2a19"},
                              {"OU", "Temporary CA 01362422-4216-4701-9910-5e8d0c3b2a19"},
                              {"CN", "Temporary CA 01362422-4216-4701-9910-5e8d0c3b2a19"}});
    ASSERT_EQ(subject.size(), 3u);
    for (const auto& s : subject) EXPECT_EQ(ids(Field::kSubject, s), Ids{1020}) << s;
    for (const auto& s : issuer) EXPECT_EQ(ids(Field::kIssuer, s), Ids{1021}) << s;
    EXPECT_EQ(ids(Field::kIssuer, "Temporary CA 3f0c9a2e-7b41-4c55-8e0f-2a6d1b9c7e44"), Ids{1021});
    EXPECT_EQ(ids(Field::kSubjectCn, "Temporary CA 3f0c9a2e"), Ids{1021});
    EXPECT_EQ(labels(Field::kSubject, "OU=temporary certificate 1234"), Labels{"default_cert_marker"});
    // A real CA whose name merely contains the words, and near misses.
    for (const auto& s : renderings({{"CN", "Not A Temporary CA Corp"}, {"O", "Example Temporary Certificates"}}))
        EXPECT_EQ(ids(Field::kIssuer, s), Ids{}) << s;
    EXPECT_EQ(ids(Field::kIssuer, "TemporaryCA 3f0c"), Ids{});
    EXPECT_EQ(ids(Field::kSubject, "CN=amer-expressway01.rtp.ciscotac.net,O=Cisco"), Ids{});
}

TEST_F(IdentityRules, CloudIssuersAreInformational) {
    for (const auto& s : renderings({{"C", "US"}, {"O", "HydrantID (Avalanche Cloud Corporation)"},
                                     {"CN", "Hydrant SSL ICA G2"}}))
        EXPECT_EQ(ids(Field::kIssuer, s), Ids{1030}) << s;
    for (const auto& s : renderings({{"C", "BM"}, {"O", "QuoVadis Limited"}, {"CN", "QuoVadis Root CA 2"}}))
        EXPECT_EQ(ids(Field::kIssuer, s), Ids{1031}) << s;
    for (const auto& s : renderings({{"C", "US"}, {"O", "IdenTrust"}, {"CN", "IdenTrust Commercial Root CA 1"}}))
        EXPECT_EQ(ids(Field::kIssuer, s), Ids{1032}) << s;
    EXPECT_EQ(labels(Field::kIssuer, "CN=HydrantID Server CA O1,O=IdenTrust,C=US"), Labels{"cloud_issuer"});
    EXPECT_EQ(ids(Field::kIssuer, "CN=R3,O=Let's Encrypt,C=US"), Ids{});
    EXPECT_EQ(ids(Field::kIssuer, "CN=QuoVadis Root CA 20"), Ids{});
    for (uint32_t id : {1030u, 1031u, 1032u}) EXPECT_EQ(set_->rule(*set_->index_of(id)).severity, 1);
}

TEST_F(IdentityRules, SansOfOneCertificateAccumulateIntoOneSet) {
    auto cloud = *set_->find_label("cloud_identity");
    auto expected = *set_->find_label("expected_service_identity");
    MatchSet m;
    for (auto san : {"l2sip-cfa-01.ciscospark.com", "l2sip-cfa-01.wbx2.com", "l2sip-cfa-01-web.wbx2.com"})
        ASSERT_TRUE(set_->scan(scratch_, Field::kSan, san, m));
    EXPECT_TRUE(set_->has_label(m, cloud));
    EXPECT_FALSE(set_->has_label(m, expected));  // TLS_CLOUD_IDENTITY_MISSING's evidence
    ASSERT_TRUE(set_->scan(scratch_, Field::kSan, "callservice.ciscospark.com", m));
    EXPECT_TRUE(set_->has_label(m, expected));
    EXPECT_EQ(m.count(), 2u);
    std::vector<size_t> order;
    m.for_each([&](size_t i) { order.push_back(i); });
    ASSERT_EQ(order.size(), 2u);
    EXPECT_EQ(set_->rule(order[0]).id, 1001u);
    EXPECT_EQ(set_->rule(order[1]).id, 1010u);
}

TEST_F(IdentityRules, ScanWithoutScratchFailsAndLeavesTheSetAlone) {
    Scratch none;
    MatchSet m;
    m.set(3);
    EXPECT_FALSE(set_->scan(none, Field::kSan, "callservice.ciscospark.com", m));
    MatchSet only3;
    only3.set(3);
    EXPECT_EQ(m, only3);
    EXPECT_FALSE(set_->scan(scratch_, Field::kCount, "x", m));
}

// Hyperscan 5.4.0 reads past the end of the block for the anchored cloud-domain
// patterns (this value, found by fuzzing, faults when it ends at a page
// boundary before an unmapped page). scan copies into a guarded buffer, so the
// caller's bytes may sit anywhere: here right before and right after a
// PROT_NONE page.
TEST_F(IdentityRules, ValuesAtAPageBoundaryAreScannedSafely) {
    const long pg = sysconf(_SC_PAGESIZE);
    char* base = static_cast<char*>(mmap(nullptr, size_t(3 * pg), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(base, MAP_FAILED);
    ASSERT_EQ(mprotect(base, size_t(pg), PROT_NONE), 0);
    ASSERT_EQ(mprotect(base + 2 * pg, size_t(pg), PROT_NONE), 0);
    const std::string value =
        "srjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj2jjjjjjjjjjjjjjje.ciscospajjjjjjjjjjjjjjjjjjj2"
        "jjjjjjjjjjjjjjje.ciscospark.com";
    size_t matched = 0, scans = 0;
    for (size_t len = 0; len <= value.size(); ++len) {
        std::string_view tail(value.data() + value.size() - len, len);
        char* at_end = base + 2 * pg - long(len);  // last byte just before the unmapped page
        char* at_start = base + pg;                // first byte just after one
        std::memcpy(at_end, tail.data(), len);
        for (auto f : {Field::kSni, Field::kSubjectCn, Field::kSan, Field::kIssuer, Field::kSubject, Field::kMessage}) {
            MatchSet a, b;
            ASSERT_TRUE(set_->scan(scratch_, f, std::string_view(at_end, len), a));
            std::memcpy(at_start, tail.data(), len);
            ASSERT_TRUE(set_->scan(scratch_, f, std::string_view(at_start, len), b));
            std::memcpy(at_end, tail.data(), len);
            EXPECT_EQ(a, b);
            matched += a.count();
            scans += 2;
        }
    }
    EXPECT_GT(matched, 0u);  // the tails that are cloud names ("e.ciscospark.com", ...) matched
    EXPECT_EQ(scans, 2 * 6 * (value.size() + 1));
    munmap(base, size_t(3 * pg));
}

TEST_F(IdentityRules, OverlongValuesAreRefused) {
    std::string big(kMaxScanBytes, 'a');
    big.replace(big.size() - 15, 15, ".ciscospark.com");
    MatchSet m;
    ASSERT_TRUE(set_->scan(scratch_, Field::kSan, big, m));
    EXPECT_EQ(m.count(), 1u);
    big.insert(0, "a");
    MatchSet n;
    EXPECT_FALSE(set_->scan(scratch_, Field::kSan, big, n));
    EXPECT_TRUE(n.empty());
    // A moved scratch keeps working; the moved-from one refuses.
    Scratch moved = std::move(scratch_);
    EXPECT_TRUE(set_->scan(moved, Field::kSan, "callservice.webex.com", n));
    EXPECT_EQ(n.count(), 2u);
    EXPECT_FALSE(set_->scan(scratch_, Field::kSan, "callservice.webex.com", n));
}

TEST_F(IdentityRules, ScanningDoesNotAllocate) {
    // The counters work: a heap string and a Hyperscan scratch are seen.
    hs_set_allocator(hs_counting_alloc, hs_counting_free);
    uint64_t news0 = t_news, hs0 = t_hs_allocs;
    std::string heap(100, 'x');
    Scratch extra = set_->make_scratch();
    EXPECT_GT(t_news, news0);
    EXPECT_GT(t_hs_allocs, hs0);

    const char* values[] = {"l2sip-cfa-01.ciscospark.com", "callservice.ciscospark.com", "evil-ciscospark.com.attacker.net",
                            "Temporary CA 3f0c", "CN=Hydrant SSL ICA G2,O=HydrantID (Avalanche Cloud Corporation),C=US"};
    MatchSet m;
    size_t matched = 0;
    news0 = t_news;
    hs0 = t_hs_allocs;
    for (int round = 0; round < 200; ++round)
        for (auto f : {Field::kSni, Field::kSubjectCn, Field::kSan, Field::kIssuer, Field::kSubject, Field::kMessage})
            for (const char* v : values) {
                m.clear();
                ASSERT_TRUE(set_->scan(extra, f, v, m));
                matched += m.count();
            }
    EXPECT_EQ(t_news - news0, 0u);
    EXPECT_EQ(t_hs_allocs - hs0, 0u);
    EXPECT_GT(matched, 0u);
    hs_set_allocator(nullptr, nullptr);
}

TEST_F(IdentityRules, TwoThreadsWithTheirOwnScratchAgree) {
    const std::vector<std::pair<Field, std::string>> values = {
        {Field::kSan, "l2sip-cfa-01.ciscospark.com"}, {Field::kSan, "callservice.ciscospark.com"},
        {Field::kSan, "callservice.call.ciscospark.com"}, {Field::kSni, "callservice.webex.com"},
        {Field::kSni, "evil-ciscospark.com.attacker.net"}, {Field::kIssuer, "Temporary CA 3f0c9a2e"},
        {Field::kSubject, "OU=Temporary Certificate b3821a0"}, {Field::kIssuer, "CN=QuoVadis Root CA 2"},
        {Field::kSubjectCn, "amer-expressway01"}, {Field::kIssuer, "CN=IdenTrust Commercial Root CA 1"}};
    std::vector<MatchSet> expected(values.size());
    for (size_t i = 0; i < values.size(); ++i)
        ASSERT_TRUE(set_->scan(scratch_, values[i].first, values[i].second, expected[i]));

    std::atomic<int> go{0};
    std::atomic<size_t> mismatches{0}, failures{0}, scans{0};
    auto worker = [&] {
        Scratch s = set_->make_scratch();
        if (!s) {
            ++failures;
            return;
        }
        ++go;
        while (go.load() < 2) {
        }
        for (int round = 0; round < 3000; ++round)
            for (size_t i = 0; i < values.size(); ++i) {
                MatchSet m;
                if (!set_->scan(s, values[i].first, values[i].second, m)) ++failures;
                else if (!(m == expected[i])) ++mismatches;
                ++scans;
            }
    };
    std::thread a(worker), b(worker);
    a.join();
    b.join();
    EXPECT_EQ(failures.load(), 0u);
    EXPECT_EQ(mismatches.load(), 0u);
    EXPECT_EQ(scans.load(), 2 * 3000 * values.size());
}

// ---- Validation: every error is one line with file, line and rule ----

class RulesValidation : public ::testing::Test {
protected:
    // A valid rule the cases below break one key at a time.
    static std::string rule(uint32_t id, const std::string& name, const std::string& extra = "",
                            const std::string& patterns = "      - regex: 'abc'\n        flags: [caseless]\n") {
        return "  - id: " + std::to_string(id) + "\n    name: " + name + "\n    description: d\n    patterns:\n" +
               patterns + "    fields: [san]\n    tag: t\n    severity: info\n" + extra;
    }
    static std::string file(const std::string& rules) { return "version: 1\nrules:\n" + rules; }

    // Expects text to be rejected with exactly "t.yaml:LINE: what".
    void rejects(const std::string& text, int line, const std::string& what) {
        std::string err;
        auto r = parse_rules(text, "t.yaml", &err);
        EXPECT_FALSE(r) << text;
        EXPECT_EQ(err, "t.yaml:" + std::to_string(line) + ": " + what) << text;
        EXPECT_EQ(err.find('\n'), std::string::npos);
    }
    // Expects a rejection whose message starts with "t.yaml:LINE: " + prefix.
    void rejects_prefix(const std::string& text, int line, const std::string& prefix) {
        std::string err;
        EXPECT_FALSE(parse_rules(text, "t.yaml", &err)) << text;
        std::string want = "t.yaml:" + std::to_string(line) + ": " + prefix;
        EXPECT_EQ(err.substr(0, want.size()), want) << err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
};

TEST_F(RulesValidation, AValidFileParsesIntoTheStructs) {
    std::string text = file(rule(1, "one") + rule(2, "two",
                                                 "    conditions:\n      method: [INVITE, UPDATE]\n"
                                                 "      status: {min: 400, max: 499}\n      direction: inbound\n"
                                                 "      vantage: [outside, inside]\n    remediation: fix it\n",
                                                 "      - 'x\\d+y'\n      - regex: 'q.r'\n        flags: [dotall, multiline]\n"));
    std::string err;
    auto r = parse_rules(text, "t.yaml", &err);
    ASSERT_TRUE(r) << err;
    ASSERT_EQ(r->rules.size(), 2u);
    const Rule& two = r->rules[1];
    EXPECT_EQ(two.id, 2u);
    EXPECT_EQ(two.line, line_of(text, "id: 2"));
    ASSERT_EQ(two.patterns.size(), 2u);
    EXPECT_EQ(two.patterns[0].regex, "x\\d+y");
    EXPECT_EQ(two.patterns[0].hs_flags, 0u);
    EXPECT_EQ(two.patterns[1].hs_flags, unsigned(HS_FLAG_DOTALL | HS_FLAG_MULTILINE));
    EXPECT_EQ(two.patterns[1].line, line_of(text, "q.r"));
    EXPECT_EQ(two.conditions.methods, (std::vector<std::string>{"INVITE", "UPDATE"}));
    EXPECT_EQ(two.conditions.status_min, 400);
    EXPECT_EQ(two.conditions.status_max, 499);
    EXPECT_EQ(two.conditions.direction, Conditions::Direction::kInbound);
    EXPECT_EQ(two.conditions.vantages, (std::vector<std::string>{"outside", "inside"}));
    EXPECT_EQ(two.remediation, "fix it");
    EXPECT_TRUE(r->rules[0].conditions.empty());
    EXPECT_EQ(r->rules[0].patterns[0].hs_flags, unsigned(HS_FLAG_CASELESS));
    EXPECT_TRUE(two.applies_to(Field::kSan));
    EXPECT_FALSE(two.applies_to(Field::kSni));
    EXPECT_EQ(r->content_hash, rules_content_hash(text));
}

TEST_F(RulesValidation, TopLevel) {
    rejects("version: 1\nrules: [\n", 3, "YAML syntax error: end of sequence flow not found");
    rejects("", 1, "empty rules file (expected 'version: 1' and 'rules:')");
    rejects("rules:\n" + rule(1, "a"), 1, "missing key 'version'");
    rejects("version: 2\nrules:\n" + rule(1, "a"), 1, "version must be 1 (got '2')");
    rejects("version: 1\n", 1, "missing key 'rules'");
    rejects("version: 1\nrules: []\n", 2, "rules is empty");
    rejects("version: 1\nrulez: []\n", 2, "unknown key 'rulez' in the top level");
    rejects("version: 1\nversion: 1\n", 2, "duplicate key 'version' in the top level");
    rejects("version: 1\nrules:\n  - just a string\n", 3, "rule #1: must be a mapping of keys (got 'just a string')");
}

TEST_F(RulesValidation, Ids) {
    std::string text = file(rule(7, "a") + rule(7, "b"));
    rejects(text, line_of(text, "id: 7", 2),
            "rule 7: duplicate id (first used at line " + std::to_string(line_of(text, "id: 7")) + ")");
    text = file(rule(1, "a") + "  - name: b\n    description: d\n");
    rejects(text, line_of(text, "name: b"), "rule #2: missing key 'id'");
    text = file(rule(0, "a"));
    rejects(text, line_of(text, "id: 0"), "rule #1: id must be a whole number from 1 to 4294967295 (got '0')");
    text = "version: 1\nrules:\n  - id: -5\n";
    rejects(text, 3, "rule #1: id must be a whole number from 1 to 4294967295 (got '-5')");
    text = "version: 1\nrules:\n  - id: 4294967296\n";
    rejects(text, 3, "rule #1: id must be a whole number from 1 to 4294967295 (got '4294967296')");
}

TEST_F(RulesValidation, KeysNamesAndLabels) {
    std::string text = file(rule(1, "a") + rule(2, "b", "    patern: 'x'\n"));
    rejects(text, line_of(text, "patern"), "rule 2: unknown key 'patern' in a rule");
    text = file(rule(1, "a", "    severity: error\n"));
    rejects(text, line_of(text, "severity: error"), "rule 1: duplicate key 'severity' in a rule");
    text = file(rule(1, "a") + rule(2, "a"));
    rejects(text, line_of(text, "name: a", 2),
            "rule 2: duplicate name 'a' (first used at line " + std::to_string(line_of(text, "name: a")) + ")");
    text = file(rule(3, "Bad-Name"));
    rejects(text, line_of(text, "Bad-Name"),
            "rule 3: name must be lower case letters, digits and '_', starting with a letter (got 'Bad-Name')");
    text = file(rule(4, "a", "    code: SOME_CODE\n"));
    rejects(text, line_of(text, "code:"), "rule 4: set either tag or code, not both");
    text = file("  - id: 5\n    name: a\n    description: d\n    patterns: ['x']\n    fields: san\n    severity: 1\n");
    rejects(text, 3, "rule 5: missing key 'tag' or 'code'");
    text = file("  - id: 5\n    name: a\n    patterns: ['x']\n    fields: san\n    severity: 1\n    tag: t\n");
    rejects(text, 3, "rule 5: missing key 'description'");
    text = file("  - id: 6\n    name: a\n    description: d\n    patterns: ['x']\n    fields: san\n    severity: 1\n"
                "    tag: Cloud-Identity\n");
    rejects(text, line_of(text, "Cloud-Identity"), "rule 6: tag must be lower case letters, digits and '_' (got 'Cloud-Identity')");
    text = file("  - id: 6\n    name: a\n    description: d\n    patterns: ['x']\n    fields: san\n    severity: 1\n"
                "    code: tls_default\n");
    rejects(text, line_of(text, "tls_default"), "rule 6: code must be upper case letters, digits and '_' (got 'tls_default')");
    text = file("  - id: 6\n    name: a\n    description:\n    patterns: ['x']\n    fields: san\n    severity: 1\n"
                "    tag: t\n");
    rejects(text, line_of(text, "description:"), "rule 6: description must be text (got nothing)");
    text = file(rule(8, "a", "    remediation: [a, b]\n"));
    rejects(text, line_of(text, "[a, b]"), "rule 8: remediation must be text (got a list)");
}

TEST_F(RulesValidation, SeverityAndFields) {
    std::string text = file("  - id: 9\n    name: a\n    description: d\n    patterns: ['x']\n    fields: san\n"
                            "    severity: urgent\n    tag: t\n");
    rejects(text, line_of(text, "urgent"), "rule 9: severity must be info, warning, error, critical or 1..4 (got 'urgent')");
    text = file("  - id: 9\n    name: a\n    description: d\n    patterns: ['x']\n    fields: san\n"
                "    severity: 5\n    tag: t\n");
    rejects(text, line_of(text, "severity: 5"), "rule 9: severity must be info, warning, error, critical or 1..4 (got '5')");
    text = file("  - id: 10\n    name: a\n    description: d\n    patterns: ['x']\n    fields: [san, cn]\n"
                "    severity: 2\n    tag: t\n");
    rejects(text, line_of(text, "fields:"),
            "rule 10: unknown field 'cn' (known: sni, subject_cn, san, issuer, subject, message, qname)");
    text = file("  - id: 10\n    name: a\n    description: d\n    patterns: ['x']\n    fields: [san, san]\n"
                "    severity: 2\n    tag: t\n");
    rejects(text, line_of(text, "fields:"), "rule 10: field 'san' listed twice");
    text = file("  - id: 10\n    name: a\n    description: d\n    patterns: ['x']\n    fields: []\n"
                "    severity: 2\n    tag: t\n");
    rejects(text, line_of(text, "fields:"), "rule 10: fields is empty");
}

TEST_F(RulesValidation, Patterns) {
    std::string text = file(rule(11, "a", "", ""));  // "patterns:" with nothing under it
    rejects(text, line_of(text, "patterns:"), "rule 11: patterns is empty");
    text = file("  - id: 11\n    name: a\n    description: d\n    patterns: []\n    fields: san\n    severity: 1\n    tag: t\n");
    rejects(text, line_of(text, "patterns:"), "rule 11: patterns is empty");
    text = file("  - id: 11\n    name: a\n    description: d\n    fields: san\n    severity: 1\n    tag: t\n");
    rejects(text, line_of(text, "id: 11"), "rule 11: missing key 'patterns'");

    text = file(rule(12, "a", "", "      - regex: 'abc'\n        flags: [casless]\n"));
    rejects(text, line_of(text, "casless"),
            "rule 12: unknown flag 'casless' (known: caseless, dotall, multiline, singlematch, utf8, ucp, allowempty)");
    text = file(rule(12, "a", "", "      - regex: 'abc'\n        flag: caseless\n"));
    rejects(text, line_of(text, "flag:"), "rule 12: unknown key 'flag' in a pattern");
    text = file(rule(12, "a", "", "      - flags: [caseless]\n"));
    rejects(text, line_of(text, "- flags"), "rule 12: pattern is missing key 'regex'");
    text = file(rule(12, "a", "", "      - ''\n"));
    rejects(text, line_of(text, "- ''"), "rule 12: empty regex");
    text = file(rule(12, "a", "", "      - \"a\\0b\"\n"));
    rejects(text, line_of(text, "a\\0b"), "rule 12: regex contains a NUL character (write \\x00 to match one)");

    // Hyperscan's own messages, on the pattern's line.
    text = file(rule(1, "a") + rule(13, "b", "", "      - 'ok'\n      - regex: '(unclosed'\n"));
    rejects(text, line_of(text, "(unclosed"),
            "rule 13: pattern '(unclosed' does not compile: Missing close parenthesis for group started at index 0.");
    text = file(rule(14, "a", "", "      - '(a)\\1'\n"));
    rejects(text, line_of(text, "(a)"), "rule 14: pattern '(a)\\1' does not compile: Back-references are unsupported.");
    text = file(rule(15, "a", "", "      - 'a*'\n"));
    rejects(text, line_of(text, "'a*'"),
            "rule 15: pattern 'a*' does not compile: it matches the empty string (add flag allowempty if meant)");
    // ... which allowempty permits; utf8 makes Hyperscan check the pattern's UTF-8.
    text = file(rule(15, "a", "", "      - regex: 'a*'\n        flags: allowempty\n"));
    EXPECT_TRUE(parse_rules(text, "t.yaml", nullptr));
    text = file(rule(16, "a", "", "      - regex: 'caf\xC3\x28'\n        flags: [utf8]\n"));  // invalid UTF-8
    rejects(text, line_of(text, "caf"), "rule 16: pattern 'caf\xC3(' does not compile: Expression is not valid UTF-8.");
}

TEST_F(RulesValidation, Conditions) {
    auto with = [&](const std::string& cond) { return file(rule(20, "a", "    conditions:\n" + cond)); };
    std::string text = with("      methd: INVITE\n");
    rejects(text, line_of(text, "methd"), "rule 20: unknown key 'methd' in conditions");
    text = with("      method: invite\n");
    rejects(text, line_of(text, "invite"), "rule 20: method must be a SIP method in upper case, e.g. INVITE (got 'invite')");
    text = with("      status: 99\n");
    rejects(text, line_of(text, "99"), "rule 20: status must be a SIP status code 100..699 (got '99')");
    text = with("      status: {min: 500, max: 400}\n");
    rejects(text, line_of(text, "{min"), "rule 20: status min is above max");
    text = with("      status: {min: 400}\n");
    rejects(text, line_of(text, "{min"), "rule 20: status needs both min and max");
    text = with("      status: {min: 400, max: 499, step: 1}\n");
    rejects(text, line_of(text, "{min"), "rule 20: unknown key 'step' in status");
    text = with("      direction: sideways\n");
    rejects(text, line_of(text, "sideways"), "rule 20: direction must be inbound, outbound or any (got 'sideways')");
    text = with("      vantage: [outside, 'in side']\n");
    rejects(text, line_of(text, "vantage"), "rule 20: vantage must be a label such as outside (got 'in side')");
    text = file(rule(20, "a", "    conditions: inbound\n"));
    rejects(text, line_of(text, "conditions:"), "rule 20: conditions must be a mapping (got 'inbound')");
    text = with("      status: 488\n");
    std::string err;
    auto r = parse_rules(text, "t.yaml", &err);
    ASSERT_TRUE(r) << err;
    EXPECT_EQ(r->rules[0].conditions.status_min, 488);
    EXPECT_EQ(r->rules[0].conditions.status_max, 488);
}

TEST(RulesFileIo, UnreadableFiles) {
    std::string err;
    EXPECT_FALSE(load_rules_file("/nonexistent/x.rules.yaml", &err));
    EXPECT_EQ(err, "/nonexistent/x.rules.yaml: cannot read: No such file or directory");
    EXPECT_FALSE(load_rules_file("/tmp", &err));
    EXPECT_EQ(err, "/tmp: cannot read: Is a directory");
    EXPECT_FALSE(load_rule_set("/nonexistent/x.rules.yaml", {}, &err));
}

// A compile failure found only by the full compile (the parser was bypassed):
// reported with the rule id and the pattern's line.
TEST(RuleSetBuild, CompileErrorNamesRuleAndLine) {
    RulesFile f;
    f.source = "hand.yaml";
    Rule r;
    r.id = 42;
    r.name = "bad";
    r.field_mask = 1u << unsigned(Field::kSan);
    r.tag = "t";
    r.patterns.push_back({"ok", 0, 5});
    r.patterns.push_back({"[z-a]", 0, 6});
    f.rules.push_back(r);
    std::string err;
    EXPECT_EQ(RuleSet::build(f, {}, &err), nullptr);
    EXPECT_EQ(err.rfind("hand.yaml:6: rule 42: pattern '[z-a]' does not compile: ", 0), 0u) << err;
    f.rules.clear();
    EXPECT_EQ(RuleSet::build(f, {}, &err), nullptr);
    EXPECT_EQ(err, "hand.yaml: no rules");
}

// ---- Cache and reload, in a scratch directory ----

class RuleCache : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/cs-test-signatures-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        rules_ = dir_ + "/identity.rules.yaml";
        cache_ = dir_ + "/identity.hsdb";
        text_ = slurp(kRulesPath);
        ASSERT_FALSE(text_.empty());
        spit(rules_, text_);
    }
    void TearDown() override {
        for (auto p : {rules_, cache_}) std::remove(p.c_str());
        ::rmdir(dir_.c_str());
    }

    std::shared_ptr<const RuleSet> load() {
        std::string err;
        auto set = load_rule_set(rules_, {cache_}, &err);
        EXPECT_NE(set, nullptr) << err;
        return set;
    }

    // A signature of what a set answers for a battery of values.
    static std::vector<MatchSet> answers(const RuleSet& set) {
        static const std::pair<Field, const char*> values[] = {
            {Field::kSan, "l2sip-cfa-01.ciscospark.com"}, {Field::kSan, "callservice.ciscospark.com"},
            {Field::kSni, "callservice.webex.com"}, {Field::kSan, "l2sip-cfa-01.wbx2.com"},
            {Field::kSni, "evil-ciscospark.com.attacker.net"}, {Field::kIssuer, "Temporary CA 3f0c"},
            {Field::kIssuer, "CN=Hydrant SSL ICA G2"}};
        Scratch s = set.make_scratch();
        std::vector<MatchSet> out;
        for (auto [f, v] : values) {
            out.emplace_back();
            EXPECT_TRUE(set.scan(s, f, v, out.back()));
        }
        return out;
    }

    std::string dir_, rules_, cache_, text_;
};

TEST_F(RuleCache, SecondLoadUsesTheCache) {
    auto first = load();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->cache_outcome(), CacheOutcome::kMissing);
    EXPECT_TRUE(first->cache_written()) << first->cache_note();
    struct stat st {};
    ASSERT_EQ(::stat(cache_.c_str(), &st), 0);
    EXPECT_GT(st.st_size, 100);

    auto second = load();
    ASSERT_TRUE(second);
    EXPECT_EQ(second->cache_outcome(), CacheOutcome::kHit) << second->cache_note();
    EXPECT_FALSE(second->cache_written());
    EXPECT_EQ(answers(*second), answers(*first));
    EXPECT_FALSE(answers(*second)[0].empty());
    EXPECT_EQ(cache_outcome_name(second->cache_outcome()), "hit");
}

TEST_F(RuleCache, DamagedCacheIsRebuilt) {
    ASSERT_TRUE(load());
    const std::string good = slurp(cache_);
    auto reference = answers(*load());

    auto damaged_then_rebuilt = [&](const std::string& bytes, CacheOutcome expect, const char* what) {
        spit(cache_, bytes);
        auto set = load();
        ASSERT_TRUE(set) << what;
        EXPECT_EQ(set->cache_outcome(), expect) << what << ": " << set->cache_note();
        EXPECT_TRUE(set->cache_written()) << what;
        EXPECT_EQ(answers(*set), reference) << what;
        EXPECT_EQ(load()->cache_outcome(), CacheOutcome::kHit) << what;  // rewritten good
    };
    std::string flipped = good;
    flipped[good.size() / 2] ^= 0x40;
    damaged_then_rebuilt(flipped, CacheOutcome::kCorrupt, "a flipped byte in a database");
    damaged_then_rebuilt(good.substr(0, good.size() - 7), CacheOutcome::kCorrupt, "truncated");
    damaged_then_rebuilt(good.substr(0, 20), CacheOutcome::kCorrupt, "truncated header");
    damaged_then_rebuilt("hello, not a cache\n", CacheOutcome::kCorrupt, "garbage");
    damaged_then_rebuilt("", CacheOutcome::kCorrupt, "empty");
    std::string magic = good;
    magic[0] = 'X';
    damaged_then_rebuilt(magic, CacheOutcome::kCorrupt, "bad magic");
    damaged_then_rebuilt(good + "trailing", CacheOutcome::kCorrupt, "trailing bytes");
}

TEST_F(RuleCache, ChangedRulesInvalidateTheCache) {
    ASSERT_TRUE(load());
    // Drop the wbx2.com pattern: the cache must not answer for the old rules.
    std::string changed = text_;
    auto pos = changed.find("      - regex: '\\A(?:\\*\\.)?(?:[a-z0-9_-]+\\.)*wbx2\\.com\\z'\n        flags: [caseless]\n");
    ASSERT_NE(pos, std::string::npos);
    changed.erase(pos, changed.find('\n', changed.find('\n', pos) + 1) + 1 - pos);
    spit(rules_, changed);
    auto set = load();
    ASSERT_TRUE(set);
    EXPECT_EQ(set->cache_outcome(), CacheOutcome::kStale) << set->cache_note();
    EXPECT_TRUE(set->cache_written());
    Scratch s = set->make_scratch();
    MatchSet m;
    ASSERT_TRUE(set->scan(s, Field::kSan, "l2sip-cfa-01.wbx2.com", m));
    EXPECT_TRUE(m.empty());
    ASSERT_TRUE(set->scan(s, Field::kSan, "l2sip-cfa-01.ciscospark.com", m));
    EXPECT_FALSE(m.empty());
    EXPECT_EQ(load()->cache_outcome(), CacheOutcome::kHit);
    // A comment is a change too: the key is the file's bytes.
    spit(rules_, changed + "# note\n");
    EXPECT_EQ(load()->cache_outcome(), CacheOutcome::kStale);
}

TEST_F(RuleCache, UnwritableCacheIsNotAnError) {
    std::string err;
    auto set = load_rule_set(rules_, {dir_ + "/no/such/dir/identity.hsdb"}, &err);
    ASSERT_TRUE(set) << err;
    EXPECT_EQ(set->cache_outcome(), CacheOutcome::kMissing);
    EXPECT_FALSE(set->cache_written());
    EXPECT_NE(set->cache_note().find("cannot write: No such file or directory"), std::string::npos) << set->cache_note();
    // A directory where the cache should be: unreadable, and not replaced.
    set = load_rule_set(rules_, {dir_}, &err);
    ASSERT_TRUE(set) << err;
    EXPECT_EQ(set->cache_outcome(), CacheOutcome::kCorrupt);
    EXPECT_FALSE(set->cache_written());
    EXPECT_EQ(answers(*set), answers(*load()));
}

TEST_F(RuleCache, ReloadKeepsTheOldSetWhenTheNewFileIsBad) {
    std::shared_ptr<const RuleSet> current = load();
    ASSERT_TRUE(current);
    const RuleSet* before = current.get();
    auto worker_copy = current;  // a worker still holding the old set
    Scratch worker_scratch = worker_copy->make_scratch();

    std::string bad = text_;
    auto pos = bad.find("flags: [caseless]");
    ASSERT_NE(pos, std::string::npos);
    bad.replace(pos, 17, "flags: [caseles]");
    spit(rules_, bad);
    std::string err;
    EXPECT_FALSE(reload_rule_set(rules_, {cache_}, current, &err));
    EXPECT_EQ(current.get(), before);
    EXPECT_EQ(err.rfind(rules_ + ":" + std::to_string(line_of(bad, "[caseles]")) + ": rule 1001: unknown flag 'caseles'", 0),
              0u)
        << err;

    bad = text_;
    const std::string webex = "\\Acallservice\\.webex\\.com\\z";
    pos = bad.find(webex);
    ASSERT_NE(pos, std::string::npos);
    bad.replace(pos, webex.size(), "(callservice");
    spit(rules_, bad);
    EXPECT_FALSE(reload_rule_set(rules_, {cache_}, current, &err));
    EXPECT_EQ(current.get(), before);
    EXPECT_NE(err.find(":" + std::to_string(line_of(bad, "'(callservice'")) + ": rule 1012: pattern '(callservice' does not compile: "),
              std::string::npos)
        << err;

    // A good new file: the pointer changes, the new rules answer, and the old
    // set still works for whoever holds it.
    std::string good = text_ + "\n  - id: 2000\n    name: lab_domain\n    description: lab\n"
                               "    patterns: ['\\Alab\\.example\\z']\n    fields: [san]\n    tag: lab\n    severity: info\n";
    spit(rules_, good);
    ASSERT_TRUE(reload_rule_set(rules_, {cache_}, current, &err)) << err;
    EXPECT_NE(current.get(), before);
    EXPECT_EQ(current->rules().size(), before->rules().size() + 1);
    // The worker's old scratch grows to fit the new set once, then scans it.
    ASSERT_TRUE(worker_scratch.fit(*current));
    MatchSet m;
    ASSERT_TRUE(current->scan(worker_scratch, Field::kSan, "lab.example", m));
    ASSERT_EQ(m.count(), 1u);
    EXPECT_TRUE(current->has_label(m, *current->find_label("lab")));
    MatchSet old;
    ASSERT_TRUE(worker_copy->scan(worker_scratch, Field::kSan, "lab.example", old));
    EXPECT_TRUE(old.empty());
    ASSERT_TRUE(worker_copy->scan(worker_scratch, Field::kSan, "callservice.ciscospark.com", old));
    EXPECT_EQ(old.count(), 2u);
}

// The format serves the SIP analyzer too: rules over whole messages with
// conditions kept for the caller.
TEST(SipMessageRules, MessageFieldWithConditions) {
    std::string text =
        "version: 1\nrules:\n"
        "  - id: 3001\n    name: policy_response\n    description: 404/403 carrying Warning 399 Policy Response\n"
        "    patterns:\n      - regex: '^Warning:\\s*399\\s+\\S+\\s+\"Policy Response\"'\n        flags: [caseless, multiline]\n"
        "    fields: message\n    conditions:\n      method: INVITE\n      status: {min: 403, max: 404}\n"
        "      direction: outbound\n      vantage: inside\n"
        "    code: SIP_SEARCH_RULE_REJECTED\n    severity: error\n    remediation: Check the search rules.\n";
    std::string err;
    auto file = parse_rules(text, "sip.yaml", &err);
    ASSERT_TRUE(file) << err;
    auto set = RuleSet::build(*file, {}, &err);
    ASSERT_TRUE(set) << err;
    EXPECT_EQ(set->rule(0).severity, 3);
    EXPECT_EQ(set->rule(0).conditions.vantages, std::vector<std::string>{"inside"});
    Scratch s = set->make_scratch();
    const std::string response =
        "SIP/2.0 404 Not Found\r\nVia: SIP/2.0/TLS 172.16.2.2:5061\r\nCall-ID: 6bc0ca82@127.0.0.1\r\n"
        "Warning: 399 amer-expressway01 \"Policy Response\"\r\nContent-Length: 0\r\n\r\n";
    MatchSet m;
    ASSERT_TRUE(set->scan(s, Field::kMessage, response, m));
    EXPECT_TRUE(set->has_label(m, *set->find_label("SIP_SEARCH_RULE_REJECTED")));
    MatchSet none;
    ASSERT_TRUE(set->scan(s, Field::kMessage, "SIP/2.0 404 Not Found\r\nX-Note: Warning: 399 x \"Policy Response\"\r\n", none));
    EXPECT_TRUE(none.empty());
    ASSERT_TRUE(set->scan(s, Field::kSan, "Warning: 399 x \"Policy Response\"", none));
    EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace cs
