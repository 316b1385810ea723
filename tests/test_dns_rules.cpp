// DNS signatures: the shipped signatures/dns.rules.yaml compiled by real
// Hyperscan and scanned with the names of the guides (seed 001's Hybrid Call
// SRV names, OUT-1's subdomain, IN-1's SIP Destination; seed 004's
// activation, provisioning and registration names) and with look-alikes one
// edit away (a suffix appended, a label changed, the guide's own
// 'calllservice' typo). Each name must get exactly its tags.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "workers/dns_tracker.h"

namespace cs {
namespace {

const std::string kRulesPath = std::string(CS_SIGNATURES_DIR) + "/dns.rules.yaml";

class DnsRules : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        ASSERT_TRUE(load_dns_shared(kRulesPath, BuildOptions{}, &shared, &why)) << why;
        scratch = shared.rules->make_scratch();
        ASSERT_TRUE(scratch);
    }
    // The DnsTag bits a question name gets (the tracker's scan, without conditions: the file has none).
    uint32_t tags(std::string_view qname) {
        MatchSet hits;
        EXPECT_TRUE(shared.rules->scan(scratch, Field::kQname, qname, hits));
        uint32_t t = 0;
        hits.for_each([&](size_t i) { t |= shared.rule_tag[i]; });
        return t;
    }
    DnsShared shared;
    Scratch scratch;
};

TEST_F(DnsRules, TheShippedFileIsTheDefaultAndEveryTagIsOneTheDiagnosisReads) {
    EXPECT_EQ(dns_rules_path(""), kRulesPath);
    EXPECT_EQ(dns_rules_path("/etc/callsentry/my.rules.yaml"), "/etc/callsentry/my.rules.yaml");
    uint32_t used = 0;
    for (size_t i = 0; i < shared.rules->rules().size(); ++i) {
        const Rule& r = shared.rules->rule(i);
        EXPECT_NE(shared.rule_tag[i], 0u) << r.name << ": tag '" << r.tag << "' is not a DnsTag";
        EXPECT_EQ(r.field_mask, 1u << unsigned(Field::kQname)) << r.name;
        EXPECT_TRUE(r.conditions.empty()) << r.name;
        used |= shared.rule_tag[i];
    }
    EXPECT_EQ(used, (1u << kDnsTagCount) - 1) << "a DnsTag no rule sets";
    EXPECT_EQ(shared.rules->pattern_count(Field::kQname), shared.rules->rules().size());
    EXPECT_EQ(shared.rules->pattern_count(Field::kMessage), 0u);
}

TEST_F(DnsRules, TheGuidesNamesGetExactlyTheirTags) {
    const std::map<std::string, uint32_t> want = {
        {"_sips._tcp.callservice.ciscospark.com", kDnsTagWebexServiceSrv},
        {"_sips._tcp.callservice.webex.com", kDnsTagWebexServiceSrv},
        {"callservice.ciscospark.com", kDnsTagWebexServiceHost},
        {"callservice.webex.com", kDnsTagWebexServiceHost},
        {"l2sip-cfa-01.wbx2.com", kDnsTagWebexServiceHost},
        {"l2sip-cfa-02.wbx2.com", kDnsTagWebexServiceHost},
        {"_sips._tcp.dmzlab.call.ciscospark.com", kDnsTagWebexSubdomainSrv},
        // The label is the diagnosis's to judge: callservice is the right one.
        {"_sips._tcp.callservice.call.ciscospark.com", kDnsTagWebexSubdomainSrv},
        {"dmzlab.call.ciscospark.com", kDnsTagWebexCallNaptrName},
        {"example.call.ciscospark.com", kDnsTagWebexCallNaptrName},
        {"_sips._tcp.mtls.rtp.ciscotac.net", kDnsTagSipDestinationSrv},
        {"_sips._tcp.mtls.example.com", kDnsTagSipDestinationSrv},
        {"activate.cisco.com", kDnsTagWxcActivation},
        {"activate.xglb.cisco.com", kDnsTagWxcActivation},
        {"cisco.sipflash.com", kDnsTagWxcProvisioning},
        {"sipflash.com", kDnsTagWxcProvisioning},
        {"_sips._tcp.da02.hosted-us10.bcld.webex.com", kDnsTagWxcRegistrationSrv},
        {"hosted01ai-us10.bcld.webex.com", kDnsTagWxcRegistrationHost},
        {"hosted02as-us10.bcld.webex.com", kDnsTagWxcRegistrationHost},
        // Names compare without case (RFC 4343); the parser lower-cases, the rules do not rely on it.
        {"_SIPS._TCP.CallService.CiscoSpark.COM", kDnsTagWebexServiceSrv},
    };
    for (const auto& [name, tag] : want) EXPECT_EQ(tags(name), tag) << name;
}

TEST_F(DnsRules, LookAlikesAreNotWatched) {
    for (const char* name : {
             "_sips._tcp.callservice.ciscospark.com.evil.net",
             "x_sips._tcp.callservice.ciscospark.com",
             "_sip._tcp.callservice.ciscospark.com",
             "_sips._udp.callservice.ciscospark.com",
             "_sips._tcp.calllservice.ciscospark.com",  // the guide's misconfigured verify name
             "calllservice.ciscospark.com",
             "evilcallservice.ciscospark.com",
             "callservice.ciscospark.com.attacker.net",
             "ciscospark.com",
             "call.ciscospark.com",
             "_sips._tcp.dmz.lab.call.ciscospark.com",
             "dmzlab.call.ciscospark.com.evil.net",
             "l2sip-cfa-01.wbx2.com.evil.net",
             "xl2sip-cfa-01.wbx2.com",
             "_sips._tcp.mtls",
             "_sips._tcp.mtls.com",
             "_sips._tcp.xmtls.example.com",
             "activate.cisco.com.evil.net",
             "deactivate.cisco.com",
             "activate.cisco.co",
             "notsipflash.com",
             "cisco.sipflash.com.evil.net",
             "_sips._tcp.bcld.webex.com",
             "hosted01ai-us10.bcld.webex.com.evil.net",
             "da02.hosted-us10.bcld.webex.com",
             "",
             ".",
         })
        EXPECT_EQ(tags(name), 0u) << name;
}

}  // namespace
}  // namespace cs
