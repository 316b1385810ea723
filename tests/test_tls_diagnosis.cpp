// tls_diagnosis on facts built by hand: the branches real scenarios do not
// reach, and the look-alikes the catalog says must be told apart or named.
#include <gtest/gtest.h>

#include "workers/tls_diagnosis.h"

using namespace cs;

namespace {

constexpr uint64_t kMs = 1000000ull;

struct Case {
    TlsFacts f;
    TlsSession session;
    TcpConnection tcp;
    TlsSettings settings;
    TlsDiagnosisInput in;

    Case() {
        session.version = 0x0303;
        f.session = &session;
        in.facts = &f;
        in.tcp = &tcp;
        in.settings = &settings;
        in.onprem = TlsDir::kServer;  // inbound: Webex is the TLS client
        f.side[0].hello = {1, 1 * kMs};
        f.side[1].hello = {3, 30 * kMs};
        tcp.fin_first_from = 0xff;
    }
    // A leaf with these SAN dNSNames; self-signed or not.
    void leaf(TlsDir d, std::vector<std::string> sans, bool self_signed = false, uint32_t presented = 1,
              Completion completion = Completion::kIncomplete) {
        TlsSideFacts& s = f.side[size_t(d)];
        s.certificate = {d == TlsDir::kServer ? 4u : 8u, (d == TlsDir::kServer ? 31 : 40) * kMs};
        s.chain_checked = true;
        s.chain.presented = presented;
        s.chain.completion = completion;
        CertSummary c;
        c.san_dns = std::move(sans);
        c.has_san = !c.san_dns.empty();
        c.san_dns_total = uint32_t(c.san_dns.size());
        c.self_signed = self_signed;
        s.chain.certs = {c};
    }
    void alert(TlsDir from, uint8_t desc) {
        f.alert_seen = true;
        f.alert = TlsAlertFacts{{9, 45 * kMs}, from, 2, desc, false, true};
    }
    void finish_both() {
        f.side[0].finished = {10, 50 * kMs};
        f.side[1].finished = {11, 80 * kMs};
    }
    void close_by(TlsDir d, bool reset) {
        if (reset) {
            tcp.rst_seen = true;
            tcp.rst.from = uint8_t(d);
        } else {
            tcp.fin_first_from = uint8_t(d);
        }
    }
    FailureCode code() {
        auto v = diagnose_tls(in);
        return v ? v->code : FailureCode::kNone;
    }
};

const std::vector<std::string> kWebexSans = {"l2sip-cfa-01.ciscospark.com", "callservice.ciscospark.com"};

}  // namespace

TEST(TlsDiagnosis, OnPremRefusingTheCloudsCertificate) {
    Case c;
    c.leaf(TlsDir::kServer, {"amer-expressway01.ciscotac.net"});
    c.leaf(TlsDir::kClient, kWebexSans);
    c.alert(TlsDir::kServer, 48);
    EXPECT_EQ(c.code(), FailureCode::kTlsUntrustedCloudCa);
    // The same refusal of a cloud certificate that names no expected identity.
    Case d;
    d.leaf(TlsDir::kServer, {"amer-expressway01.ciscotac.net"});
    d.leaf(TlsDir::kClient, {"l2sip-cfa-01.wbx2.com"});
    d.alert(TlsDir::kServer, 42);
    EXPECT_EQ(d.code(), FailureCode::kTlsCloudIdentityMissing);
}

TEST(TlsDiagnosis, TheCloudsRefusalIsSplitByTheOnPremChain) {
    Case single;
    single.leaf(TlsDir::kServer, {"amer-expressway01.ciscotac.net"}, false, 1);
    single.alert(TlsDir::kClient, 46);
    EXPECT_EQ(single.code(), FailureCode::kTlsIncompleteChain);

    Case complete;
    complete.leaf(TlsDir::kServer, {"amer-expressway01.ciscotac.net"}, false, 3, Completion::kSelfSignedRoot);
    complete.alert(TlsDir::kClient, 48);
    EXPECT_EQ(complete.code(), FailureCode::kTlsCertRejectedByCloud);

    Case partial;  // two certificates that do not reach a root
    partial.leaf(TlsDir::kServer, {"amer-expressway01.ciscotac.net"}, false, 2, Completion::kIncomplete);
    partial.alert(TlsDir::kClient, 46);
    EXPECT_EQ(partial.code(), FailureCode::kTlsIncompleteChain);

    Case self;  // a self-signed leaf is the default certificate, even alone
    self.leaf(TlsDir::kServer, {}, true, 1, Completion::kSelfSignedRoot);
    self.alert(TlsDir::kClient, 46);
    EXPECT_EQ(self.code(), FailureCode::kTlsDefaultCert);

    Case own;  // ... unless it names one of the organisation's verified domains
    own.settings.verified_domains = {"ciscotac.net"};
    own.leaf(TlsDir::kServer, {"amer-expressway01.ciscotac.net"}, true, 1, Completion::kSelfSignedRoot);
    own.alert(TlsDir::kClient, 46);
    EXPECT_EQ(own.code(), FailureCode::kTlsCertRejectedByCloud);
    own.settings.verified_domains = {"tac.net"};  // a suffix that is not a label boundary does not count
    EXPECT_EQ(own.code(), FailureCode::kTlsDefaultCert);
}

TEST(TlsDiagnosis, OtherAlertsAreNamedNotGuessed) {
    Case c;
    c.leaf(TlsDir::kServer, {"amer-expressway01.ciscotac.net"});
    c.alert(TlsDir::kClient, 40);  // handshake_failure: not a certificate refusal
    auto v = diagnose_tls(c.in);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->code, FailureCode::kTlsHandshakeAlert);
    EXPECT_NE(v->detail.find("handshake_failure"), std::string::npos) << v->detail;
    EXPECT_NE(v->detail.find("cloud"), std::string::npos) << v->detail;
}

TEST(TlsDiagnosis, CloseRightAfterTheHandshakeDependsOnWhoClosed) {
    Case onprem;
    onprem.leaf(TlsDir::kClient, kWebexSans);
    onprem.finish_both();
    onprem.close_by(TlsDir::kServer, true);
    onprem.in.moment = TlsMoment::kClosed;
    EXPECT_EQ(onprem.code(), FailureCode::kTlsIdentityRejected);
    // The cloud's connectivity test completes a handshake and leaves: healthy.
    Case cloud;
    cloud.leaf(TlsDir::kClient, kWebexSans);
    cloud.finish_both();
    cloud.close_by(TlsDir::kClient, false);
    cloud.in.moment = TlsMoment::kClosed;
    EXPECT_EQ(cloud.code(), FailureCode::kTlsOk);
    // Not closed yet: nothing to say.
    Case open;
    open.finish_both();
    open.in.moment = TlsMoment::kEndOfCapture;
    EXPECT_EQ(open.code(), FailureCode::kNone);
}

TEST(TlsDiagnosis, AnUnfinishedHandshakeIsStalledOnlyWhenTheTimerSaysSo) {
    Case c;
    c.in.moment = TlsMoment::kEndOfCapture;
    EXPECT_EQ(c.code(), FailureCode::kNone);
    c.in.moment = TlsMoment::kStalled;
    EXPECT_EQ(c.code(), FailureCode::kTlsHandshakeStalled);
}

TEST(TlsDiagnosis, ApplicationDataAfterADefaultCertificateIsAWarning) {
    Case c;
    c.leaf(TlsDir::kServer, {}, true, 1, Completion::kSelfSignedRoot);
    c.finish_both();
    c.f.side[0].app_records = c.f.side[1].app_records = 1;
    c.in.moment = TlsMoment::kAppData;
    EXPECT_EQ(c.code(), FailureCode::kTlsDefaultCertPresent);
}

TEST(TlsDiagnosis, Tls13SaysWhoClosedAndAfterWhichFlightNeverWhy) {
    Case c;
    c.session.tls13 = true;
    c.f.side[1].encrypted_records = 3;
    c.f.side[0].encrypted_records = 2;
    c.f.tls13_client_flight = true;
    c.f.tls13_alert_after_client = true;
    c.close_by(TlsDir::kServer, false);
    c.in.moment = TlsMoment::kClosed;
    auto v = diagnose_tls(c.in);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->code, FailureCode::kTls13HandshakeFailed);
    EXPECT_NE(v->detail.find("on-prem closed"), std::string::npos) << v->detail;
    EXPECT_NE(v->detail.find("client's Finished flight"), std::string::npos) << v->detail;
    EXPECT_NE(v->detail.find("encrypted"), std::string::npos) << v->detail;
    c.f.tls13_alert_after_client = false;
    c.f.tls13_server_answered = true;
    EXPECT_EQ(diagnose_tls(c.in)->code, FailureCode::kTlsOk);
}
