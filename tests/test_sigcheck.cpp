// callsentry-sigcheck, the real binary (CALLSENTRY_SIGCHECK): the shipped rules
// compile and report what the loader read; a broken rules file is refused
// with the loader's FILE:LINE message; messages that match, match only by
// pattern, or match nothing give exit 0 / 1 with the rules named; unusable
// message files (missing, a directory, too big) give exit 2; stdin, bare-LF
// messages, --field and --cache do what the help says.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "signatures/engine.h"
#include "signatures/rules.h"
#include "tests/e2e_support.h"

namespace {

const std::string kSipRules = std::string(CS_SIGNATURES_DIR) + "/sip.rules.yaml";
const std::string kIdentityRules = std::string(CS_SIGNATURES_DIR) + "/identity.rules.yaml";

// The Exp-C's 404 of the guide's IN-4 (FAILURE_CATALOG_captures.md §1.6.1), CRLF.
const std::string kPolicy404 =
    "SIP/2.0 404 Not Found\r\n"
    "Via: SIP/2.0/TLS 192.168.5.66:5062;branch=z9hG4bK0f455ca79cf1b0af5637333aa5286436;received=146.20.193.45;"
    "rport=35464;ingress-zone=HybridCallServicesDNS\r\n"
    "Call-ID: 9062bca7eca2afe71b4a225048ed5101@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=872524918\r\n"
    "To: <sip:jorobb@rtp.ciscotac.net>;tag=96b9a0eaf669a590\r\n"
    "Server: TANDBERG/4135 (X8.10.2)\r\n"
    "Warning: 399 192.168.1.5:5061 \"Policy Response\"\r\n"
    "Content-Length: 0\r\n\r\n";

const std::string kOptions =
    "OPTIONS sip:172.16.2.2:5062;transport=tls SIP/2.0\r\n"
    "Via: SIP/2.0/TLS 10.1.1.1:5061;branch=z9hG4bK776asdhds\r\n"
    "Call-ID: a84b4c76e66710@10.1.1.1\r\nCSeq: 63104 OPTIONS\r\n"
    "From: <sip:ping@10.1.1.1>;tag=1928301774\r\nTo: <sip:172.16.2.2>\r\nContent-Length: 0\r\n\r\n";

std::string sigcheck() { return e2e::env_or_die("CALLSENTRY_SIGCHECK"); }

e2e::RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), sigcheck());
    return e2e::run(args, 60);
}

std::string write(const std::string& name, const std::string& text) {
    std::string path = e2e::temp_dir() + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    return path;
}

int line_of(const std::string& text, const std::string& needle) {
    size_t pos = text.find(needle);
    EXPECT_NE(pos, std::string::npos) << needle;
    int line = 1;
    for (size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n';
    return line;
}

size_t loaded_rules(const std::string& path) {
    std::string err;
    auto file = cs::load_rules_file(path, &err);
    EXPECT_TRUE(file) << err;
    return file ? file->rules.size() : 0;
}

TEST(Sigcheck, ShippedRulesCompile) {
    auto r = run({kSipRules});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // "FILE: N rules, patterns per field: message M, compiled in X ms"
    const std::string first = r.out.substr(0, r.out.find('\n'));
    ASSERT_EQ(first.rfind(kSipRules + ": ", 0), 0u) << r.out;
    unsigned rules = 0, patterns = 0;
    double ms = -1;
    char tail[8] = {};
    ASSERT_EQ(std::sscanf(first.c_str() + kSipRules.size() + 2, "%u rules, patterns per field: message %u, compiled in %lf %7s",
                          &rules, &patterns, &ms, tail),
              4)
        << first;
    EXPECT_EQ(std::string(tail), "ms");
    EXPECT_EQ(rules, loaded_rules(kSipRules));
    EXPECT_GE(patterns, rules);
    EXPECT_GT(ms, 0);
    EXPECT_TRUE(r.err.empty()) << r.err;

    r = run({kIdentityRules});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(std::to_string(loaded_rules(kIdentityRules)) + " rules, patterns per field: sni "),
              std::string::npos)
        << r.out;
    EXPECT_EQ(r.out.find("message"), std::string::npos) << r.out;  // no identity rule scans messages
}

TEST(Sigcheck, BrokenRulesNameTheirLine) {
    const std::string shipped = e2e::slurp(kSipRules);
    const std::string good = "'\\A(?i:SIP)/2\\.0 603 '";
    ASSERT_NE(shipped.find(good), std::string::npos);
    std::string bad = shipped;
    bad.replace(bad.find(good), good.size(), "'(\\A(?i:SIP)/2\\.0 603 '");
    const std::string path = write("broken.rules.yaml", bad);
    auto r = run({path});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_TRUE(r.out.empty()) << r.out;
    const std::string expect =
        path + ":" + std::to_string(line_of(bad, "'(\\A(?i:SIP)")) + ": rule 2111: pattern '(\\A(?i:SIP)/2\\.0 603 ' does not compile: ";
    EXPECT_EQ(r.err.rfind(expect, 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;

    // A YAML-level mistake: the loader's line too, and a message does not help.
    std::string unknown = shipped;
    unknown.replace(unknown.find("    severity: warning\n"), 22, "    severity: warn\n");
    const std::string upath = write("unknown.rules.yaml", unknown);
    r = run({upath, write("msg404.sip", kPolicy404)});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err.rfind(upath + ":" + std::to_string(line_of(unknown, "severity: warn\n")) + ": rule ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find("severity must be info, warning, error, critical or 1..4 (got 'warn')"), std::string::npos) << r.err;
}

TEST(Sigcheck, MatchingMessageListsItsRules) {
    auto r = run({kSipRules, write("policy404.sip", kPolicy404)});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("(field message, " + std::to_string(kPolicy404.size()) + " bytes, response 404)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("  match 2001 warning_policy_response  tag policy_response  severity error  (line "),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("      conditions: status 403..404: holds\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  match 2050 agent_expressway  tag expressway_agent  severity info"), std::string::npos);
    EXPECT_NE(r.out.find("  match 2020 via_ingress_hybrid_dns_zone  tag from_webex"), std::string::npos);
    EXPECT_NE(r.out.find("\n5 rules match\n"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("note:"), std::string::npos) << "CRLF message: no note";
    EXPECT_EQ(r.out.find("webex_call_uri"), std::string::npos) << r.out;  // a response, to an on-prem user
}

TEST(Sigcheck, NothingMatches) {
    auto r = run({kSipRules, write("options.sip", kOptions)});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("(field message, " + std::to_string(kOptions.size()) + " bytes, request OPTIONS)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("  no rule matches\n"), std::string::npos) << r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
}

// A rule whose pattern matches but whose condition the start line rules out
// is shown as such and does not count as a match.
TEST(Sigcheck, ConditionsDecidedByTheStartLine) {
    const std::string rules =
        "version: 1\nrules:\n"
        "  - id: 9001\n    name: policy_on_404\n    description: Policy Response on a 404 from the inside\n"
        "    patterns:\n      - '\\A(?:[^\\r\\n]+\\r?\\n)+Warning: 399 \\S+ \"Policy Response\"'\n"
        "    fields: message\n    conditions:\n      status: {min: 403, max: 404}\n      vantage: inside\n"
        "      direction: outbound\n    tag: policy_response\n    severity: error\n"
        "  - id: 9002\n    name: invite_only\n    description: any INVITE request\n"
        "    patterns: ['\\A[A-Z]+ sip:']\n    fields: message\n    conditions:\n      method: [INVITE, UPDATE]\n"
        "    tag: invite\n    severity: info\n";
    const std::string path = write("cond.rules.yaml", rules);
    std::string on_500 = kPolicy404;
    on_500.replace(0, 21, "SIP/2.0 500 Server Internal Error");
    auto r = run({path, write("policy500.sip", on_500)});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("  pattern only 9001 policy_on_404  tag policy_response  severity error"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("conditions: status 403..404: does not hold (status 500); direction outbound: to hold (who "
                         "opened the connection); vantage inside: to hold (the capture port)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("0 rules match, 1 more matches the pattern but not a condition"), std::string::npos) << r.out;

    r = run({path, write("policy404b.sip", kPolicy404)});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("  match 9001 policy_on_404"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("status 403..404: holds; direction outbound: to hold"), std::string::npos) << r.out;

    r = run({path, write("options2.sip", kOptions)});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.out.find("method INVITE|UPDATE: does not hold (request OPTIONS)"), std::string::npos) << r.out;
    std::string invite = kOptions;
    invite.replace(0, 7, "INVITE");
    r = run({path, write("invite.sip", invite)});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("method INVITE|UPDATE: holds"), std::string::npos) << r.out;
}

TEST(Sigcheck, UnusableFilesExit2) {
    auto r = run({kSipRules, e2e::temp_dir() + "/no-such-message.sip"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, "callsentry-sigcheck: " + e2e::temp_dir() + "/no-such-message.sip: cannot read: No such file or directory\n");
    EXPECT_TRUE(r.out.empty()) << r.out;

    r = run({e2e::temp_dir() + "/no-such.rules.yaml"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.err, e2e::temp_dir() + "/no-such.rules.yaml: cannot read: No such file or directory\n");

    r = run({kSipRules, e2e::temp_dir()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("cannot read: Is a directory"), std::string::npos) << r.err;

    const std::string big = write("big.sip", std::string(cs::kMaxScanBytes + 1, 'a'));
    r = run({kSipRules, big});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("big.sip: cannot read: larger than " + std::to_string(cs::kMaxScanBytes) +
                         " bytes (the most one scan takes)"),
              std::string::npos)
        << r.err;

    r = run({kSipRules, write("x.sip", kOptions), "--field", "nosuch"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--field: unknown field 'nosuch'"), std::string::npos) << r.err;
    r = run({});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("RULES is required"), std::string::npos) << r.err;
}

TEST(Sigcheck, StdinAndBareLf) {
    std::string lf = kPolicy404;
    for (size_t p; (p = lf.find("\r\n")) != std::string::npos;) lf.erase(p, 1);
    const std::string path = write("policy404-lf.sip", lf);
    const std::string lines = std::to_string(std::count(lf.begin(), lf.end(), '\n'));

    auto r = e2e::run({"/bin/sh", "-c", "exec \"$0\" \"$1\" - < \"$2\"", sigcheck(), kSipRules, path}, 60);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("note: " + lines + " line ends are LF only (real SIP uses CRLF); scanned as is, --crlf converts"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("- (field message, " + std::to_string(lf.size()) + " bytes, response 404):"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("match 2001 warning_policy_response"), std::string::npos) << r.out;

    r = run({kSipRules, path, "--crlf"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("note: " + lines + " LF line ends turned into CRLF (--crlf)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(field message, " + std::to_string(kPolicy404.size()) + " bytes, response 404)"),
              std::string::npos)
        << r.out;

    // Within the limit as read, beyond it once every line end has its CR.
    std::string many(cs::kMaxScanBytes - 10, '\n');
    const std::string many_path = write("many-lines.sip", many);
    r = run({kSipRules, many_path});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    r = run({kSipRules, many_path, "--crlf"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("many-lines.sip: larger than " + std::to_string(cs::kMaxScanBytes) + " bytes with CRLF line ends"),
              std::string::npos)
        << r.err;
}

TEST(Sigcheck, OtherFieldsAndTheCache) {
    const std::string san = write("san.txt", "callservice.ciscospark.com\n");
    auto r = run({kIdentityRules, san, "--field", "san"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("(field san, 26 bytes):"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("match 1001 webex_cloud_domain  tag cloud_identity"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("match 1010 callservice_ciscospark  tag expected_service_identity"), std::string::npos);
    // As a SIP message the same bytes match nothing: no identity rule scans messages.
    r = run({kIdentityRules, san});
    EXPECT_EQ(r.exit_code, 1) << r.out;
    r = run({kIdentityRules, write("evil.txt", "evil-ciscospark.com.attacker.net\n"), "--field", "sni"});
    EXPECT_EQ(r.exit_code, 1) << r.out;

    const std::string cache = e2e::temp_dir() + "/sip.hsdb";
    r = run({kSipRules, "--cache", cache});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("cache " + cache + ": missing, written\n"), std::string::npos) << r.out;
    r = run({kSipRules, write("p.sip", kPolicy404), "--cache", cache});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("cache " + cache + ": hit\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("match 2001 warning_policy_response"), std::string::npos) << r.out;
}

}  // namespace
