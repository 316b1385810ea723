// SIP signatures: the shipped signatures/sip.rules.yaml compiled by real
// Hyperscan and scanned with the SIP messages of the troubleshooting guides
// (seed 002's IN-4, IN-5, OUT-1, OUT-3, OUT-4, BI-1, BI-2 and seed 003's CMR
// 500), rebuilt from FAILURE_CATALOG_captures.md §1.6 / §2.3 and the guide's
// test vectors with the OCR damage repaired and log line wraps joined. Each
// message is checked for exactly the rules it must match; then look-alikes,
// compact and re-cased header names, folded lines, bare-LF line ends, bodies
// that look like headers, and every truncation of every message.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "signatures/engine.h"
#include "signatures/rules.h"
#include "workers/sip_facts.h"

namespace cs {
namespace {

const std::string kRulesPath = std::string(CS_SIGNATURES_DIR) + "/sip.rules.yaml";

// Headers joined with CRLF, then Content-Length (the body's real length), the
// empty line and the body.
std::string sip(std::initializer_list<const char*> headers, const std::string& body = "") {
    std::string m;
    for (const char* h : headers) m += std::string(h) + "\r\n";
    return m + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string sdp(std::initializer_list<const char*> lines) {
    std::string b;
    for (const char* l : lines) b += std::string(l) + "\r\n";
    return b;
}

// ---- The guide's messages --------------------------------------------------

// IN-4: the INVITE from Webex as the Exp-C received it from the Exp-E (captures
// 1.6.1, L1571-1616; the Webex hop's Via as in the guide's vector EN L1423).
// Its Request-URI is the on-prem user; the Route is empty as logged.
const std::string kIn4Invite = sip({
    "INVITE sip:jorobb@rtp.ciscotac.net SIP/2.0",
    "Via: SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bKc81c6cddddef7edbbe5bdce9868fb019913;proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d;rport",
    "Via: SIP/2.0/TLS 192.168.1.6:5073;branch=z9hG4bKb0eba6d700dfdf761a8ad97fff3c240124;x-cisco-local-service=nettle;received=192.168.1.6;rport=43119;ingress-zone=DefaultZone",
    "Via: SIP/2.0/TLS 64.102.241.236:5061;egress-zone=DefaultZone;branch=z9hG4bK6fe399bae58fb0d70c9d69b8e37e13e5912.4248943487bff4af6f649b586c7696bb;proxy-call-id=f2d15853-c81f-462f-b3e5-c08124f344a3;received=172.16.2.2;rport=25016",
    "Via: SIP/2.0/TLS 192.168.5.66:5062;branch=z9hG4bK0f455ca79cf1b0af5637333aa5286436;received=146.20.193.45;rport=35464;ingress-zone=HybridCallServicesDNS",
    "Via: SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-383039-8f0d64025c04d23b6d5e1d5142dbdbec;rport=52706",
    "Call-ID: 9062bca7eca2afe71b4a225048ed5101@127.0.0.1",
    "CSeq: 1 INVITE",
    "Contact: <sip:192.168.1.6:5073;transport=tls>;call-type=squared",
    "From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=872524918",
    "To: <sip:jorobb@rtp.ciscotac.net>",
    "Max-Forwards: 15",
    "Route:",
    "Record-Route: <sip:proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d@192.168.1.6:7003;transport=tls;lr>",
    "Record-Route: <sip:proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d@192.168.1.6:5061;transport=tls;lr>",
});

// IN-4: the Exp-C's 404 (captures L1651-1699, guide EN L1553-1597).
const std::string kIn4NotFound = sip({
    "SIP/2.0 404 Not Found",
    "Via: SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bKc81c6cddddef7edbbe5bdce9868fb019913;proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d;received=192.168.1.6;rport=7003;ingress-zone=HybridCallServiceTraversal",
    "Via: SIP/2.0/TLS 192.168.1.6:5073;branch=z9hG4bKb0eba6d700dfdf761a8ad97fff3c240124;x-cisco-local-service=nettle;received=192.168.1.6;rport=43119;ingress-zone=DefaultZone",
    "Via: SIP/2.0/TLS 64.102.241.236:5061;egress-zone=DefaultZone;branch=z9hG4bK6fe399bae58fb0d70c9d69b8e37e13e5912.4248943487bff4af6f649b586c7696bb;proxy-call-id=f2d15853-c81f-462f-b3e5-c08124f344a3;received=172.16.2.2;rport=25016",
    "Via: SIP/2.0/TLS 192.168.5.66:5062;branch=z9hG4bK0f455ca79cf1b0af5637333aa5286436;received=146.20.193.45;rport=35464;ingress-zone=HybridCallServicesDNS",
    "Via: SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-383039-8f0d64025c04d23b6d5e1d5142dbdbec;rport=52706",
    "Call-ID: 9062bca7eca2afe71b4a225048ed5101@127.0.0.1",
    "CSeq: 1 INVITE",
    "From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=872524918",
    "To: <sip:jorobb@rtp.ciscotac.net>;tag=96b9a0eaf669a590",
    "Server: TANDBERG/4135 (X8.10.2)",
    "Warning: 399 192.168.1.5:5061 \"Policy Response\"",
    "Session-ID: 00000000000000000000000000000000;remote=daf7c278732bb5a557fb57925dffcbf7",
});

// IN-5: the INVITE Webex sent to the Exp-E on 5062 (captures 1.6.2 L2124-2146,
// Contact/From/Route/Max-Forwards from the guide's vector EN L2058-2088). The
// guide shows no body.
const std::string kIn5Ingress = sip({
    "INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0",
    "Via: SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bK564cd36d87f3417513c9b559dc666f71,SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-3237-5c5060d07ecc546a0bb861ef52a5f507;rport=43306",
    "Call-ID: 6bc0ca8210c0b48df69f38057ec1e48b@127.0.0.1",
    "CSeq: 1 INVITE",
    "Contact: \"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>;call-type=squared",
    "From: \"Jonathan Robb\" <sip:jorobb@dmzlab.call.ciscospark.com>;tag=540300020",
    "To: <sip:pstojano-test@rtp.ciscotac.net>",
    "Max-Forwards: 70",
    "Route: <sip:l2sip@64.102.241.236:5062;transport=tls;lr>,<sip:cucm.rtp.ciscotac.net;lr>",
});

// IN-5: the same call forwarded Exp-E -> Exp-C with call-type=squared gone
// (captures L2152-2188, guide EN L2095-2141).
const std::string kIn5Stripped = sip({
    "INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0",
    "Via: SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bKa1b2c3d4e5f60718293a4b5c6d7e8f90;proxy-call-id=0b7e5d2c-3f41-4a8e-9c6d-2e1f0a9b8c7d;rport",
    "Via: SIP/2.0/TLS 64.102.241.236:5061;egress-zone=DefaultZone;branch=z9hG4bK0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f.1;received=172.16.2.2;rport=25016",
    "Via: SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bK564cd36d87f3417513c9b559dc666f71;received=146.20.193.73;rport=40342;ingress-zone=HybridCallServicesDNS",
    "Call-ID: 6bc0ca8210c0b48df69f38057ec1e48b@127.0.0.1",
    "CSeq: 1 INVITE",
    "Contact: <sip:192.168.1.6:5073;transport=tls>",
    "From: \"Jonathan Robb\" <sip:jorobb@dmzlab.call.ciscospark.com>;tag=540300020",
    "To: <sip:pstojano-test@rtp.ciscotac.net>",
    "Max-Forwards: 15",
    "Route: <sip:cucm.rtp.ciscotac.net;lr>",
});

// OUT-1: the CUCM's INVITE towards Webex on the internal hop (captures 1.6.3,
// guide EN L2397-2463). The guide gives neither its Via nor its SDP.
const std::string kOut1Invite = sip({
    "INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0",
    "Via: SIP/2.0/TLS 192.168.1.5:5061;egress-zone=HybridCallServiceTraversal;branch=z9hG4bK5d2c0e1f9a8b7c6d5e4f3a2b1c0d9e8f;rport",
    "Call-ID: 991f7e80-9c11517a-130ac-1501a8c0@192.168.1.21",
    "CSeq: 101 INVITE",
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=332677~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106860",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>",
    "Remote-Party-ID: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;party=calling;screen=yes;privacy=off",
    "User-Agent: Cisco-CUCM11.5",
    "Expires: 180",
    "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called",
    "Session-Expires: 1800",
});

// OUT-3: the Exp-E's 404 to the Exp-C (captures 1.6.4, guide EN L2964-2996;
// "Server: ... Warning: ..." were one OCR line). Via and From tag not legible.
const std::string kOut3NotFound = sip({
    "SIP/2.0 404 Not Found",
    "Via: SIP/2.0/TLS 192.168.1.5:25675;branch=z9hG4bK7e6d5c4b3a291807f6e5d4c3b2a19080;received=192.168.1.5;rport=25675;ingress-zone=HybridCallServiceTraversal",
    "Call-ID: d58f2680-9c91200a-1c7ba-1501a8c0@192.168.1.21",
    "CSeq: 101 INVITE",
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=101811~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106901",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=10d2cfbc45e4373f",
    "Server: TANDBERG/4135 (X8.10.2)",
    "Warning: 399 192.168.1.6:7003 \"Policy Response\"",
    "Session-ID: 00000000000000000000000000000000;remote=75957d4fb66a13e835c10737aa505813",
});

// OUT-4: the Exp-E's 403 from its CPL (captures 1.6.5, guide EN L3373-3405).
const std::string kOut4Forbidden = sip({
    "SIP/2.0 403 Forbidden",
    "Via: SIP/2.0/TLS 192.168.1.5:25675;branch=z9hG4bK3c2b1a09f8e7d6c5b4a3928170f6e5d4;received=192.168.1.5;rport=25675;ingress-zone=HybridCallServiceTraversal",
    "Call-ID: c030f100-9c916d13-1cdcb-1501a8c0@192.168.1.21",
    "CSeq: 101 INVITE",
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=512579~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30107000",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=64fe7f9eab37029d",
    "Server: TANDBERG/4135 (X8.10.2)",
    "Warning: 399 192.168.1.6:7003 \"Policy Response\"",
    "Session-ID: 00000000000000000000000000000000;remote=75957d4fb66a13e835c10737aa512577",
});

// BI-1: the Exp-E's early-offer INVITE to Webex on 5062 (captures 1.6.6 L3405-3527,
// guide EN L3564-3708): G.729 only. The crypto key is elided in the guide.
const std::string kBi1Offer = sdp({
    "v=0", "o=tandberg 0 1 IN IP4 64.102.241.236", "s=-", "c=IN IP4 64.102.241.236", "b=AS:384", "t=0 0",
    "m=audio 52668 RTP/SAVP 18 101", "a=rtpmap:18 G729/8000", "a=fmtp:18 annexb=no", "a=rtpmap:101 telephone-event/8000",
    "a=fmtp:101 0-15", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz",
    "a=sendrecv", "a=rtcp:52669 IN IP4 64.102.241.236", "m=video 52670 RTP/SAVP 126 97", "b=TIAS:384000",
    "a=rtpmap:126 H264/90000", "a=fmtp:126 profile-level-id=42801e;packetization-mode=1;level-asymmetry-allowed=1",
    "a=rtpmap:97 H264/90000", "a=fmtp:97 profile-level-id=42801e;packetization-mode=0;level-asymmetry-allowed=1",
    "a=rtcp-fb:* nack pli", "a=content:main", "a=label:11", "a=rtcp:52671 IN IP4 64.102.241.236"});
const std::string kBi1Invite = sip({
    "INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0",
    "Via: SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK323e6b15ad0cbbf409751f67848136fa1115;proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2;rport",
    "Call-ID: 44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21",
    "CSeq: 101 INVITE",
    "Remote-Party-ID: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;privacy=off;screen=no;party=calling",
    "Contact: <sip:172.16.2.2:5073;transport=tls>;video;audio",
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=329447~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106833",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>",
    "Max-Forwards: 14",
    "Record-Route: <sip:proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2@64.102.241.236:5062;transport=tls;lr>",
    "Allow: INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY",
    "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)",
    "Supported: X-cisco-srtp-fallback,replaces,timer",
    "Session-Expires: 1800;refresher=uac",
    "Min-SE: 500",
    "X-TAATag: 14a0bd87-1825-4ecf-9f3d-4a23cfa69725",
    "Session-ID: 75957d4fb66a13e835c10737aa329445;remote=00000000000000000000000000000000",
    "Content-Type: application/sdp",
}, kBi1Offer);

// BI-1: Webex's 200 OK zeroing audio (captures L3534-3624, guide EN L3722-3826).
// s= and t= are not shown in the guide; SDP requires them.
const std::string kBi1Ok = sip({
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK323e6b15ad0cbbf409751f67848136fa1115;proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2;rport=38245;received=192.168.5.26",
    "Call-ID: 44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21",
    "CSeq: 101 INVITE",
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=329447~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106833",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=1311451760",
    "Contact: \"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>",
    "Record-Route: <sip:l2sip-cfa-01.wbx2.com:5062;transport=tls;lr>,<sip:proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2@64.102.241.236:5062;transport=tls;lr>",
    "Allow: INVITE,ACK,CANCEL,BYE,REFER,INFO,OPTIONS,NOTIFY,SUBSCRIBE",
    "User-Agent: Cisco-L2SIP",
    "Supported: replaces",
    "Accept: application/sdp",
    "Allow-Events: kpml",
    "Session-ID: ed35426ed3ade6fdc3b058792333df2b;remote=75957d4fb66a13e835c10737aa329445",
    "Locus: 4711a33f-9d49-11e7-9bf6-dea12d0f2127",
    "Locus-Type: CALL",
    "Content-Type: application/sdp",
}, sdp({"v=0", "o=linus 0 1 IN IP4 146.20.193.109", "s=-", "c=IN IP4 146.20.193.109", "b=TIAS:384000", "t=0 0",
        "m=audio 0 RTP/SAVP *", "m=video 33512 RTP/SAVP 108", "a=rtpmap:108 H264/90000",
        "a=fmtp:108 profile-level-id=42001E;packetization-mode=1;max-mbps=40500;max-fs=1620;max-fps=3000;max-br=10000;max-dpb=3037;level-asymmetry-allowed=1",
        "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2VjcmV0LWtleS1ub3QtaW4tdGhlLWd1aWRlLTEyMzQ1", "a=label:200"}));

// BI-1: the CUCM's BYE right after the ACK (captures L3674-3717, guide EN L3847-3887).
const std::string kBi1Bye = sip({
    "BYE sip:192.168.1.6:5071;transport=tls SIP/2.0",
    "Via: SIP/2.0/TLS 192.168.1.5:5061;branch=z9hG4bK1f2e3d4c5b6a79880716253443526170;rport",
    "Call-ID: 44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21",
    "CSeq: 102 BYE",
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=329447~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106833",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=f3734601fb0eb541",
    "Max-Forwards: 69",
    "User-Agent: Cisco-CUCM11.5",
    "Date: Tue, 19 Sep 2017 14:46:09 GMT",
    "Reason: Q.850 ;cause=47",
    "Session-ID: 75957d4fb66a13e835c10737aa329445;remote=ed35426ed3ade6fdc3b058792333df2b",
});

// BI-2: Webex's 603 and the 481 to the CANCEL (the guide shows only the status
// lines, EN L4069-4073 and the ladder; the headers are the dialog's).
const std::string kBi2Decline = sip({
    "SIP/2.0 603 Decline",
    "Via: SIP/2.0/TLS 64.102.241.236:5062;branch=z9hG4bK9a8b7c6d5e4f30211203948576a6b5c4;rport=25150;received=192.168.5.26",
    "Call-ID: 8d1f4c00-6a6c2b3d-1e7f-1501a8c0@192.168.1.21",
    "CSeq: 101 INVITE",
    "From: <sip:5010@rtp.ciscotac.net>;tag=88211~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30100001",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=2086351907",
});
const std::string kBi2NoTransaction = sip({
    "SIP/2.0 481 Call Leg/Transaction Does Not Exist",
    "Via: SIP/2.0/TCP 192.168.1.5:5060;branch=z9hG4bK0a1b2c3d4e5f60718293a4b5c6d7e8f9;rport",
    "Call-ID: 8d1f4c00-6a6c2b3d-1e7f-1501a8c0@192.168.1.21",
    "CSeq: 101 CANCEL",
    "From: <sip:5010@rtp.ciscotac.net>;tag=88211~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30100001",
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>",
});

// Seed 003 (captures 2.3), wraps joined: (a) the delayed-offer INVITE the Exp-E
// received from the Exp-C, (b) the one it sent to WebEx, (c) WebEx's 500.
const std::string kCmrInviteInside = sip({
    "INVITE sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0",
    "Via: SIP/2.0/TLS 172.28.21.104:5061;egress-zone=TraversalClientB2B;branch=z9hG4bKae647bb81b403d0562281463002ad68a379858.bdfb90811a812d6a11d607f3e17095a1;proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66;rport",
    "Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK11c80762b0b051;received=172.28.21.100;ingress-zone=CUCMNeighborZoneB2B",
    "Call-ID: e7672380-5991e82c-e0ca3-64151cac@172.28.21.100",
    "CSeq: 101 INVITE",
    "Remote-Party-ID: \"7221.company.com.au\" <sip:172.28.21.100>;party=calling;screen=yes;privacy=off",
    "Contact: <sip:172.28.21.100:5560;transport=tcp>;video;audio;isFocus;sip.cisco.multistream;x-cisco-tip;+multiple-codecs-in-ans",
    "From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423",
    "To: <sip:34IBJumtlZRvmrI5t7WQjMhA@kytec.webex.com>",
    "Max-Forwards: 15",
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5061;transport=tls;lr>",
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5060;transport=tcp;lr>",
    "Allow: INVITE,OPTIONS,INFO,BYE,CANCEL,ACK,PRACK,UPDATE,REFER,SUBSCRIBE,NOTIFY",
    "User-Agent: Cisco-CUCM10.5",
    "Expires: 180",
    "Date: Mon, 06 Jul 2015 02:30:04 GMT",
    "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called",
    "Session-Expires: 1800",
    "Min-SE: 1800",
    "Allow-Events: presence",
    "X-TAATag: 4a936c0c-69a7-4fd8-a070-82b7c3ecb3ce",
    "Call-Info: <urn:x-cisco-remotecc:callinfo>;x-cisco-video-traffic-class=DESKTOP",
    "Cisco-Guid: 3882296192-0000065536-0000007914-1679105196",
});
const std::string kCmrInviteOutside = sip({
    "INVITE sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0",
    "Via: SIP/2.0/TLS 58.162.48.4:5061;egress-zone=DNSZoneB2B;branch=z9hG4bK6f09b6c9d25bf7f92fa25e6f9a336a0b52417.3f21ed7645b445bb8e55e174caa5935c;proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1;rport",
    "Via: SIP/2.0/TLS 172.28.21.104:5061;egress-zone=TraversalClientB2B;branch=z9hG4bKae647bb81b403d0562281463002ad68a379858.bdfb90811a812d6a11d607f3e17095a1;proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66;received=172.28.21.104;rport=25048;ingress-zone=TraversalServerB2B",
    "Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK11c80762b0b051;received=172.28.21.100;ingress-zone=CUCMNeighborZoneB2B",
    "Call-ID: e7672380-5991e82c-e0ca3-64151cac@172.28.21.100",
    "CSeq: 101 INVITE",
    "Remote-Party-ID: \"7221.company.com.au\" <sip:172.28.21.100>;party=calling;screen=yes;privacy=off",
    "Contact: <sip:172.28.21.100:5560;transport=tcp>;video;audio;isFocus;sip.cisco.multistream;x-cisco-tip;+multiple-codecs-in-ans",
    "From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423",
    "To: <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>",
    "Max-Forwards: 14",
    "Record-Route: <sip:proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1@58.162.48.4:5061;transport=tls;lr>",
    "Record-Route: <sip:proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1@172.28.21.110:7011;transport=tls;lr>",
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5061;transport=tls;lr>",
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5060;transport=tcp;lr>",
    "Allow: INVITE,OPTIONS,INFO,BYE,CANCEL,ACK,PRACK,UPDATE,REFER,SUBSCRIBE,NOTIFY",
    "User-Agent: Cisco-CUCM10.5",
    "Expires: 180",
    "Date: Mon, 06 Jul 2015 02:30:04 GMT",
    "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called",
    "Session-Expires: 1800",
    "Min-SE: 1800",
    "Allow-Events: presence",
    "X-TAATag: 4a936c0c-69a7-4fd8-a070-82b7c3ecb3ce",
    "Call-Info: <urn:x-cisco-remotecc:callinfo>;x-cisco-video-traffic-class=DESKTOP",
    "Cisco-Guid: 3882296192-0000065536-0000007914-1679105196",
});
const std::string kCmr500 = sip({
    "SIP/2.0 500 Internal Server Error",
    "Via: SIP/2.0/TLS 58.162.48.4:5061;branch=z9hG4bK6f09b6c9d25bf7f92fa25e6f9a336a0b52417.3f21ed7645b445bb8e55e174caa5935c;rport=25129;egress-zone=DNSZoneB2B;proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1",
    "Via: SIP/2.0/TLS 172.28.21.104:5061;branch=z9hG4bKae647bb81b403d0562281463002ad68a379858.bdfb90811a812d6a11d607f3e17095a1;rport=25048;egress-zone=TraversalClientB2B;proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66;received=172.28.21.104;ingress-zone=TraversalServerB2B",
    "Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK11c80762b0b051;received=172.28.21.100;ingress-zone=CUCMNeighborZoneB2B",
    "Call-ID: e7672380-5991e82c-e0ca3-64151cac@172.28.21.100",
    "CSeq: 101 INVITE",
    "From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423",
    "To: \"CiscoWebEx\" <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>;tag=38659d409ccec3f7",
    "Server: TANDBERG/4352 (X8.5.2-b2bua-1.0)",
    "P-Asserted-Identity: \"CiscoWebEx\" <sip:webex.com>",
    "Warning: 399 114.29.213.174:5071 \"Invalid content in far end 200 OK\"",
});

struct Case {
    const char* name;
    const std::string* msg;
    std::set<uint32_t> ids;  // exactly the rules that match
};
// 2001 policy_response, 2002 invalid_content_far_end, 2010 webex_call_uri,
// 2011 webex_meeting_uri, 2020-2023 from_webex, 2030 call_type_squared,
// 2040 no_resource_cause, 2041 audio_rejected, 2050 expressway_agent,
// 2051-2052 webex_agent, 2100 warning_399, 2101 cucm_agent, 2110 481, 2111 603.
const Case kGuideCases[] = {
    {"IN-4 INVITE at the Exp-C", &kIn4Invite, {2020, 2021, 2030}},
    {"IN-4 404", &kIn4NotFound, {2001, 2020, 2021, 2050, 2100}},
    {"IN-5 INVITE from Webex", &kIn5Ingress, {2021, 2022, 2030}},
    {"IN-5 INVITE forwarded without call-type", &kIn5Stripped, {2020, 2021}},
    {"OUT-1 INVITE from the CUCM", &kOut1Invite, {2010, 2101}},
    {"OUT-3 404", &kOut3NotFound, {2001, 2050, 2100}},
    {"OUT-4 403", &kOut4Forbidden, {2001, 2050, 2100}},
    {"BI-1 INVITE to Webex", &kBi1Invite, {2010, 2050}},
    {"BI-1 200 OK from Webex", &kBi1Ok, {2041, 2051}},
    {"BI-1 BYE", &kBi1Bye, {2040, 2101}},
    {"BI-2 603", &kBi2Decline, {2111}},
    {"BI-2 481", &kBi2NoTransaction, {2110}},
    {"seed 003 INVITE inside", &kCmrInviteInside, {2011, 2101}},
    {"seed 003 INVITE to WebEx", &kCmrInviteOutside, {2011, 2101}},
    {"seed 003 500", &kCmr500, {2002, 2050, 2052, 2100}},
};

// ---- Rewrites of a message ----------------------------------------------------

// Applies f to the name of every header line (not the start line, not folded
// continuations, not the body).
template <class F>
std::string rename_headers(const std::string& m, F&& f) {
    std::string out;
    size_t pos = 0;
    bool first = true;
    while (pos < m.size()) {
        size_t eol = m.find('\n', pos);
        size_t end = eol == std::string::npos ? m.size() : eol + 1;
        std::string line = m.substr(pos, end - pos);
        if (line == "\r\n" || line == "\n") {  // the body follows unchanged
            out += m.substr(pos);
            return out;
        }
        size_t colon = line.find(':');
        if (!first && line[0] != ' ' && line[0] != '\t' && colon != std::string::npos)
            line = f(line.substr(0, colon)) + line.substr(colon);
        out += line;
        first = false;
        pos = end;
    }
    return out;
}

std::string compact_names(const std::string& m) {
    static const std::map<std::string, std::string> kCompact = {{"Via", "v"},  {"Call-ID", "i"}, {"Contact", "m"},
                                                                {"From", "f"}, {"To", "t"},      {"Content-Length", "l"},
                                                                {"Content-Type", "c"}, {"Supported", "k"}};
    return rename_headers(m, [](const std::string& n) {
        auto it = kCompact.find(n);
        return it == kCompact.end() ? n : it->second;
    });
}

std::string recase_names(const std::string& m, bool upper) {
    return rename_headers(m, [upper](std::string n) {
        for (char& c : n) c = char(upper ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
        return n;
    });
}

std::string bare_lf(const std::string& m) {
    std::string out;
    for (size_t i = 0; i < m.size(); ++i)
        if (!(m[i] == '\r' && i + 1 < m.size() && m[i + 1] == '\n')) out += m[i];
    return out;
}

std::string replaced(std::string m, const std::string& from, const std::string& to) {
    size_t pos = m.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) m.replace(pos, from.size(), to);
    return m;
}

// ---- The fixture ------------------------------------------------------------------

class SipRules : public ::testing::Test {
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

    std::set<uint32_t> ids(std::string_view text) {
        MatchSet m;
        EXPECT_TRUE(set_->scan(scratch_, Field::kMessage, text, m));
        std::set<uint32_t> out;
        m.for_each([&](size_t i) { out.insert(set_->rule(i).id); });
        return out;
    }
    std::set<std::string> tags(std::string_view text) {
        std::set<std::string> out;
        for (auto id : ids(text)) out.insert(rule(id).label());
        return out;
    }
    static const Rule& rule(uint32_t id) {
        auto i = set_->index_of(id);
        EXPECT_TRUE(i) << id;
        return set_->rule(i ? *i : 0);
    }
    bool has(std::string_view text, uint32_t id) { return ids(text).count(id) > 0; }

    static std::shared_ptr<const RuleSet> set_;
    Scratch scratch_;
};
std::shared_ptr<const RuleSet> SipRules::set_;

using Ids = std::set<uint32_t>;
using Tags = std::set<std::string>;

TEST_F(SipRules, FileCompilesWithUniqueRulesAndEveryDiagnosisTag) {
    EXPECT_EQ(set_->source(), kRulesPath);
    std::set<uint32_t> seen_ids;
    std::set<std::string> seen_names, labels;
    for (const Rule& r : set_->rules()) {
        EXPECT_TRUE(seen_ids.insert(r.id).second) << r.id;
        EXPECT_TRUE(seen_names.insert(r.name).second) << r.name;
        EXPECT_GE(r.id, 2000u) << "SIP rules use ids 2000+ (identity rules: 1001+)";
        EXPECT_LT(r.id, 3000u);
        EXPECT_EQ(r.field_mask, 1u << unsigned(Field::kMessage)) << r.id << ": SIP rules scan whole messages";
        EXPECT_FALSE(r.tag.empty()) << r.id << ": SIP rules set tags";
        EXPECT_GT(r.description.size(), 20u) << r.id;
        EXPECT_FALSE(r.patterns.empty()) << r.id;
        labels.insert(r.label());
    }
    // Every tag the SIP call diagnosis reads (SipTag), by the name it reads it under.
    for (uint32_t bit = 0; bit < kTagCount; ++bit) {
        const std::string tag(sip_tag_name(SipTag(1u << bit)));
        ASSERT_FALSE(tag.empty()) << bit;
        EXPECT_TRUE(labels.count(tag)) << "no rule sets " << tag;
        EXPECT_TRUE(set_->find_label(tag)) << tag;
        EXPECT_EQ(sip_tag_from_name(tag), 1u << bit) << tag;
    }
    // And the informational tags are not ones it reads.
    for (const char* tag : {"warning_399", "cucm_agent", "call_leg_missing", "declined"}) {
        EXPECT_TRUE(labels.count(tag)) << tag;
        EXPECT_EQ(sip_tag_from_name(tag), 0u) << tag;
    }
    // Every pattern went through Hyperscan: all of them are in the database.
    size_t patterns = 0;
    for (const Rule& r : set_->rules()) patterns += r.patterns.size();
    EXPECT_EQ(set_->pattern_count(Field::kMessage), patterns);
    EXPECT_EQ(set_->pattern_count(Field::kSan), 0u);
}

TEST_F(SipRules, RulesThatAreEvidenceCarryRemediation) {
    for (uint32_t id : {2001u, 2002u, 2040u, 2041u, 2110u, 2111u}) EXPECT_GT(rule(id).remediation.size(), 40u) << id;
    EXPECT_EQ(rule(2001).severity, 3);
    EXPECT_EQ(rule(2002).severity, 3);
    EXPECT_NE(rule(2001).remediation.find("Preloaded SIP routes"), std::string::npos);
    EXPECT_NE(rule(2002).remediation.find("Early Offer"), std::string::npos);
    EXPECT_NE(rule(2111).remediation.find("18000"), std::string::npos);
    for (uint32_t id : {2010u, 2011u, 2020u, 2021u, 2022u, 2023u, 2030u, 2050u, 2051u, 2052u}) {
        EXPECT_EQ(rule(id).severity, 1) << id << ": facts, not failures";
        EXPECT_TRUE(rule(id).remediation.empty()) << id;
    }
}

TEST_F(SipRules, ConditionsRestrictTheWarningRulesToTheirResponses) {
    const Conditions& policy = rule(2001).conditions;
    ASSERT_TRUE(policy.status_min);
    EXPECT_EQ(*policy.status_min, 403);
    EXPECT_EQ(*policy.status_max, 404);
    EXPECT_TRUE(policy.methods.empty());
    EXPECT_EQ(policy.direction, Conditions::Direction::kAny);
    const Conditions& invalid = rule(2002).conditions;
    ASSERT_TRUE(invalid.status_min);
    EXPECT_EQ(*invalid.status_min, 400);
    EXPECT_EQ(*invalid.status_max, 699);
    // The rest hold wherever their pattern does (requests-only rules say so in
    // their pattern: a response's start line is not a method).
    for (const Rule& r : set_->rules()) {
        if (r.id == 2001 || r.id == 2002) continue;
        EXPECT_TRUE(r.conditions.empty()) << r.id;
    }
}

TEST_F(SipRules, GuideMessagesMatchExactlyTheirRules) {
    for (const Case& c : kGuideCases) EXPECT_EQ(ids(*c.msg), c.ids) << c.name << "\n" << *c.msg;
}

TEST_F(SipRules, GuideMessagesInDiagnosisTags) {
    EXPECT_EQ(tags(kIn4NotFound), (Tags{"policy_response", "from_webex", "expressway_agent", "warning_399"}));
    EXPECT_EQ(tags(kOut3NotFound), (Tags{"policy_response", "expressway_agent", "warning_399"}));
    EXPECT_EQ(tags(kCmr500), (Tags{"invalid_content_far_end", "expressway_agent", "webex_agent", "warning_399"}));
    EXPECT_EQ(tags(kBi1Ok), (Tags{"audio_rejected", "webex_agent"}));
    EXPECT_EQ(tags(kBi1Bye), (Tags{"no_resource_cause", "cucm_agent"}));
    EXPECT_EQ(tags(kIn5Ingress), (Tags{"from_webex", "call_type_squared"}));
}

// What separates IN-4 from OUT-3 (same 404 and Warning): the direction facts.
TEST_F(SipRules, DirectionFactsDoNotLeakBetweenRequestsAndResponses) {
    // The inbound 404's request went to an on-prem user: no webex_call_uri, on
    // neither the INVITE nor its 404.
    EXPECT_FALSE(has(kIn4Invite, 2010));
    EXPECT_FALSE(has(kIn4NotFound, 2010));
    // A response's To in *.call.ciscospark.com is not a Request-URI.
    EXPECT_FALSE(has(kOut3NotFound, 2010));
    EXPECT_FALSE(has(kOut4Forbidden, 2010));
    // The outbound INVITE's Via says egress-zone=HybridCallServicesDNS: leaving
    // towards Webex is not coming from it.
    EXPECT_EQ(tags(kBi1Invite).count("from_webex"), 0u);
    // Webex's 200 OK has a wbx2.com Contact and Record-Route: it answers, the
    // request did not come from Webex.
    EXPECT_EQ(tags(kBi1Ok).count("from_webex"), 0u);
    // The seed 003 INVITE's To is in webex.com; only the Request-URI counts.
    std::string to_only = replaced(kCmrInviteInside, "INVITE sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0",
                                   "INVITE sip:34IBJumtlZRvmrI5t7WQjMhA@172.28.21.110 SIP/2.0");
    EXPECT_EQ(ids(to_only), Ids{2101});
}

TEST_F(SipRules, RequestUriHostsAreWholeNames) {
    auto invite_to = [](const std::string& uri) {
        return sip({("INVITE " + uri + " SIP/2.0").c_str(), "Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK1",
                    "Call-ID: 1@10.0.0.1", "CSeq: 1 INVITE", "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>"});
    };
    for (const char* uri : {"sip:pstojano-test@dmzlab.call.ciscospark.com", "sips:bob@example.call.ciscospark.com:5062",
                            "sip:bob@DMZLAB.CALL.CISCOSPARK.COM", "SIP:bob@dmzlab.call.ciscospark.com;transport=tls",
                            "sip:bob@a.b.call.ciscospark.com?subject=x", "sip:dmzlab.call.ciscospark.com",
                            "sip:+15551234;phone-context=x@dmzlab.call.ciscospark.com;user=phone"})
        EXPECT_EQ(ids(invite_to(uri)), Ids{2010}) << uri;
    for (const char* uri : {"sip:bob@dmzlab.call.ciscospark.com.attacker.net", "sip:bob@evil-call.ciscospark.com",
                            "sip:dmzlab.call.ciscospark.com@attacker.net", "sip:bob@call.ciscospark.com",
                            "sip:bob@dmzlab.call.ciscospark.co", "sip:bob@dmzlab.callxciscospark.com",
                            "sip:a@dmzlab.call.ciscospark.com;x=@attacker.net", "tel:+15551234",
                            "sip:bob@rtp.ciscotac.net", "sip:bob@webex.com.attacker.net"})
        EXPECT_EQ(ids(invite_to(uri)), Ids{}) << uri;
    EXPECT_EQ(ids(invite_to("sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com")), Ids{2011});
    EXPECT_EQ(ids(invite_to("sips:room@Company.WebEx.com:5061")), Ids{2011});
    EXPECT_EQ(ids(invite_to("sip:room@company.webex.com.cn")), Ids{});
    // The request line has to be one: method SP URI SP SIP/2.0.
    EXPECT_EQ(ids("INVITE  sip:bob@dmzlab.call.ciscospark.com SIP/2.0\r\n"), Ids{});
    EXPECT_EQ(ids("INVITE sip:bob@dmzlab.call.ciscospark.com HTTP/1.1\r\n"), Ids{});
    EXPECT_EQ(ids("X sip:bob@dmzlab.call.ciscospark.com SIP/2.0\r\n"), Ids{2010});  // any method token
    EXPECT_EQ(ids("SIP/2.0 200 OK sip:bob@dmzlab.call.ciscospark.com SIP/2.0\r\n"), Ids{});
}

TEST_F(SipRules, FromWebexLookAlikesAreNot) {
    auto with_from = [](const std::string& from) {
        return sip({"INVITE sip:bob@rtp.ciscotac.net SIP/2.0", "Via: SIP/2.0/TLS 10.0.0.1:5062;branch=z9hG4bK1",
                    "Call-ID: 1@10.0.0.1", "CSeq: 1 INVITE", from.c_str(), "To: <sip:bob@rtp.ciscotac.net>"});
    };
    for (const char* from : {"From: \"Jonathan Robb\" <sip:jorobb@dmzlab.call.ciscospark.com>;tag=540300020",
                             "From: <sips:jorobb@dmzlab.call.ciscospark.com:5062;transport=tls>;tag=1",
                             "From: Jonathan Robb <sip:jorobb@DmzLab.Call.CiscoSpark.com>;tag=1",
                             "From: sip:jorobb@dmzlab.call.ciscospark.com;tag=1",
                             "From: \"Robb, \\\"JR\\\"\" <sip:jorobb@dmzlab.call.ciscospark.com>;tag=1",
                             "FROM:\t<sip:jorobb@dmzlab.call.ciscospark.com>;tag=1",
                             "f: <sip:jorobb@dmzlab.call.ciscospark.com>;tag=1"})
        EXPECT_EQ(ids(with_from(from)), Ids{2021}) << from;
    for (const char* from : {"From: <sip:jorobb@evil.call.ciscospark.com.attacker.net>;tag=1",
                             "From: \"jorobb@dmzlab.call.ciscospark.com\" <sip:evil@attacker.net>;tag=1",
                             "From: \"<sip:jorobb@dmzlab.call.ciscospark.com>\" <sip:evil@attacker.net>;tag=1",
                             "From: <sip:dmzlab.call.ciscospark.com@attacker.net>;tag=1",
                             "From: sip:evil@attacker.net;x=dmzlab.call.ciscospark.com",
                             "From: <sip:evil@attacker.net>;tag=1;display=sip:a@dmzlab.call.ciscospark.com",
                             "From: <sip:5010@rtp.ciscotac.net>;tag=1",
                             "X-From: <sip:jorobb@dmzlab.call.ciscospark.com>;tag=1",
                             "Referred-By: <sip:jorobb@dmzlab.call.ciscospark.com>"})
        EXPECT_EQ(ids(with_from(from)), Ids{}) << from;
    // Contact and Record-Route only count in requests.
    std::string contact_ok = replaced(kBi1Ok, "SIP/2.0 200 OK", "SIP/2.0 180 Ringing");
    EXPECT_EQ(tags(contact_ok).count("from_webex"), 0u);
    EXPECT_EQ(ids(with_from("Record-Route: <sip:l2sip-cfa-01.wbx2.com:5062;transport=tls;lr>")), Ids{2023});
    EXPECT_EQ(ids(with_from("Record-Route: <sip:a@10.0.0.1;lr>, <sip:l2sip-cfa-01.wbx2.com;lr>")), Ids{2023});
    EXPECT_EQ(ids(with_from("Record-Route: <sip:l2sip-cfa-01.wbx2.com.attacker.net;lr>")), Ids{});
    EXPECT_EQ(ids(with_from("Route: <sip:l2sip-cfa-01.wbx2.com;lr>")), Ids{});  // our route towards Webex
    EXPECT_EQ(ids(with_from("Contact: <sip:l2sip-UA@l2sip-cfa-01.wbx2.com.attacker.net:5062>")), Ids{});
    EXPECT_EQ(ids(with_from("m: \"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>")), Ids{2022});
    // Another zone's ingress is not Webex; the value is a token, whole.
    EXPECT_EQ(ids(with_from("Via: SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bK2;ingress-zone=HybridCallServicesDNS2")), Ids{});
    EXPECT_EQ(ids(with_from("Via: SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bK2;egress-zone=HybridCallServicesDNS")), Ids{});
    EXPECT_EQ(ids(with_from("v: SIP/2.0/TLS 10.0.0.2:5061;branch=z9hG4bK2 ; INGRESS-ZONE = hybridcallservicesdns")),
              Ids{2020});
}

TEST_F(SipRules, HeadersAreOnlyHeaders) {
    // The 404's Warning moved into a text body: not a header any more.
    const std::string body = "Warning: 399 192.168.1.5:5061 \"Policy Response\"\r\n";
    std::string in_body = sip({"SIP/2.0 404 Not Found", "Via: SIP/2.0/TLS 192.168.1.6:7003;branch=z9hG4bK1",
                               "Call-ID: 1@127.0.0.1", "CSeq: 1 INVITE", "From: <sip:a@rtp.ciscotac.net>;tag=1",
                               "To: <sip:b@rtp.ciscotac.net>;tag=2", "Content-Type: text/plain"},
                              body);
    EXPECT_EQ(ids(in_body), Ids{});
    // Inside another header's value, or as a folded continuation of one.
    EXPECT_EQ(ids(replaced(kIn4NotFound, "Warning: 399", "X-Note: Warning: 399")), (Ids{2020, 2021, 2050}));
    EXPECT_EQ(ids(replaced(kIn4NotFound, "\r\nWarning: 399", "\r\n Warning: 399")), (Ids{2020, 2021, 2050}));
    // The same body lines after SDP: m=audio 0 counts only in the body.
    EXPECT_FALSE(has(sip({"SIP/2.0 200 OK", "Subject: m=audio 0 RTP/SAVP *", "m=audio 0 RTP/SAVP *"}), 2041));
    EXPECT_TRUE(has(sip({"SIP/2.0 200 OK", "Content-Type: application/sdp"}, "v=0\r\nm=audio 0 RTP/SAVP *\r\n"), 2041));
    // Reason and agents in a body are not headers either.
    EXPECT_EQ(ids(sip({"BYE sip:a@10.0.0.1 SIP/2.0", "Content-Type: message/sipfrag"},
                      "SIP/2.0 200 OK\r\nReason: Q.850 ;cause=47\r\nUser-Agent: Cisco-L2SIP\r\nServer: TANDBERG/4135 (X8.10.2)\r\n")),
              Ids{});
}

TEST_F(SipRules, CompactAndRecasedHeaderNamesMatchTheSame) {
    for (const Case& c : kGuideCases) {
        EXPECT_EQ(ids(compact_names(*c.msg)), c.ids) << c.name << " compact\n" << compact_names(*c.msg);
        EXPECT_EQ(ids(recase_names(*c.msg, true)), c.ids) << c.name << " upper";
        EXPECT_EQ(ids(recase_names(*c.msg, false)), c.ids) << c.name << " lower";
    }
    // The rewrites did rewrite.
    EXPECT_NE(compact_names(kIn5Ingress).find("\r\nm: \"l2sip-UA\""), std::string::npos);
    EXPECT_NE(compact_names(kIn4Invite).find("\r\nf: \"pstojano test\""), std::string::npos);
    EXPECT_NE(recase_names(kIn4NotFound, true).find("\r\nWARNING: 399"), std::string::npos);
}

TEST_F(SipRules, QuotedTextAndSdpAreCaseSensitive) {
    EXPECT_FALSE(has(replaced(kOut3NotFound, "\"Policy Response\"", "\"policy response\""), 2001));
    EXPECT_FALSE(has(replaced(kCmr500, "\"CiscoWebEx\" <sip:webex.com>", "\"ciscowebex\" <sip:webex.com>"), 2052));
    EXPECT_FALSE(has(replaced(kBi1Ok, "m=audio 0 RTP", "M=AUDIO 0 RTP"), 2041));
}

TEST_F(SipRules, BareLfMessagesMatchTheSame) {
    for (const Case& c : kGuideCases) EXPECT_EQ(ids(bare_lf(*c.msg)), c.ids) << c.name;
}

TEST_F(SipRules, FoldedHeaderValues) {
    EXPECT_TRUE(has(replaced(kOut3NotFound, "Warning: 399", "Warning:\r\n 399"), 2001));
    EXPECT_TRUE(has(replaced(kIn4Invite, "From: \"pstojano test\" <sip:", "From: \"pstojano test\"\r\n\t<sip:"), 2021));
    EXPECT_TRUE(has(replaced(kBi1Bye, "Reason: Q.850 ;cause=47", "Reason:\r\n  Q.850\r\n ;cause=47"), 2040));
    EXPECT_TRUE(has(replaced(kIn4Invite, ";rport=35464;ingress-zone=", ";rport=35464\r\n ;ingress-zone="), 2020));
}

TEST_F(SipRules, Q850Cause47Exactly) {
    auto bye = [](const std::string& reason) {
        return sip({"BYE sip:192.168.1.6:5071;transport=tls SIP/2.0", "CSeq: 102 BYE", reason.c_str()});
    };
    for (const char* r : {"Reason: Q.850 ;cause=47", "Reason: Q.850;cause=47", "reason: q.850 ; CAUSE = 47",
                          "Reason: Q.850;text=\"No resource\";cause=47", "Reason: SIP;cause=200;text=\"x\", Q.850;cause=47",
                          "Reason: Q.850;cause=47;text=\"Resource unavailable, unspecified\""})
        EXPECT_EQ(ids(bye(r)), Ids{2040}) << r;
    for (const char* r : {"Reason: Q.850 ;cause=470", "Reason: Q.850 ;cause=4", "Reason: Q.850 ;cause=16",
                          "Reason: SIP ;cause=47", "Reason: Q.8500;cause=47", "Reason: Q.850;x-cause=47",
                          "X-Reason: Q.850 ;cause=47"})
        EXPECT_EQ(ids(bye(r)), Ids{}) << r;
}

TEST_F(SipRules, AudioPortZeroNotPayloadTypeZero) {
    auto answer = [](const std::string& m) {
        return sip({"SIP/2.0 200 OK", "CSeq: 101 INVITE", "Content-Type: application/sdp"},
                   "v=0\r\no=linus 0 1 IN IP4 146.20.193.109\r\ns=-\r\nc=IN IP4 146.20.193.109\r\nt=0 0\r\n" + m + "\r\n");
    };
    EXPECT_TRUE(has(answer("m=audio 0 RTP/SAVP *"), 2041));
    EXPECT_TRUE(has(answer("m=audio 0 RTP/AVP 0 8"), 2041));
    EXPECT_TRUE(has(answer("m=video 33512 RTP/SAVP 108\r\nm=audio 0 RTP/SAVP *"), 2041));
    for (const char* m : {"m=audio 49170 RTP/AVP 0", "m=audio 52668 RTP/SAVP 18 101", "m=video 0 RTP/SAVP *",
                          "m=audio 01 RTP/AVP 0", "a=m=audio 0 RTP/AVP 0"})
        EXPECT_FALSE(has(answer(m), 2041)) << m;
}

TEST_F(SipRules, AgentsAreTheProductsNamed) {
    auto from_agent = [](const std::string& h) { return sip({"SIP/2.0 200 OK", "CSeq: 1 INVITE", h.c_str()}); };
    EXPECT_EQ(ids(from_agent("Server: TANDBERG/4135 (X8.10.2)")), Ids{2050});
    EXPECT_EQ(ids(from_agent("User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)")), Ids{2050});
    EXPECT_EQ(ids(from_agent("user-agent: TANDBERG/4352 (X14.3.1)")), Ids{2050});
    EXPECT_EQ(ids(from_agent("User-Agent: TANDBERG/529 (ce9.15.3.22)")), Ids{});  // an endpoint, not an Expressway
    EXPECT_EQ(ids(from_agent("User-Agent: TANDBERG/516 (TC7.3.6.c2d6a19)")), Ids{});
    EXPECT_EQ(ids(from_agent("User-Agent: Cisco-L2SIP")), Ids{2051});
    EXPECT_EQ(ids(from_agent("Server: Cisco-L2SIP/1.2")), Ids{2051});
    EXPECT_EQ(ids(from_agent("User-Agent: Cisco-L2SIPX")), Ids{});
    EXPECT_EQ(ids(from_agent("X-User-Agent: Cisco-L2SIP")), Ids{});
    EXPECT_EQ(ids(from_agent("P-Asserted-Identity: \"CiscoWebEx\" <sip:webex.com>")), Ids{2052});
    EXPECT_EQ(ids(from_agent("P-Asserted-Identity: \"Cisco WebEx\" <sip:webex.com>")), Ids{});
    EXPECT_EQ(ids(from_agent("User-Agent: Cisco-CUCM11.5")), Ids{2101});
    EXPECT_EQ(ids(from_agent("User-Agent: Cisco-CUCMX")), Ids{});
}

TEST_F(SipRules, WarningCodesAndTexts) {
    auto with_warning = [](const std::string& status, const std::string& w) {
        return sip({status.c_str(), "CSeq: 101 INVITE", w.c_str()});
    };
    EXPECT_EQ(ids(with_warning("SIP/2.0 404 Not Found", "Warning: 399 192.168.1.6:7003 \"Policy Response\"")),
              (Ids{2001, 2100}));
    EXPECT_EQ(ids(with_warning("SIP/2.0 404 Not Found", "Warning: 399 amer-expressway01 \"Policy Response\"")),
              (Ids{2001, 2100}));
    EXPECT_EQ(ids(with_warning("SIP/2.0 404 Not Found",
                               "Warning: 370 10.0.0.1 \"Insufficient bandwidth\", 399 10.0.0.2 \"Policy Response\"")),
              (Ids{2001, 2100}));
    EXPECT_EQ(ids(with_warning("SIP/2.0 404 Not Found", "Warning: 301 192.168.1.6 \"Policy Response\"")), Ids{});
    EXPECT_EQ(ids(with_warning("SIP/2.0 404 Not Found", "Warning: 3990 192.168.1.6 \"Policy Response\"")), Ids{});
    EXPECT_EQ(ids(with_warning("SIP/2.0 404 Not Found", "Warning: 399 \"Policy Response\"")), Ids{2100});  // no agent
    EXPECT_EQ(ids(with_warning("SIP/2.0 500 Server Error", "Warning: 399 h \"Invalid content in far end 200 OK\"")),
              (Ids{2002, 2100}));
    EXPECT_EQ(ids(with_warning("SIP/2.0 500 Server Error", "Warning: 399 h \"Invalid content\"")), Ids{2100});
}

// Patterns match; whether a rule holds is also its conditions, which the SIP
// analyzer checks against the message's status (a 500 with "Policy Response"
// matches 2001's pattern, and 2001 then does not hold for it).
TEST_F(SipRules, PolicyResponseOnAnotherStatusIsLeftToTheCondition) {
    std::string on_500 = replaced(kOut3NotFound, "SIP/2.0 404 Not Found", "SIP/2.0 500 Server Internal Error");
    ASSERT_TRUE(has(on_500, 2001));
    const Conditions& c = rule(2001).conditions;
    EXPECT_FALSE(500 >= *c.status_min && 500 <= *c.status_max);
    EXPECT_TRUE(403 >= *c.status_min && 404 <= *c.status_max);
}

// Every prefix of every guide message scans, and matches no rule the whole
// message does not (a cut message never invents evidence).
TEST_F(SipRules, TruncatedMessagesNeverMatchMore) {
    size_t scans = 0;
    for (const Case& c : kGuideCases) {
        for (size_t n = 0; n <= c.msg->size(); ++n) {
            std::set<uint32_t> got = ids(std::string_view(*c.msg).substr(0, n));
            for (uint32_t id : got) EXPECT_TRUE(c.ids.count(id)) << c.name << " cut at " << n << " matched " << id;
            ++scans;
        }
        EXPECT_EQ(ids(*c.msg), c.ids);
    }
    EXPECT_GT(scans, 10000u);
}

TEST_F(SipRules, HostileBytesScanSafely) {
    // Long header lines, NULs, lone CRs, an endless fold: scans complete and
    // match nothing they should not.
    std::string huge = "INVITE sip:a@b SIP/2.0\r\nVia: " + std::string(60000, 'x') + "\r\n\r\n";
    EXPECT_EQ(ids(huge), Ids{});
    std::string nul = kIn4NotFound;
    nul[nul.find("Warning")] = '\0';
    EXPECT_EQ(ids(nul), (Ids{2020, 2021, 2050}));
    EXPECT_EQ(ids(replaced(kIn4NotFound, "\r\nWarning", "\rWarning")), (Ids{2020, 2021, 2050}));
    std::string folds = "SIP/2.0 404 Not Found\r\nWarning:";
    for (int i = 0; i < 5000; ++i) folds += "\r\n ";
    EXPECT_TRUE(has(folds + "399 h \"Policy Response\"\r\n\r\n", 2001));
    std::string too_big(kMaxScanBytes + 1, 'a');
    MatchSet m;
    EXPECT_FALSE(set_->scan(scratch_, Field::kMessage, too_big, m));
}

TEST_F(SipRules, CachedDatabaseAnswersTheSame) {
    char dir_tmpl[] = "/tmp/cs-siprules-XXXXXX";
    ASSERT_NE(mkdtemp(dir_tmpl), nullptr);
    const std::string cache = std::string(dir_tmpl) + "/sip.hsdb";
    std::string err;
    auto first = load_rule_set(kRulesPath, {cache}, &err);
    ASSERT_TRUE(first) << err;
    EXPECT_TRUE(first->cache_written()) << first->cache_note();
    auto second = load_rule_set(kRulesPath, {cache}, &err);
    ASSERT_TRUE(second) << err;
    EXPECT_EQ(second->cache_outcome(), CacheOutcome::kHit) << second->cache_note();
    Scratch s = second->make_scratch();
    for (const Case& c : kGuideCases) {
        MatchSet a, b;
        ASSERT_TRUE(set_->scan(scratch_, Field::kMessage, *c.msg, a));
        ASSERT_TRUE(second->scan(s, Field::kMessage, *c.msg, b));
        EXPECT_EQ(a, b) << c.name;
    }
    std::remove(cache.c_str());
    ::rmdir(dir_tmpl);
}

}  // namespace
}  // namespace cs
