// SIP parser, fed with messages real peers sent: the troubleshooting guide's
// Expressway, Unified CM and Webex messages (reconstructed from the seed logs:
// log wraps joined, OCR damage such as "CSeqg" and "£" repaired, values the
// log elided filled in and marked), the RFC 4475 torture messages, and
// malformed, truncated and hostile versions of them. Stream framing is held to
// every truncation point and every segmentation of real messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "workers/sdp_parser.h"
#include "workers/sip_parser.h"

using namespace cs;
using namespace std::string_literals;

namespace {

// Test texts are written with LF line ends; the wire has CR LF.
std::string crlf(std::string_view lf_text) {
    std::string out;
    for (char c : lf_text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

// A message from its header lines (LF ends, without Content-Length) and body:
// Content-Length is the body's real length.
std::string with_body(std::string_view head, std::string_view body_lf) {
    const std::string body = crlf(body_lf);
    return crlf(head) + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// Keeps a parsed text alive to the end of the test binary: the message's views
// point into it (deque elements never move).
std::string_view keep(std::string text) {
    static std::deque<std::string> texts;
    return texts.emplace_back(std::move(text));
}

SipMessage parse_ok(std::string_view owned) {
    const std::string_view text = keep(std::string(owned));
    SipMessage m;
    const char* why = nullptr;
    EXPECT_EQ(parse_sip_message(bytes(text), m, &why), SipParseStatus::kOk) << (why ? why : "");
    return m;
}

// ---- the guide's messages ----------------------------------------------------------

// IN-4: the INVITE the Expressway-C received from the Expressway-E (captures
// §1.6.1), with the empty Route the log shows. Content-Length added: the log
// excerpt stops at the Record-Route headers.
const std::string kIn4Invite = crlf(
    "INVITE sip:jorobb@rtp.ciscotac.net SIP/2.0\n"
    "Via: SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bKc81c6cddddef7edbbe5bdce9868fb019913;proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d; rport\n"
    "Via: SIP/2.0/TLS 192.168.1.6:5073;branch=z9hG4bKb0eba6d700dfdf761a8ad97fff3c240124;x-cisco-local-service=nettle;received=192.168.1.6;rport=43119; ingress-zone=DefaultZone\n"
    "Via: SIP/2.0/TLS 64.102.241.236:5061;egress-zone=DefaultZone;branch=z9hG4bK6fe399bae58fb0d70c9d69b8e37e13e5912.4248943487bff4af6f649b586c7696bb;proxy-call-id=f2d15853-c81f-462f-b3e5-c08124f344a3;received=172.16.2.2;rport=25016\n"
    "Via: SIP/2.0/TLS 192.168.5.66:5062;branch=z9hG4bK0f455ca79cf1b0af5637333aa5286436;received=146.20.193.45;rport=35464 ; ingress-zone=HybridCallServicesDNS\n"
    "Via: SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-383039-8ff0d64025c04d23b6d5e1d5142dbdbec; rport=52706\n"
    "Call-ID: 9062bca7eca2afe71b4a225048ed5101@127.0.0.1\n"
    "CSeq: 1 INVITE\n"
    "Contact: <sip:192.168.1.6:5073;transport=tls>;call-type=squared\n"
    "From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=872524918\n"
    "To: <sip:jorobb@rtp.ciscotac.net>\n"
    "Max-Forwards: 15\n"
    "Route:\n"
    "Record-Route: <sip:proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d@192.168.1.6:7003; transport=tls;lr>\n"
    "Record-Route: <sip:proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d@192.168.1.6:5061; transport=tls;lr>\n"
    "Content-Length: 0\n"
    "\n");

// IN-4: the 404 the Expressway-C sent back (captures §1.6.1, guide IN-4 vectors).
// "[... same Via stack as the INVITE ...]" filled with the INVITE's lower Vias.
const std::string kIn4NotFound = crlf(
    "SIP/2.0 404 Not Found\n"
    "Via: SIP/2.0/TLS 192.168.1.6:7003;egress-zone=HybridCallServiceTraversal;branch=z9hG4bKc81c6cddddef7edbbe5bdce9868fb019913;proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d;received=192.168.1.6;rport=7003;ingress-zone=HybridCallServiceTraversal\n"
    "Via: SIP/2.0/TLS 192.168.1.6:5073;branch=z9hG4bKb0eba6d700dfdf761a8ad97fff3c240124;x-cisco-local-service=nettle;received=192.168.1.6;rport=43119;ingress-zone=DefaultZone\n"
    "Via: SIP/2.0/TLS 64.102.241.236:5061;egress-zone=DefaultZone;branch=z9hG4bK6fe399bae58fb0d70c9d69b8e37e13e5912.4248943487bff4af6f649b586c7696bb;proxy-call-id=f2d15853-c81f-462f-b3e5-c08124f344a3;received=172.16.2.2;rport=25016\n"
    "Via: SIP/2.0/TLS 192.168.5.66:5062;branch=z9hG4bK0f455ca79cf1b0af5637333aa5286436;received=146.20.193.45;rport=35464;ingress-zone=HybridCallServicesDNS\n"
    "Via: SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-383039-8ff0d64025c04d23b6d5e1d5142dbdbec;rport=52706\n"
    "Call-ID: 9062bca7eca2afe71b4a225048ed5101@127.0.0.1\n"
    "CSeq: 1 INVITE\n"
    "From: \"pstojano test\" <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=872524918\n"
    "To: <sip:jorobb@rtp.ciscotac.net>;tag=96b9a0eaf669a590\n"
    "Server: TANDBERG/4135 (X8.10.2)\n"
    "Warning: 399 192.168.1.5:5061 \"Policy Response\"\n"
    "Session-ID: 00000000000000000000000000000000;remote=daf7c278732bb5a557fb57925dffcbf7\n"
    "Content-Length: 0\n"
    "\n");

// IN-5: the INVITE from Webex on the outside hop (captures §1.6.2, guide §9):
// two Vias in one header, a preloaded Route list. To (blank in the OCR) is the
// Request-URI; Content-Length added.
const std::string kWebexInvite = crlf(
    "INVITE sip:pstojano-test@rtp.ciscotac.net SIP/2.0\n"
    "Via: SIP/2.0/TLS 192.168.5.164:5062;branch=z9hG4bK564cd36d87f3417513c9b559dc666f71,SIP/2.0/TLS 127.0.0.1:5070;branch=z9hG4bK-3237-5c5060d07ecc546a0bb861ef52a5f507;rport=43306\n"
    "Call-ID: 6bc0ca8210c0b48df69f38057ec1e48b@127.0.0.1\n"
    "CSeq: 1 INVITE\n"
    "Contact: \"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>;call-type=squared\n"
    "From: \"Jonathan Robb\" <sip:jorobb@dmzlab.call.ciscospark.com>;tag=540300020\n"
    "To: <sip:pstojano-test@rtp.ciscotac.net>\n"
    "Max-Forwards: 70\n"
    "Route: <sip:l2sip@64.102.241.236:5062;transport=tls;lr>,<sip:cucm.rtp.ciscotac.net;lr>\n"
    "Content-Length: 0\n"
    "\n");

// OUT-5 / BI-1: the offer the Expressway-E sent to Webex (G.729 + DTMF only, and
// video). The SRTP keys the guide elides ("inline:…") are made up here.
const char kG729Offer[] =
    "v=0\n"
    "o=tandberg 0 1 IN IP4 64.102.241.236\n"
    "s=-\n"
    "c=IN IP4 64.102.241.236\n"
    "b=AS:384\n"
    "t=0 0\n"
    "m=audio 52668 RTP/SAVP 18 101\n"
    "a=rtpmap:18 G729/8000\n"
    "a=fmtp:18 annexb=no\n"
    "a=rtpmap:101 telephone-event/8000\n"
    "a=fmtp:101 0-15\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^48\n"
    "a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:cHJpbnQgIkhlbGxvLCB3b3JsZCEiOyBleGl0OyAK|2^48 UNENCRYPTED_SRTCP\n"
    "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:ZXhwcmVzc3dheS1lIG9mZmVyIHRlc3Qga2V5IDMh|2^48\n"
    "a=crypto:4 AES_CM_128_HMAC_SHA1_32 inline:dGVzdCBrZXkgbnVtYmVyIGZvdXIgZm9yIHNydHAh|2^48 UNENCRYPTED_SRTCP\n"
    "a=sendrecv\n"
    "a=rtcp:52669 IN IP4 64.102.241.236\n"
    "m=video 52670 RTP/SAVP 126 97\n"
    "b=TIAS:384000\n"
    "a=rtpmap:126 H264/90000\n"
    "a=fmtp:126 profile-level-id=42801e;packetization-mode=1;level-asymmetry-allowed=1\n"
    "a=rtpmap:97 H264/90000\n"
    "a=fmtp:97 profile-level-id=42801e;packetization-mode=0;level-asymmetry-allowed=1\n"
    "a=rtcp-fb:* nack pli\n"
    "a=sendrecv\n"
    "a=content:main\n"
    "a=label:11\n"
    "a=rtcp:52671 IN IP4 64.102.241.236\n";

const std::string kOut5Invite = with_body(
    "INVITE sip:pstojano-test@dmzlab.call.ciscospark.com SIP/2.0\n"
    "Via: SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK323e6b15ad0cbbf409751f67848136fa1115;proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2;rport\n"
    "Call-ID: 44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21\n"
    "CSeq: 101 INVITE\n"
    "Remote-Party-ID: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;privacy=off;screen=no;party=calling\n"
    "Contact: <sip:172.16.2.2:5073;transport=tls>;video;audio\n"
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=329447~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106833\n"
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>\n"
    "Max-Forwards: 14\n"
    "Record-Route: <sip:proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2@64.102.241.236:5062;transport=tls;lr>\n"
    "Allow: INVITE,ACK,BYE,CANCEL,INFO,OPTIONS,REFER,SUBSCRIBE,NOTIFY\n"
    "User-Agent: TANDBERG/4352 (X8.10.2-b2bua-1.0)\n"
    "X-TAATag: 14a0bd87-1825-4ecf-9f3d-4a23cfa69725\n"
    "Supported: X-cisco-srtp-fallback,replaces,timer\n"
    "Session-Expires: 1800;refresher=uac\n"
    "Min-SE: 500\n"
    "Session-ID: 75957d4fb66a13e835c10737aa329445;remote=00000000000000000000000000000000\n"
    "Content-Type: application/sdp\n",
    kG729Offer);

// Webex's answer: audio zeroed, video kept (captures §1.6.6, guide BI-1).
const char kWebexAnswer[] =
    "v=0\n"
    "o=linus 0 1 IN IP4 146.20.193.109\n"
    "s=-\n"
    "c=IN IP4 146.20.193.109\n"
    "b=TIAS:384000\n"
    "t=0 0\n"
    "m=audio 0 RTP/SAVP *\n"
    "m=video 33512 RTP/SAVP 108\n"
    "a=rtpmap:108 H264/90000\n"
    "a=fmtp:108 profile-level-id=42001E;packetization-mode=1;max-mbps=40500;max-fs=1620;max-fps=3000;max-br=10000;max-dpb=3037;level-asymmetry-allowed=1\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:bGludXMgYW5zd2VyIHZpZGVvIGtleSBmb3IgdGVzdCE=|2^48\n"
    "a=label:200\n";

const std::string kWebex200 = with_body(
    "SIP/2.0 200 OK\n"
    "Via: SIP/2.0/TLS 64.102.241.236:5062;egress-zone=HybridCallServicesDNS;branch=z9hG4bK323e6b15ad0cbbf409751f67848136fa1115;proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2;rport=38245;received=192.168.5.26\n"
    "Call-ID: 44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21\n"
    "CSeq: 101 INVITE\n"
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=329447~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106833\n"
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=1311451760\n"
    "Contact: \"l2sip-UA\" <sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls>\n"
    "Record-Route: <sip:l2sip-cfa-01.wbx2.com:5062;transport=tls;lr>,<sip:proxy-call-id=a3a78ee2-c01b-4741-b29b-55aedea256d2@64.102.241.236:5062;transport=tls;lr>\n"
    "Allow: INVITE,ACK,CANCEL,BYE,REFER,INFO,OPTIONS,NOTIFY,SUBSCRIBE\n"
    "User-Agent: Cisco-L2SIP\n"
    "Supported: replaces\n"
    "Accept: application/sdp\n"
    "Allow-Events: kpml\n"
    "Session-ID: ed35426ed3ade6fdc3b058792333df2b;remote=75957d4fb66a13e835c10737aa329445\n"
    "Locus: 4711a33f-9d49-11e7-9bf6-dea12d0f2127\n"
    "Locus-Type: CALL\n"
    "Content-Type: application/sdp\n",
    kWebexAnswer);

// The Unified CM's BYE right after, cause 47 with CUCM's space before ';'
// (guide BI-1). The log gives no Via: one in the Expressway-C's style is added.
const std::string kCucmBye = crlf(
    "BYE sip:192.168.1.6:5071;transport=tls SIP/2.0\n"
    "Via: SIP/2.0/TLS 192.168.1.5:5061;egress-zone=HybridCallServiceTraversal;branch=z9hG4bK2d5c7a0b4e1f6a8c3b9d;rport\n"
    "Call-ID: 44bdd400-9c112db1-12d95-1501a8c0@192.168.1.21\n"
    "CSeq: 102 BYE\n"
    "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=329447~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30106833\n"
    "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=f3734601fb0eb541\n"
    "Max-Forwards: 69\n"
    "User-Agent: Cisco-CUCM11.5\n"
    "Date: Tue, 19 Sep 2017 14:46:09 GMT\n"
    "Reason: Q.850 ;cause=47\n"
    "Session-ID: 75957d4fb66a13e835c10737aa329445;remote=ed35426ed3ade6fdc3b058792333df2b\n"
    "Content-Length: 0\n"
    "\n");

// Seed 003 (captures §2.3), verbatim with the log wraps joined: the delayed-offer
// INVITE the Expressway-E sent to WebEx, and WebEx's 500.
const std::string kDelayedOfferInvite = crlf(
    "INVITE sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com SIP/2.0\n"
    "Via: SIP/2.0/TLS 58.162.48.4:5061;egress-zone=DNSZoneB2B;branch=z9hG4bK6f09b6c9d25bf7f92fa25e6f9a336a0b52417.3f21ed7645b445bb8e55e174caa5935c;proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1;rport\n"
    "Via: SIP/2.0/TLS 172.28.21.104:5061;egress-zone=TraversalClientB2B;branch=z9hG4bKae647bb81b403d0562281463002ad68a379858.bdfb90811a812d6a11d607f3e17095a1;proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66;received=172.28.21.104;rport=25048;ingress-zone=TraversalServerB2B\n"
    "Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK11c80762b0b051;received=172.28.21.100;ingress-zone=CUCMNeighborZoneB2B\n"
    "Call-ID: e7672380-5991e82c-e0ca3-64151cac@172.28.21.100\n"
    "CSeq: 101 INVITE\n"
    "Remote-Party-ID: \"7221.company.com.au\" <sip:172.28.21.100>;party=calling;screen=yes;privacy=off\n"
    "Contact: <sip:172.28.21.100:5560;transport=tcp>;video;audio;isFocus;sip.cisco.multistream;x-cisco-tip;+multiple-codecs-in-ans\n"
    "From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423\n"
    "To: <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>\n"
    "Max-Forwards: 14\n"
    "Record-Route: <sip:proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1@58.162.48.4:5061;transport=tls;lr>\n"
    "Record-Route: <sip:proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1@172.28.21.110:7011;transport=tls;lr>\n"
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5061;transport=tls;lr>\n"
    "Record-Route: <sip:proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66@172.28.21.104:5060;transport=tcp;lr>\n"
    "Allow: INVITE,OPTIONS,INFO,BYE,CANCEL,ACK,PRACK,UPDATE,REFER,SUBSCRIBE,NOTIFY\n"
    "User-Agent: Cisco-CUCM10.5\n"
    "Expires: 180\n"
    "Date: Mon, 06 Jul 2015 02:30:04 GMT\n"
    "Supported: timer,resource-priority,replaces,X-cisco-srtp-fallback,X-cisco-original-called\n"
    "Session-Expires: 1800\n"
    "Min-SE: 1800\n"
    "Allow-Events: presence\n"
    "X-TAATag: 4a936c0c-69a7-4fd8-a070-82b7c3ecb3ce\n"
    "Call-Info: <urn:x-cisco-remotecc:callinfo>;x-cisco-video-traffic-class=DESKTOP\n"
    "Cisco-Guid: 3882296192-0000065536-0000007914-1679105196\n"
    "Content-Length: 0\n"
    "\n");

const std::string kWebex500 = crlf(
    "SIP/2.0 500 Internal Server Error\n"
    "Via: SIP/2.0/TLS 58.162.48.4:5061;branch=z9hG4bK6f09b6c9d25bf7f92fa25e6f9a336a0b52417.3f21ed7645b445bb8e55e174caa5935c;rport=25129;egress-zone=DNSZoneB2B;proxy-call-id=b8fb1c34-d048-472b-8b41-81c96abb19d1\n"
    "Via: SIP/2.0/TLS 172.28.21.104:5061;branch=z9hG4bKae647bb81b403d0562281463002ad68a379858.bdfb90811a812d6a11d607f3e17095a1;rport=25048;egress-zone=TraversalClientB2B;proxy-call-id=fdbf1c60-62e1-4204-884a-00fe8664ee66;received=172.28.21.104;ingress-zone=TraversalServerB2B\n"
    "Via: SIP/2.0/TCP 172.28.21.100:5560;branch=z9hG4bK11c80762b0b051;received=172.28.21.100;ingress-zone=CUCMNeighborZoneB2B\n"
    "Call-ID: e7672380-5991e82c-e0ca3-64151cac@172.28.21.100\n"
    "CSeq: 101 INVITE\n"
    "From: \"7221.company.com.au\" <sip:172.28.21.100>;tag=2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423\n"
    "To: \"CiscoWebEx\" <sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com>;tag=38659d409ccec3f7\n"
    "Server: TANDBERG/4352 (X8.5.2-b2bua-1.0)\n"
    "P-Asserted-Identity: \"CiscoWebEx\" <sip:webex.com>\n"
    "Warning: 399 114.29.213.174:5071 \"Invalid content in far end 200 OK\"\n"
    "Content-Length: 0\n"
    "\n");

// RFC 4475 §3.1.1.1 "wsinv": folding, compact forms, odd case and white space
// everywhere, escaped quotes in display names.
const std::string kWsinv = crlf(
    "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\n"
    "TO :\n"
    " sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\n"
    "from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\n"
    "  ;\n"
    "  tag = 98asjd8\n"
    "MaX-fOrWaRdS: 0068\n"
    "Call-ID: wsinv.ndaksdj@192.0.2.1\n"
    "Content-Length   : 150\n"
    "cseq: 0009\n"
    "  INVITE\n"
    "Via  : SIP  /   2.0\n"
    " /UDP\n"
    "    192.0.2.2;branch=390skdjuw\n"
    "s :\n"
    "NewFangledHeader:   newfangled value\n"
    " continued newfangled value\n"
    "UnknownHeaderWithUnusualValue: ;;,,;;,;\n"
    "Content-Type: application/sdp\n"
    "Route:\n"
    " <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\n"
    "v:  SIP  / 2.0  / TCP     spindle.example.com   ;\n"
    "  branch  =   z9hG4bK9ikj8  ,\n"
    " SIP  /    2.0   / UDP  192.168.255.111   ; branch=\n"
    " z9hG4bK30239\n"
    "m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\n"
    "      newvalue ;\n"
    "  secondparam ; q = 0.33\n"
    "\n"
    "v=0\n"
    "o=mhandley 29739 7272939 IN IP4 192.0.2.3\n"
    "s=-\n"
    "c=IN IP4 192.0.2.4\n"
    "t=0 0\n"
    "m=audio 49217 RTP/AVP 0 12\n"
    "m=video 3227 RTP/AVP 31\n"
    "a=rtpmap:31 LPC\n");

std::vector<std::string_view> frames_of(std::string_view stream, uint32_t max_header = 65536,
                                        uint32_t max_body = 65536) {
    std::vector<std::string_view> out;
    size_t pos = 0;
    while (pos < stream.size()) {
        pos += sip_keepalive_bytes(bytes(stream.substr(pos)));
        if (pos == stream.size()) break;
        const SipFrame f = sip_frame(bytes(stream.substr(pos)), max_header, max_body);
        if (f.status != SipFrame::kComplete) {
            ADD_FAILURE() << "frame at " << pos << " status " << int(f.status) << (f.why ? f.why : "");
            break;
        }
        out.push_back(stream.substr(pos, f.length));
        pos += f.length;
    }
    return out;
}

}  // namespace

// ---- names ---------------------------------------------------------------------------

TEST(SipMethods, NamesAreExactAndCaseSensitive) {
    for (auto m : {SipMethod::kInvite, SipMethod::kAck, SipMethod::kBye, SipMethod::kCancel, SipMethod::kRegister,
                   SipMethod::kOptions, SipMethod::kInfo, SipMethod::kUpdate, SipMethod::kPrack, SipMethod::kSubscribe,
                   SipMethod::kNotify, SipMethod::kRefer, SipMethod::kMessage, SipMethod::kPublish}) {
        ASSERT_FALSE(sip_method_name(m).empty());
        EXPECT_EQ(sip_method_from(sip_method_name(m)), m);
    }
    EXPECT_EQ(sip_method_name(SipMethod::kUnknown), "");
    EXPECT_EQ(sip_method_from("invite"), SipMethod::kUnknown);  // RFC 3261 §7.1: methods are case-sensitive
    EXPECT_EQ(sip_method_from("INVITE "), SipMethod::kUnknown);
    EXPECT_EQ(sip_method_from(""), SipMethod::kUnknown);
}

// ---- the guide's messages --------------------------------------------------------------

TEST(SipGuide, PreloadedRouteInviteAsLogged) {
    const SipMessage m = parse_ok(kIn4Invite);
    EXPECT_TRUE(m.is_request);
    EXPECT_EQ(m.method, SipMethod::kInvite);
    EXPECT_EQ(m.method_text, "INVITE");
    EXPECT_EQ(m.request_uri, "sip:jorobb@rtp.ciscotac.net");
    ASSERT_EQ(m.via_count, 5);
    EXPECT_EQ(m.via_total, 5);
    EXPECT_EQ(m.via[0].transport, "TLS");
    EXPECT_EQ(m.via[0].sent_by, "192.168.1.6:7003");
    EXPECT_EQ(m.via[0].params.get("egress-zone"), "HybridCallServiceTraversal");
    EXPECT_EQ(m.via[0].branch(), "z9hG4bKc81c6cddddef7edbbe5bdce9868fb019913");
    bool present = false;
    EXPECT_EQ(m.via[0].params.get("rport", &present), "");  // "; rport": a flag after white space
    EXPECT_TRUE(present);
    EXPECT_EQ(m.via[1].params.get("ingress-zone"), "DefaultZone");
    EXPECT_EQ(m.via[3].sent_by, "192.168.5.66:5062");  // Webex's own hop, as the Exp-E received it
    EXPECT_EQ(m.via[3].params.get("received"), "146.20.193.45");
    EXPECT_EQ(m.via[3].params.get("rport"), "35464");
    EXPECT_EQ(m.via[3].params.get("ingress-zone"), "HybridCallServicesDNS");
    EXPECT_EQ(m.via[4].params.get("rport"), "52706");
    EXPECT_EQ(m.call_id, "9062bca7eca2afe71b4a225048ed5101@127.0.0.1");
    EXPECT_EQ(m.cseq, 1u);
    EXPECT_EQ(m.cseq_method, SipMethod::kInvite);
    EXPECT_EQ(m.contact.uri, "sip:192.168.1.6:5073;transport=tls");
    EXPECT_EQ(m.contact.params.get("call-type"), "squared");
    EXPECT_EQ(m.from.display, "pstojano test");
    EXPECT_EQ(m.from.uri, "sip:pstojano-test@dmzlab.call.ciscospark.com");
    EXPECT_EQ(m.from.tag(), "872524918");
    EXPECT_EQ(m.to.uri, "sip:jorobb@rtp.ciscotac.net");
    EXPECT_EQ(m.to.tag(), "");
    EXPECT_FALSE(m.to.params.has("tag"));
    EXPECT_EQ(m.max_forwards, 15);
    EXPECT_TRUE(m.route_header_empty);
    EXPECT_EQ(m.route_count, 0);
    EXPECT_EQ(m.record_route_count, 2);
    EXPECT_TRUE(m.has_content_length);
    EXPECT_EQ(m.content_length, 0u);
    EXPECT_TRUE(m.body.empty());
    EXPECT_FALSE(m.has_sdp());
    EXPECT_EQ(m.header_bytes, kIn4Invite.size());
    EXPECT_EQ(m.total_bytes, kIn4Invite.size());
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipGuide, PolicyResponse404) {
    const SipMessage m = parse_ok(kIn4NotFound);
    EXPECT_FALSE(m.is_request);
    EXPECT_EQ(m.status, 404);
    EXPECT_EQ(m.reason_phrase, "Not Found");
    EXPECT_EQ(m.method, SipMethod::kUnknown);
    EXPECT_EQ(m.cseq_method, SipMethod::kInvite);
    EXPECT_EQ(m.to.tag(), "96b9a0eaf669a590");
    EXPECT_EQ(m.server, "TANDBERG/4135 (X8.10.2)");
    EXPECT_EQ(m.warning, "399 192.168.1.5:5061 \"Policy Response\"");
    EXPECT_EQ(m.warning_code, 399);
    EXPECT_EQ(m.warning_agent, "192.168.1.5:5061");
    EXPECT_EQ(m.warning_text, "Policy Response");
    EXPECT_EQ(m.session_id, "00000000000000000000000000000000;remote=daf7c278732bb5a557fb57925dffcbf7");
    EXPECT_EQ(m.via_count, 5);
    EXPECT_EQ(m.via[0].params.get("received"), "192.168.1.6");
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipGuide, WebexInviteWithCommaViasAndPreloadedRoutes) {
    const SipMessage m = parse_ok(kWebexInvite);
    ASSERT_EQ(m.via_count, 2);
    EXPECT_EQ(m.via[0].sent_by, "192.168.5.164:5062");
    EXPECT_EQ(m.via[0].branch(), "z9hG4bK564cd36d87f3417513c9b559dc666f71");
    EXPECT_EQ(m.via[1].sent_by, "127.0.0.1:5070");
    EXPECT_EQ(m.via[1].params.get("rport"), "43306");
    EXPECT_EQ(m.contact.display, "l2sip-UA");
    EXPECT_EQ(m.contact.uri, "sip:l2sip-UA@l2sip-cfa-01.wbx2.com:5062;transport=tls");
    EXPECT_EQ(m.contact.params.get("call-type"), "squared");
    EXPECT_EQ(m.from.display, "Jonathan Robb");
    EXPECT_EQ(m.from.tag(), "540300020");
    EXPECT_EQ(m.max_forwards, 70);
    EXPECT_FALSE(m.route_header_empty);
    ASSERT_EQ(m.route_count, 2);
    EXPECT_EQ(m.route_total, 2);
    EXPECT_EQ(m.route[0].raw, "<sip:l2sip@64.102.241.236:5062;transport=tls;lr>");
    SipUriParts u;
    ASSERT_TRUE(parse_sip_uri(m.route[0].uri, u));
    EXPECT_EQ(u.scheme, "sip");
    EXPECT_EQ(u.user, "l2sip");
    EXPECT_EQ(u.host, "64.102.241.236");
    EXPECT_EQ(u.port, 5062);
    EXPECT_TRUE(u.params.has("lr"));
    EXPECT_EQ(u.params.get("transport"), "tls");
    ASSERT_TRUE(parse_sip_uri(m.route[1].uri, u));
    EXPECT_EQ(u.user, "");
    EXPECT_EQ(u.host, "cucm.rtp.ciscotac.net");  // the cluster FQDN the call is routed on
    EXPECT_EQ(u.port, 0);
    EXPECT_TRUE(u.params.has("lr"));
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipGuide, CodecMismatchOfferAnswerAndBye) {
    const SipMessage offer = parse_ok(kOut5Invite);
    EXPECT_EQ(offer.user_agent, "TANDBERG/4352 (X8.10.2-b2bua-1.0)");
    EXPECT_EQ(offer.content_type, "application/sdp");
    EXPECT_TRUE(offer.has_sdp());
    EXPECT_EQ(offer.body, crlf(kG729Offer));
    EXPECT_EQ(offer.content_length, offer.body.size());
    EXPECT_EQ(offer.total_bytes, kOut5Invite.size());
    EXPECT_EQ(offer.header_bytes + offer.content_length, kOut5Invite.size());
    EXPECT_EQ(offer.contact.uri, "sip:172.16.2.2:5073;transport=tls");
    EXPECT_TRUE(offer.contact.params.has("video"));
    EXPECT_TRUE(offer.contact.params.has("audio"));
    EXPECT_EQ(offer.via[0].params.get("egress-zone"), "HybridCallServicesDNS");
    EXPECT_EQ(offer.max_forwards, 14);
    EXPECT_EQ(offer.record_route_count, 1);
    EXPECT_EQ(offer.anomalies, 0u);
    SdpSession sdp;
    ASSERT_TRUE(parse_sdp(offer.body, sdp));
    ASSERT_NE(sdp.first("audio"), nullptr);
    EXPECT_EQ(sdp.first("audio")->port, 52668);

    const SipMessage answer = parse_ok(kWebex200);
    EXPECT_EQ(answer.status, 200);
    EXPECT_EQ(answer.reason_phrase, "OK");
    EXPECT_EQ(answer.user_agent, "Cisco-L2SIP");
    EXPECT_EQ(answer.to.tag(), "1311451760");
    EXPECT_EQ(answer.record_route_count, 2);
    EXPECT_EQ(answer.via[0].params.get("received"), "192.168.5.26");
    EXPECT_TRUE(answer.has_sdp());
    ASSERT_TRUE(parse_sdp(answer.body, sdp));
    ASSERT_NE(sdp.first("audio"), nullptr);
    EXPECT_EQ(sdp.first("audio")->port, 0);
    EXPECT_TRUE(sdp.first("audio")->wildcard);

    const SipMessage bye = parse_ok(kCucmBye);
    EXPECT_EQ(bye.method, SipMethod::kBye);
    EXPECT_EQ(bye.request_uri, "sip:192.168.1.6:5071;transport=tls");
    EXPECT_EQ(bye.cseq, 102u);
    EXPECT_EQ(bye.cseq_method, SipMethod::kBye);
    EXPECT_EQ(bye.reason, "Q.850 ;cause=47");
    EXPECT_EQ(bye.q850_cause, 47);
    EXPECT_EQ(bye.sip_reason_cause, -1);
    EXPECT_EQ(bye.user_agent, "Cisco-CUCM11.5");
    EXPECT_EQ(bye.to.tag(), "f3734601fb0eb541");  // the B2BUA re-tags: Call-ID, not tags, correlates
    EXPECT_EQ(bye.anomalies, 0u);
}

TEST(SipGuide, DelayedOfferRejectedWith500) {
    const SipMessage inv = parse_ok(kDelayedOfferInvite);
    EXPECT_EQ(inv.request_uri, "sip:34IBJumtlZRvmrI5t7WQjMhA@company.webex.com");
    EXPECT_TRUE(inv.has_content_length);
    EXPECT_EQ(inv.content_length, 0u);
    EXPECT_FALSE(inv.has_sdp());  // a delayed offer
    EXPECT_EQ(inv.via_count, 3);
    EXPECT_EQ(inv.via[1].params.get("received"), "172.28.21.104");
    EXPECT_EQ(inv.via[1].params.get("rport"), "25048");
    EXPECT_EQ(inv.via[2].transport, "TCP");
    EXPECT_EQ(inv.record_route_count, 4);
    EXPECT_EQ(inv.from.display, "7221.company.com.au");
    EXPECT_EQ(inv.from.tag(), "2950560~3fb53c10-0c98-891d-d84f-6fa87e4135c3-22671423");
    EXPECT_TRUE(inv.contact.params.has("isFocus"));
    EXPECT_TRUE(inv.contact.params.has("+multiple-codecs-in-ans"));
    EXPECT_EQ(inv.user_agent, "Cisco-CUCM10.5");
    EXPECT_EQ(inv.max_forwards, 14);
    EXPECT_EQ(inv.anomalies, 0u);

    const SipMessage err = parse_ok(kWebex500);
    EXPECT_EQ(err.status, 500);
    EXPECT_EQ(err.reason_phrase, "Internal Server Error");
    EXPECT_EQ(err.to.display, "CiscoWebEx");
    EXPECT_EQ(err.to.tag(), "38659d409ccec3f7");
    EXPECT_EQ(err.p_asserted_identity, "\"CiscoWebEx\" <sip:webex.com>");
    EXPECT_EQ(err.server, "TANDBERG/4352 (X8.5.2-b2bua-1.0)");
    EXPECT_EQ(err.warning_code, 399);
    EXPECT_EQ(err.warning_agent, "114.29.213.174:5071");
    EXPECT_EQ(err.warning_text, "Invalid content in far end 200 OK");
    EXPECT_EQ(err.call_id, inv.call_id);
    EXPECT_EQ(err.via[0].params.get("rport"), "25129");
    EXPECT_EQ(err.anomalies, 0u);
}

TEST(SipGuide, OtherFinalResponsesOfTheGuide) {
    for (const auto& [start, code, reason] : {std::tuple{"SIP/2.0 403 Forbidden", 403, "Forbidden"},
                                              std::tuple{"SIP/2.0 603 Decline", 603, "Decline"},
                                              std::tuple{"SIP/2.0 481 Call Leg/Transaction Does Not Exist", 481,
                                                         "Call Leg/Transaction Does Not Exist"}}) {
        const std::string msg = crlf(std::string(start) +
                                     "\nVia: SIP/2.0/TLS 192.168.1.5:5061;branch=z9hG4bKa1\n"
                                     "Call-ID: c030f100-9c916d13-1cdcb-1501a8c0@192.168.1.21\n"
                                     "CSeq: 101 INVITE\n"
                                     "From: \"Jonathan Robb\" <sip:5010@rtp.ciscotac.net>;tag=512579~c9cc7ddc-9592-49e8-a13c-79e26f48eebc-30107000\n"
                                     "To: <sip:pstojano-test@dmzlab.call.ciscospark.com>;tag=64fe7f9eab37029d\n"
                                     "Server: TANDBERG/4135 (X8.10.2)\n"
                                     "Warning: 399 192.168.1.6:7003 \"Policy Response\"\n"
                                     "Content-Length: 0\n\n");
        const SipMessage m = parse_ok(msg);
        EXPECT_EQ(m.status, code);
        EXPECT_EQ(m.reason_phrase, reason);
        EXPECT_EQ(m.warning_agent, "192.168.1.6:7003");
        EXPECT_EQ(m.anomalies, 0u);
    }
}

// ---- header rules ----------------------------------------------------------------------

TEST(SipHeaders, ReasonForms) {
    SipMessage m = parse_ok(crlf(
        "BYE sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: r1\nCSeq: 2 BYE\n"
        "From: <sip:b@example.com>;tag=1\nTo: <sip:a@example.com>;tag=2\n"
        "Reason: SIP ;cause=200;text=\"Call completed elsewhere\"\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.sip_reason_cause, 200);
    EXPECT_EQ(m.q850_cause, -1);
    // Two protocols in one header, lower-case names (RFC 3326 §2), and a quoted ',' in text.
    m = parse_ok(crlf(
        "CANCEL sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: r2\nCSeq: 1 CANCEL\n"
        "From: <sip:b@example.com>;tag=1\nTo: <sip:a@example.com>\n"
        "Reason: SIP;cause=487;text=\"Request, Terminated\", q.850;cause=16\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.sip_reason_cause, 487);
    EXPECT_EQ(m.q850_cause, 16);
    // A cause that is not a number is ignored.
    m = parse_ok(crlf(
        "BYE sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: r3\nCSeq: 2 BYE\n"
        "From: <sip:b@example.com>;tag=1\nTo: <sip:a@example.com>;tag=2\nReason: Q.850;cause=4x7\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.q850_cause, -1);
    EXPECT_EQ(m.reason, "Q.850;cause=4x7");
}

TEST(SipHeaders, WarningForms) {
    const std::string head = "SIP/2.0 488 Not Acceptable Here\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: w\n"
                             "CSeq: 1 INVITE\nFrom: <sip:b@example.com>;tag=1\nTo: <sip:a@example.com>;tag=2\n";
    // Two warnings in one header: the first is kept; an escaped quote stays escaped in the view.
    SipMessage m = parse_ok(crlf(head + "Warning: 305 [2001:db8::1]:5060 \"Incompatible \\\"media\\\" format\", "
                                        "307 isi.edu \"Session parameter 'foo' not understood\"\n"
                                        "Content-Length: 0\n\n"));
    EXPECT_EQ(m.warning_code, 305);
    EXPECT_EQ(m.warning_agent, "[2001:db8::1]:5060");
    EXPECT_EQ(m.warning_text, "Incompatible \\\"media\\\" format");
    EXPECT_EQ(m.anomalies, 0u);
    // Text without quotes: raw kept, flagged.
    m = parse_ok(crlf(head + "Warning: 399 192.168.1.5:5061 Policy Response\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.warning, "399 192.168.1.5:5061 Policy Response");
    EXPECT_EQ(m.warning_code, 399);
    EXPECT_EQ(m.warning_text, "");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderValue));
    m = parse_ok(crlf(head + "Warning: 3999 host \"x\"\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.warning_code, 0);
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderValue));
}

TEST(SipHeaders, CompactFormsAndTheOnesNotHeld) {
    const SipMessage m = parse_ok(crlf(
        "INVITE sip:bob@biloxi.example.com SIP/2.0\n"
        "v: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\n"
        "f: \"Alice\" <sip:alice@atlanta.example.com>;tag=1928301774\n"
        "T: <sip:bob@biloxi.example.com>\n"
        "I: a84b4c76e66710@pc33.atlanta.example.com\n"
        "CSeq: 314159 INVITE\n"
        "m: <sip:alice@pc33.atlanta.example.com>\n"
        "c: application/sdp\n"
        "e: gzip\n"
        "k: 100rel\n"
        "s: Server looks like a Subject here\n"
        "o: presence\n"
        "u: dialog\n"
        "r: <sip:carol@chicago.example.com>\n"
        "x: 1800\n"
        "l: 13\n"
        "\n"
        "v=0\n"
        "s=call\n"));
    EXPECT_EQ(m.via_count, 1);
    EXPECT_EQ(m.via[0].sent_by, "pc33.atlanta.example.com");
    EXPECT_EQ(m.from.display, "Alice");
    EXPECT_EQ(m.to.uri, "sip:bob@biloxi.example.com");
    EXPECT_EQ(m.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
    EXPECT_EQ(m.contact.uri, "sip:alice@pc33.atlanta.example.com");
    EXPECT_EQ(m.content_type, "application/sdp");  // c, not e (Content-Encoding)
    EXPECT_EQ(m.server, "");                       // s is Subject
    EXPECT_EQ(m.route_count, 0);                   // r is Refer-To
    EXPECT_EQ(m.content_length, 13u);
    EXPECT_EQ(m.body, "v=0\r\ns=call\r\n");
    EXPECT_TRUE(m.has_sdp());
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipHeaders, CaseRules) {
    // Header names and the version are case-insensitive; methods are not.
    SipMessage m = parse_ok(crlf(
        "invite sip:bob@example.com sip/2.0\nVIA: SIP/2.0/udp h.example.com;BRANCH=z9hG4bK1\ncall-id: x1\n"
        "cseq: 1 invite\nFROM: <sip:a@example.com>;TAG=abc\nto: <sip:bob@example.com>\nCONTENT-LENGTH: 0\n\n"));
    EXPECT_EQ(m.method, SipMethod::kUnknown);
    EXPECT_EQ(m.method_text, "invite");
    EXPECT_EQ(m.cseq_method, SipMethod::kUnknown);
    EXPECT_EQ(m.cseq_method_text, "invite");
    EXPECT_EQ(m.via[0].transport, "udp");
    EXPECT_EQ(m.via[0].branch(), "z9hG4bK1");  // parameter names: case-insensitive
    EXPECT_EQ(m.from.tag(), "abc");
    EXPECT_EQ(m.anomalies, 0u);
    m = parse_ok(crlf("sip/2.0 180 Ringing\nvia: SIP/2.0/UDP h;branch=z9hG4bK1\ni: x\nCSEQ: 1 INVITE\nf: <sip:a@b>;tag=1\n"
                      "t: <sip:c@d>;tag=2\nl: 0\n\n"));
    EXPECT_EQ(m.status, 180);
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipHeaders, DisplayNamesWithEscapesAndCommas) {
    const SipMessage m = parse_ok(crlf(
        "INVITE sip:bob@example.com SIP/2.0\n"
        "Via: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: d\nCSeq: 1 INVITE\n"
        "From: \"\\\"Boss\\\" O'Neil, \\\\ CEO\" <sip:boss@example.com>;tag=7\n"
        "To: Bob Smith<sip:bob@example.com>\n"
        "Contact: \"Doe, John\" <sip:john@192.0.2.4;x=\"a,b\">;expires=60, <sip:john@[2001:db8::4]:5070>;q=0.5\n"
        "Route: <sip:p1.example.com;lr>, \"quoted,name\" <sip:p2.example.com;lr>\n"
        "Route: sip:p3.example.com;lr\n"
        "Content-Length: 0\n\n"));
    EXPECT_EQ(m.from.display, "\\\"Boss\\\" O'Neil, \\\\ CEO");
    EXPECT_EQ(m.from.tag(), "7");
    EXPECT_EQ(m.to.display, "Bob Smith");
    EXPECT_EQ(m.contact.display, "Doe, John");
    EXPECT_EQ(m.contact.uri, "sip:john@192.0.2.4;x=\"a,b\"");
    EXPECT_EQ(m.contact.params.get("expires"), "60");
    ASSERT_EQ(m.route_count, 3);
    EXPECT_EQ(m.route[1].display, "quoted,name");
    EXPECT_EQ(m.route[1].uri, "sip:p2.example.com;lr");
    EXPECT_EQ(m.route[2].uri, "sip:p3.example.com");  // bare URI: ";lr" belongs to the header
    EXPECT_TRUE(m.route[2].params.has("lr"));
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipHeaders, ContactStarAndDuplicates) {
    const SipMessage m = parse_ok(crlf(
        "REGISTER sip:registrar.example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: c1\nCall-ID: c2\n"
        "CSeq: 5 REGISTER\nCSeq: 6 REGISTER\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>\nContact: *\n"
        "Expires: 0\nContent-Length: 0\nContent-Length: 0\n\n"));
    EXPECT_TRUE(m.contact_star);
    EXPECT_EQ(m.call_id, "c1");  // the first of a repeated single-value header
    EXPECT_EQ(m.cseq, 5u);
    EXPECT_EQ(m.anomalies, uint32_t(kSipDuplicateHeader));
}

TEST(SipHeaders, ViaAndRouteListsAreBounded) {
    std::string head = "INVITE sip:bob@example.com SIP/2.0\n";
    for (int i = 0; i < 12; ++i)
        head += "Via: SIP/2.0/TCP proxy" + std::to_string(i) + ".example.com;branch=z9hG4bK" + std::to_string(i) + "\n";
    head += "Route: <sip:r0.example.com;lr>,<sip:r1.example.com;lr>,<sip:r2.example.com;lr>,<sip:r3.example.com;lr>,"
            "<sip:r4.example.com;lr>,<sip:r5.example.com;lr>\nRoute: <sip:r6.example.com;lr>,<sip:r7.example.com;lr>,"
            "<sip:r8.example.com;lr>,<sip:r9.example.com;lr>\n";
    head += "Call-ID: b\nCSeq: 1 INVITE\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:bob@example.com>\nContent-Length: 0\n\n";
    const SipMessage m = parse_ok(crlf(head));
    EXPECT_EQ(m.via_count, SipMessage::kMaxVias);
    EXPECT_EQ(m.via_total, 12);
    EXPECT_EQ(m.via[0].sent_by, "proxy0.example.com");
    EXPECT_EQ(m.via[7].branch(), "z9hG4bK7");
    EXPECT_EQ(m.route_count, SipMessage::kMaxRoutes);
    EXPECT_EQ(m.route_total, 10);
    EXPECT_EQ(m.route[7].uri, "sip:r7.example.com;lr");
    EXPECT_EQ(m.anomalies, uint32_t(kSipTooManyValues));
}

TEST(SipHeaders, ParamsGet) {
    const SipParams p{" ; Tag = \"a;b\" ;lr; transport=TLS ;q=0.5;maddr=[2001:db8::1];empty= ;x=\"unterminated"};
    bool present = false;
    EXPECT_EQ(p.get("tag", &present), "a;b");
    EXPECT_TRUE(present);
    EXPECT_EQ(p.get("LR", &present), "");
    EXPECT_TRUE(present);
    EXPECT_EQ(p.get("transport"), "TLS");
    EXPECT_EQ(p.get("maddr"), "[2001:db8::1]");
    EXPECT_EQ(p.get("empty", &present), "");
    EXPECT_TRUE(present);
    EXPECT_EQ(p.get("x"), "\"unterminated");
    EXPECT_EQ(p.get("nope", &present), "");
    EXPECT_FALSE(present);
    EXPECT_FALSE(p.has("ta"));
    EXPECT_FALSE(SipParams{}.has("tag"));
    EXPECT_EQ(SipParams{";;;"}.get("", &present), "");
    EXPECT_FALSE(present);
}

// ---- authentication and expiry (seed 004: a Webex Calling phone registers) -------------

// The phone's REGISTER, BroadWorks' 401, the REGISTER with credentials and
// the 200 OK as the seed logs them (L408-475; the log cuts the request lines
// and the end of the Authorization and Allow-Events lines, completed here).
const std::string kSeedRegister = crlf(
    "REGISTER sip:XXXXX.example.com SIP/2.0\n"
    "Via: SIP/2.0/TLS 192.168.100.6:5072;branch=z9hG4bK-c77bd320\n"
    "From: <sip:w3nca1a025@XXXXX.example.com>;tag=fcd8304d2abdd95co0\n"
    "To: <sip:w3nca1a025@XXXXX.example.com>\n"
    "Call-ID: 98126dba-9df06bd9@192.168.100.6\n"
    "CSeq: 6367 REGISTER\n"
    "Max-Forwards: 70\n"
    "Contact: <sip:w3nca1a025@192.168.100.6:5072;transport=tls>;expires=3600\n"
    "User-Agent: Cisco-CP-8865-3PCC/12.0.2_2c01b5e753d5_47cfff26a-4713-41a1-8d75-28d7b638ffe8_2c01b5e7-53d5\n"
    "Peripheral-Data: none\n"
    "Session-ID: 300e21a200105000a0002c01b5e753d5;remote=00000000000000000000000000000000\n"
    "Content-Length: 0\n"
    "Allow: ACK, BYE, CANCEL, INFO, INVITE, NOTIFY, OPTIONS, REFER, UPDATE\n"
    "Allow-Events: hold,talk,conference\n"
    "Supported: replaces, sec-agree, record-aware\n"
    "Accept-Language: en\n\n");
const std::string kSeed401 = crlf(
    "SIP/2.0 401 Unauthorized\n"
    "Via:SIP/2.0/TLS 192.168.100.6:5072;received=187.190.XXX.XXX;branch=z9hG4bK-c77bd320\n"
    "From:<sip:w3nca1a025@XXXXX.example.com>;tag=fcd8304d2abdd95co0\n"
    "To:<sip:w3nca1a025@XXXXX.example.com>;tag=799618563-1693867868150\n"
    "Call-ID:98126dba-9df06bd9@192.168.100.6\n"
    "CSeq:6367 REGISTER\n"
    "Session-ID:d1b7e5b700804ca4a817949623258793;remote=300e21a200105000a0002c01b5e753d5\n"
    "WWW-Authenticate:DIGEST realm=\"BroadWorks\",qop=\"auth\",nonce=\"BroadWorksX1m5h6zucT8ymkkBW\",algorithm=MD5\n"
    "Contact:<sip:w3nca1a025@192.168.100.6:5072;transport=tls>;expires=120\n"
    "Content-Length:0\n\n");
const std::string kSeedRegisterWithCredentials = crlf(
    "REGISTER sip:XXXXX.example.com SIP/2.0\n"
    "Via: SIP/2.0/TLS 192.168.100.6:5072;branch=z9hG4bK-be588fb\n"
    "From: <sip:w3nca1a025@XXXXX.example.com>;tag=fcd8304d2abdd95co0\n"
    "To: <sip:w3nca1a025@XXXXX.example.com>\n"
    "Call-ID: 98126dba-9df06bd9@192.168.100.6\n"
    "CSeq: 6368 REGISTER\n"
    "Max-Forwards: 70\n"
    "Authorization: Digest username=\"+1XXXXXXXXXX\", realm=\"BroadWorks\", nonce=\"BroadWorksX1m5h6zucT8ymkkBW\", "
    "uri=\"sip:XXXXX.example.com\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5, cnonce=\"8d0f9e2a\", "
    "qop=auth, nc=00000001\n"
    "Contact: <sip:w3nca1a025@192.168.100.6:5072;transport=tls>;expires=3600\n"
    "User-Agent: Cisco-CP-8865-3PCC/12.0.2-2c01b5e753d5_47cff26a-4713-41a1-8d75-28d7b638ffe8_2c01b5e7-53d5\n"
    "Content-Length: 0\n\n");
const std::string kSeed200 = crlf(
    "SIP/2.0 200 OK\n"
    "Via:SIP/2.0/TLS 192.168.100.6:5072;received=187.190.XXX.XXX;branch=z9hG4bK-be588fb\n"
    "From:<sip:w3nca1a025@XXXXX.example.com>;tag=fcd8304d2abdd95co0\n"
    "To:<sip:w3nca1a025@XXXXX.example.com>;tag=258864438-1693867868205\n"
    "Call-ID:98126dba-9df06bd9@192.168.100.6\n"
    "CSeq:6368 REGISTER\n"
    "Contact:<sip:w3nca1a025@192.168.100.6:5072;transport=tls>;q=0.5;expires=120\n"
    "Content-Length:0\n\n");

TEST(SipAuth, TheSeedsRegistrationExchange) {
    SipMessage m = parse_ok(kSeedRegister);
    EXPECT_EQ(m.method, SipMethod::kRegister);
    EXPECT_EQ(m.cseq_method, SipMethod::kRegister);
    EXPECT_TRUE(m.credentials.empty());
    EXPECT_TRUE(m.challenge.empty());
    EXPECT_EQ(m.expires, -1);  // no Expires header: the Contact's parameter says 3600
    EXPECT_EQ(m.contact.params.get("expires"), "3600");
    EXPECT_EQ(m.anomalies, 0u);

    // Each auth-param of a value, as read back (absent ones empty).
    auto expect_params = [](std::string_view value, std::initializer_list<std::pair<const char*, const char*>> want) {
        for (const auto& [name, v] : want) EXPECT_EQ(sip_auth_param(value, name), v) << name;
    };
    m = parse_ok(kSeed401);
    EXPECT_EQ(m.status, 401);
    EXPECT_FALSE(m.proxy_challenge);
    EXPECT_EQ(sip_auth_scheme(m.challenge), "DIGEST");
    expect_params(m.challenge, {{"realm", "BroadWorks"}, {"qop", "auth"}, {"nonce", "BroadWorksX1m5h6zucT8ymkkBW"},
                                {"algorithm", "MD5"}});
    EXPECT_TRUE(m.credentials.empty());
    EXPECT_EQ(m.anomalies, 0u);

    m = parse_ok(kSeedRegisterWithCredentials);
    EXPECT_FALSE(m.proxy_credentials);
    EXPECT_EQ(sip_auth_scheme(m.credentials), "Digest");
    expect_params(m.credentials, {{"username", "+1XXXXXXXXXX"}, {"realm", "BroadWorks"}, {"uri", "sip:XXXXX.example.com"},
                                  {"nc", "00000001"}, {"opaque", ""}});
    EXPECT_TRUE(m.challenge.empty());
    EXPECT_EQ(m.anomalies, 0u);

    m = parse_ok(kSeed200);
    EXPECT_EQ(m.status, 200);
    EXPECT_TRUE(m.credentials.empty());
    EXPECT_TRUE(m.challenge.empty());
    EXPECT_EQ(m.contact.params.get("expires"), "120");
}

TEST(SipAuth, ProxyFormsAnyCaseAndTheFirstHeaderKept) {
    const std::string head = "REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: p1\n"
                             "CSeq: 2 REGISTER\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>\n";
    SipMessage m = parse_ok(crlf(head + "proxy-authorization: Digest username=\"alice\", realm=\"proxy\"\n"
                                        "Authorization: Digest username=\"bob\", realm=\"registrar\"\n"
                                        "Content-Length: 0\n\n"));
    EXPECT_TRUE(m.proxy_credentials);
    EXPECT_EQ(sip_auth_param(m.credentials, "username"), "alice");
    EXPECT_EQ(m.anomalies, 0u);
    m = parse_ok(crlf("SIP/2.0 407 Proxy Authentication Required\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: p1\n"
                      "CSeq: 1 REGISTER\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>;tag=2\n"
                      "Proxy-Authenticate: Digest realm=\"atlanta.example.com\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", "
                      "opaque=\"\", stale=FALSE, algorithm=MD5\n"
                      "WWW-Authenticate: Digest realm=\"other\"\nl: 0\n\n"));
    EXPECT_TRUE(m.proxy_challenge);
    EXPECT_EQ(sip_auth_param(m.challenge, "realm"), "atlanta.example.com");
    EXPECT_EQ(sip_auth_param(m.challenge, "stale"), "FALSE");
    EXPECT_EQ(sip_auth_param(m.challenge, "opaque"), "");
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipAuth, AuthParamForms) {
    // Case-insensitive names, white space around '=', quoted commas, a folded line.
    const std::string_view v = "Digest REALM = \"a, b\" ,\r\n  nonce=\"n\\\"1\",realmx=no, flag, qop=auth";
    EXPECT_EQ(sip_auth_scheme(v), "Digest");
    EXPECT_EQ(sip_auth_param(v, "realm"), "a, b");
    EXPECT_EQ(sip_auth_param(v, "nonce"), "n\\\"1");  // escapes kept as sent
    EXPECT_EQ(sip_auth_param(v, "realmx"), "no");
    EXPECT_EQ(sip_auth_param(v, "flag"), "");          // no '=': not a parameter
    EXPECT_EQ(sip_auth_param(v, "qop"), "auth");
    EXPECT_EQ(sip_auth_scheme("  Basic  "), "Basic");
    EXPECT_EQ(sip_auth_param("Basic", "realm"), "");
}

TEST(SipAuth, MalformedValuesAreFlaggedNotFatal) {
    for (std::string_view bad : {"", "   ", "realm=\"x\"", "Digest,realm=\"x\"", "\"Digest\" realm=x", "Di@gest realm=x"}) {
        EXPECT_EQ(sip_auth_scheme(bad), "") << bad;
        EXPECT_EQ(sip_auth_param(bad, "realm"), "") << bad;
    }
    // An unclosed quote runs to the end of the value and is handed back raw.
    EXPECT_EQ(sip_auth_param("Digest realm=\"BroadWorks, nonce=x", "realm"), "\"BroadWorks, nonce=x");
    EXPECT_EQ(sip_auth_param("Digest realm=\"BroadWorks, nonce=x", "nonce"), "");
    const std::string head = "SIP/2.0 401 Unauthorized\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: p1\n"
                             "CSeq: 1 REGISTER\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>;tag=2\n";
    // A challenge without a scheme is still a challenge (raw kept), and flagged.
    SipMessage m = parse_ok(crlf(head + "WWW-Authenticate: realm=\"BroadWorks\"\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.challenge, "realm=\"BroadWorks\"");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderValue));
    m = parse_ok(crlf(head + "WWW-Authenticate:\nContent-Length: 0\n\n"));
    EXPECT_TRUE(m.challenge.empty());
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderValue));
}

TEST(SipAuth, ExpiresHeader) {
    const std::string head = "REGISTER sip:example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: e1\n"
                             "CSeq: 1 REGISTER\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:a@example.com>\n";
    EXPECT_EQ(parse_ok(crlf(head + "Expires: 3600\nl: 0\n\n")).expires, 3600);
    EXPECT_EQ(parse_ok(crlf(head + "Expires: 0\nl: 0\n\n")).expires, 0);
    EXPECT_EQ(parse_ok(crlf(head + "expires: 4294967295\nl: 0\n\n")).expires, 4294967295ll);
    EXPECT_EQ(parse_ok(crlf(head + "Expires: 60\nExpires: 7200\nl: 0\n\n")).expires, 60);  // the first
    for (const char* bad : {"4294967296", "-1", "1h", "", "Thu, 01 Dec 1994 16:00:00 GMT"}) {
        const SipMessage m = parse_ok(crlf(head + "Expires: " + bad + "\nl: 0\n\n"));
        EXPECT_EQ(m.expires, -1) << bad;
        EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderValue)) << bad;
    }
}

// ---- URIs ------------------------------------------------------------------------------

TEST(SipUri, Forms) {
    SipUriParts u;
    ASSERT_TRUE(parse_sip_uri("sips:alice:secret@atlanta.example.com:5061;transport=tcp?Subject=project", u));
    EXPECT_EQ(u.scheme, "sips");
    EXPECT_EQ(u.user, "alice");
    EXPECT_EQ(u.host, "atlanta.example.com");
    EXPECT_EQ(u.port, 5061);
    EXPECT_EQ(u.params.raw, ";transport=tcp");
    ASSERT_TRUE(parse_sip_uri("SIP:[2001:db8::10]:5070;transport=udp", u));  // RFC 5118 §4.1
    EXPECT_EQ(u.scheme, "SIP");
    EXPECT_EQ(u.host, "[2001:db8::10]");
    EXPECT_EQ(u.port, 5070);
    ASSERT_TRUE(parse_sip_uri("sip:user@[::ffff:192.0.2.128]", u));
    EXPECT_EQ(u.host, "[::ffff:192.0.2.128]");
    EXPECT_EQ(u.port, 0);
    ASSERT_TRUE(parse_sip_uri("sip:user;par=u%40example.net@example.com", u));  // RFC 4475 §3.1.1.9
    EXPECT_EQ(u.user, "user;par=u%40example.net");
    EXPECT_EQ(u.host, "example.com");
    ASSERT_TRUE(parse_sip_uri("sip:proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d@192.168.1.6:7003; transport=tls;lr",
                              u));  // Expressway Record-Route as logged
    EXPECT_EQ(u.user, "proxy-call-id=a82052ef-6fd7-4506-8173-e73af6655b5d");
    EXPECT_EQ(u.port, 7003);
    EXPECT_EQ(u.params.get("transport"), "tls");
    EXPECT_TRUE(u.params.has("lr"));
    ASSERT_TRUE(parse_sip_uri("tel:+1-201-555-0123;phone-context=example.com", u));
    EXPECT_EQ(u.scheme, "tel");
    EXPECT_EQ(u.user, "+1-201-555-0123");
    EXPECT_EQ(u.host, "");
    EXPECT_EQ(u.params.get("phone-context"), "example.com");
    for (const char* bad : {"", "sip:", "sip:@", "http://example.com/", "sip:host:0", "sip:host:70000", "sip:host:",
                            "sip:[2001:db8::1", "sip:[]", "sip:[zz::1]", "sip:a b@host", "sip:host junk", "urn:service:sos",
                            "<sip:a@b>", "sip:user@", "tel:"})
        EXPECT_FALSE(parse_sip_uri(bad, u)) << bad;
}

// ---- RFC 4475 --------------------------------------------------------------------------

TEST(SipTorture, ShortTortuousInvite) {
    const SipMessage m = parse_ok(kWsinv);
    EXPECT_EQ(m.method, SipMethod::kInvite);
    EXPECT_EQ(m.request_uri, "sip:vivekg@chair-dnrc.example.com;unknownparam");
    EXPECT_EQ(m.to.uri, "sip:vivekg@chair-dnrc.example.com");
    EXPECT_EQ(m.to.tag(), "1918181833n");
    EXPECT_EQ(m.from.display, "J Rosenberg \\\\\\\"");
    EXPECT_EQ(m.from.uri, "sip:jdrosen@example.com");
    EXPECT_EQ(m.from.tag(), "98asjd8");
    EXPECT_EQ(m.max_forwards, 68);
    EXPECT_EQ(m.call_id, "wsinv.ndaksdj@192.0.2.1");
    EXPECT_EQ(m.cseq, 9u);
    EXPECT_EQ(m.cseq_method, SipMethod::kInvite);
    ASSERT_EQ(m.via_count, 3);
    EXPECT_EQ(m.via[0].transport, "UDP");
    EXPECT_EQ(m.via[0].sent_by, "192.0.2.2");
    EXPECT_EQ(m.via[0].branch(), "390skdjuw");
    EXPECT_EQ(m.via[1].transport, "TCP");
    EXPECT_EQ(m.via[1].sent_by, "spindle.example.com");
    EXPECT_EQ(m.via[1].branch(), "z9hG4bK9ikj8");
    EXPECT_EQ(m.via[2].sent_by, "192.168.255.111");
    EXPECT_EQ(m.via[2].branch(), "z9hG4bK30239");  // the value is on the folded line
    ASSERT_EQ(m.route_count, 1);
    EXPECT_EQ(m.route[0].uri, "sip:services.example.com;lr;unknownwith=value;unknown-no-value");
    EXPECT_EQ(m.contact.display, "Quoted string \\\"\\\"");
    EXPECT_EQ(m.contact.params.get("newparam"), "newvalue");
    EXPECT_TRUE(m.contact.params.has("secondparam"));
    EXPECT_EQ(m.contact.params.get("q"), "0.33");
    EXPECT_EQ(m.content_type, "application/sdp");
    EXPECT_EQ(m.content_length, 150u);
    EXPECT_EQ(m.body.size(), 150u);
    EXPECT_TRUE(m.has_sdp());
    EXPECT_EQ(m.anomalies, uint32_t(kSipFoldedHeader));
    SdpSession sdp;
    ASSERT_TRUE(parse_sdp(m.body, sdp));
    EXPECT_EQ(sdp.media_count, 2);
}

TEST(SipTorture, WideRangeOfValidCharacters) {
    // RFC 4475 §3.1.1.2 "intmeth": token characters in the method, a crazy URI,
    // and BEL, NUL and DEL escaped inside a quoted display name.
    const std::string msg = crlf(
        "!interesting-Method0123456789_*+`.%indeed'~ sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com SIP/2.0\n"
        "Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`'~\n"
        "To: \"BEL:\\\x07 NUL:\\\0 DEL:\\\x7f\" <sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com>\n"s
        "From: token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;fromParam''~+*_!.-%=\"\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd0\xb0\xd1\x8e\xd1\x89\xd0\xb8\xd0\xb9\";tag=_token~1'+`*%!-.\n"
        "Call-ID: intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{\n"
        "CSeq: 139122385 !interesting-Method0123456789_*+`.%indeed'~\n"
        "Max-Forwards: 255\n"
        "extensionHeader-!.%*+_`'~: \xef\xbb\xbf\xe5\xa4\xa7\xe5\x81\x9c\xe9\x9b\xbb\n"
        "Content-Length: 0\n\n");
    const SipMessage m = parse_ok(msg);
    EXPECT_EQ(m.method, SipMethod::kUnknown);
    EXPECT_EQ(m.method_text, "!interesting-Method0123456789_*+`.%indeed'~");
    EXPECT_EQ(m.cseq_method_text, m.method_text);
    EXPECT_EQ(m.cseq, 139122385u);
    EXPECT_EQ(m.max_forwards, 255);
    EXPECT_EQ(m.to.display, "BEL:\\\x07 NUL:\\\0 DEL:\\\x7f"s);
    EXPECT_EQ(m.from.display, "token1~` token2'+_ token3*%!.-");
    EXPECT_EQ(m.from.tag(), "_token~1'+`*%!-.");
    EXPECT_TRUE(m.from.params.has("fromParam''~+*_!.-%"));
    EXPECT_EQ(m.call_id, "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    SipUriParts u;
    ASSERT_TRUE(parse_sip_uri(m.request_uri, u));
    EXPECT_EQ(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    EXPECT_EQ(u.host, "example.com");
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipTorture, OtherValidMessages) {
    // §3.1.1.5 esc02: '%' that is no escape; "C%6Fntact" is not Contact.
    SipMessage m = parse_ok(crlf(
        "RE%47IST%45R sip:registrar.example.com SIP/2.0\nTo: \"%Z%45\" <sip:resource@example.com>\n"
        "From: \"%Z%45\" <sip:resource@example.com>;tag=f232jadfj23\nCall-ID: esc02.asdfnqwo34rq23i34jrjasdcnl23nrlknsdf\n"
        "Via: SIP/2.0/TCP host.example.com;branch=z9hG4bK209%fzsnel234\nCSeq: 29344 RE%47IST%45R\nMax-Forwards: 70\n"
        "Contact: <sip:alias1@host1.example.com>\nC%6Fntact: <sip:alias2@host2.example.com>\n"
        "Contact: <sip:alias3@host3.example.com>\nl: 0\n\n"));
    EXPECT_EQ(m.method, SipMethod::kUnknown);
    EXPECT_EQ(m.to.display, "%Z%45");
    EXPECT_EQ(m.contact.uri, "sip:alias1@host1.example.com");
    EXPECT_EQ(m.anomalies, 0u);
    // §3.1.1.6 lwsdisp: no white space between display name and '<'.
    m = parse_ok(crlf("OPTIONS sip:user@example.com SIP/2.0\nTo: sip:user@example.com\nFrom: caller<sip:caller@example.com>;tag=323\n"
                      "Max-Forwards: 70\nCall-ID: lwsdisp.1234abcd@funky.example.com\nCSeq: 60 OPTIONS\n"
                      "Via: SIP/2.0/UDP funky.example.com;branch=z9hG4bKkdjuw\nl: 0\n\n"));
    EXPECT_EQ(m.from.display, "caller");
    EXPECT_EQ(m.from.tag(), "323");
    EXPECT_EQ(m.to.uri, "sip:user@example.com");
    // §3.1.1.10 transports: unknown transport tokens are kept as sent.
    m = parse_ok(crlf("OPTIONS sip:user@example.com SIP/2.0\nTo: sip:user@example.com\nFrom: <sip:caller@example.com>;tag=323\n"
                      "Max-Forwards: 70\nCall-ID:  transports.kijh4akdnaqjkwendsasfdj\nAccept: application/sdp\nCSeq: 60 OPTIONS\n"
                      "Via: SIP/2.0/UDP t1.example.com;branch=z9hG4bKkdjuw\nVia: SIP/2.0/SCTP t2.example.com;branch=z9hG4bKklasjdhf\n"
                      "Via: SIP/2.0/TLS t3.example.com;branch=z9hG4bK2980unddj\nVia: SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en\n"
                      "Via: SIP/2.0/TCP t5.example.com;branch=z9hG4bK0a9idfnee\nl: 0\n\n"));
    ASSERT_EQ(m.via_count, 5);
    const char* transports[] = {"UDP", "SCTP", "TLS", "UNKNOWN", "TCP"};
    for (int i = 0; i < 5; ++i) EXPECT_EQ(m.via[i].transport, transports[i]);
    EXPECT_EQ(m.call_id, "transports.kijh4akdnaqjkwendsasfdj");
    // §3.1.1.13 noreason: empty reason phrase; §3.1.1.12 unreason: odd UTF-8 one.
    m = parse_ok(crlf("SIP/2.0 100 \nVia: SIP/2.0/UDP 192.0.2.105;branch=z9hG4bK2398ndaoe\nCall-ID: noreason.asndj203insdf99223ndf\n"
                      "CSeq: 35 INVITE\nFrom: <sip:user@example.com>;tag=39ansfi3\nTo: <sip:user@example.edu>;tag=902jndnke3\n"
                      "Content-Length: 0\nContact: <sip:user@host105.example.com>\n\n"));
    EXPECT_EQ(m.status, 100);
    EXPECT_EQ(m.reason_phrase, "");
    m = parse_ok(crlf("SIP/2.0 200 = 2**3 * 5**2 \xd0\xbd\xd0\xbe \xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd0\xbd\xd0\xbe\xd1\x81\xd1\x82\xd0\xbe \xd0\xb4\xd0\xb5\xd0\xb2\xd1\x8f\xd1\x82\xd1\x8c\n"
                      "Via: SIP/2.0/UDP 192.0.2.198;branch=z9hG4bK1324923\nCall-ID: unreason.1234ksdfak3j2erwedfsASdf\nCSeq: 35 INVITE\n"
                      "From: sip:user@example.com;tag=11141343\nTo: sip:user@example.edu;tag=2229\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.reason_phrase.substr(0, 13), "= 2**3 * 5**2");
    EXPECT_EQ(m.from.uri, "sip:user@example.com");
    EXPECT_EQ(m.from.tag(), "11141343");
    // §3.1.1.4 escnull: escaped NULs are text, "L:0" upper-case compact form.
    m = parse_ok(crlf("REGISTER sip:example.com SIP/2.0\nTo: sip:null-%00-null@example.com\nFrom: sip:null-%00-null@example.com;tag=839923423\n"
                      "Max-Forwards: 70\nCall-ID: escnull.39203ndfvkjdasfkq3w4otrq0adsfdfnavd\nCSeq: 14398234 REGISTER\n"
                      "Via: SIP/2.0/UDP host5.example.com;branch=z9hG4bKkdjuw\nContact: <sip:%00@host5.example.com>\n"
                      "Contact: <sip:%00%00@host5.example.com>\nL:0\n\n"));
    EXPECT_TRUE(m.has_content_length);
    EXPECT_EQ(m.contact.uri, "sip:%00@host5.example.com");
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipTorture, IPv6References) {
    // RFC 5118 §4.5-style: IPv6 sent-by, received and Contact.
    const SipMessage m = parse_ok(crlf(
        "BYE sip:[2001:db8::10] SIP/2.0\nTo: sip:user@example.com;tag=bd76ya\n"
        "From: sip:user@[2001:db8::9:1];tag=81x2\nVia: SIP/2.0/UDP [2001:db8::9:1]:5070;received=[2001:db8::9:255];branch=z9hG4bKas3-111\n"
        "Call-ID: SSG9559905523997077@hlau_4100\nMax-Forwards: 70\nContact: \"Caller\" <sip:caller@[2001:db8::9:1]:5070>\n"
        "CSeq: 2179 BYE\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.via[0].sent_by, "[2001:db8::9:1]:5070");
    EXPECT_EQ(m.via[0].params.get("received"), "[2001:db8::9:255]");
    EXPECT_EQ(m.from.uri, "sip:user@[2001:db8::9:1]");
    SipUriParts u;
    ASSERT_TRUE(parse_sip_uri(m.contact.uri, u));
    EXPECT_EQ(u.host, "[2001:db8::9:1]");
    EXPECT_EQ(u.port, 5070);
    ASSERT_TRUE(parse_sip_uri(m.request_uri, u));
    EXPECT_EQ(u.host, "[2001:db8::10]");
    EXPECT_EQ(m.anomalies, 0u);
}

TEST(SipTorture, LongRequestKeepsTheFirstVias) {
    // §3.1.1.7 longreq: 34 Vias in every spelling of the name, long values.
    std::string head = "INVITE sip:user@example.com SIP/2.0\n"
                       "To: \"I have a user name of " + std::string(70, 'x') + " proportion\" <sip:user@example.com:6000;unknownparam1=very" +
                       std::string(80, 'l') + "value>\nF: sip:" + std::string(115, 'a') + "@example.net;tag=12" +
                       std::string(150, '9') + "424\nCall-ID: longreq.one" + std::string(120, 'r') + "longcallid\nCSeq: 3882340 INVITE\n";
    const char* spellings[] = {"Via: ", "v: ", "V: ", "ViA: ", "VIa: ", "VIA: ", "via: ", "viA: ", "vIa: ", "vIA: ",
                               "V :  ", "v :  ", "V  : ", "v  : ", "Via : ", "Via  : "};
    for (int i = 33; i >= 1; --i)
        head += std::string(spellings[(33 - i) % 16]) + "SIP/2.0/TCP sip" + std::to_string(i) + ".example.com\n";
    head += "Via: SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=very" + std::string(200, 'l') + "branchvalue\n"
            "Max-Forwards: 70\nContact: <sip:" + std::string(115, 'a') + "@host5.example.net>\nContent-Type: application/sdp\n";
    const SipMessage m = parse_ok(with_body(head, "v=0\no=mhandley 29739 7272939 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"));
    EXPECT_EQ(m.via_total, 34);
    ASSERT_EQ(m.via_count, SipMessage::kMaxVias);
    for (int i = 0; i < SipMessage::kMaxVias; ++i)
        EXPECT_EQ(m.via[i].sent_by, "sip" + std::to_string(33 - i) + ".example.com");
    EXPECT_EQ(m.from.tag().size(), 155u);
    EXPECT_EQ(m.to.uri.substr(0, 26), "sip:user@example.com:6000;");
    EXPECT_EQ(m.anomalies, uint32_t(kSipTooManyValues));
}

TEST(SipTorture, InvalidStartLinesAreRefused) {
    const char* tail = "\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\n"
                       "From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nContent-Length: 0\r\n\r\n";
    for (const char* start : {
             "INVITE sip:user@example.com SIP/7.0",           // badvers
             "INVITE  sip:user@example.com SIP/2.0",          // lwsstart: two spaces
             "INVITE <sip:user@example.com> SIP/2.0",         // ltgtruri
             "INVITE sip:user@example.com; lr SIP/2.0",       // lwsruri
             "SIP/2.0 4294967301 better not break the receiver",  // bigcode
             "SIP/2.0 099 Too Low",
             "SIP/2.0 20 OK",
             "SIP/2.0200 OK",
             "NOTIFY * HTTP/1.1",                             // SSDP
             "HTTP/1.1 200 OK",
             "GET / HTTP/1.1",
             "INVITE sip:user@example.com",
             "INVITE",
             "",
             " INVITE sip:user@example.com SIP/2.0",
             "INVITE sip:user@exa\x01mple.com SIP/2.0",
         }) {
        const std::string msg = std::string(start, std::strlen(start)) + tail;
        SipMessage m;
        const char* why = nullptr;
        EXPECT_EQ(parse_sip_message(bytes(msg), m, &why), SipParseStatus::kInvalid) << start;
        EXPECT_STREQ(why, "not a SIP start line");
        EXPECT_EQ(sip_frame(bytes(msg), 65536, 65536).status, SipFrame::kInvalid) << start;
    }
    // Embedded NUL in the start line (a C string would stop there).
    const std::string nul = "INVITE sip:a@b\0c SIP/2.0\r\n\r\n"s;
    SipMessage m;
    EXPECT_EQ(parse_sip_message(bytes(nul), m), SipParseStatus::kInvalid);
    // Tolerated: trailing white space after the version, a status line without reason.
    EXPECT_EQ(parse_sip_message(bytes("OPTIONS sip:remote-target@example.com SIP/2.0  \r\n\r\n"), m),
              SipParseStatus::kOk);
    EXPECT_EQ(parse_sip_message(bytes("SIP/2.0 200\r\n\r\n"), m), SipParseStatus::kOk);
    EXPECT_EQ(m.status, 200);
}

TEST(SipTorture, InvalidHeaderValuesAreCountedNotFatal) {
    const std::string start = "INVITE sip:user@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: x\n"
                              "From: <sip:a@example.com>;tag=1\n";
    // ncl: negative Content-Length; scalarlg: one past 2^64.
    for (const char* cl : {"-999", "18446744073709551616", "4294967296", "12a", "", "+5", "1 2"}) {
        const std::string msg = crlf(start + "To: <sip:user@example.com>\nCSeq: 1 INVITE\nContent-Length: " + cl + "\n\n");
        SipMessage m;
        EXPECT_EQ(parse_sip_message(bytes(msg), m), SipParseStatus::kOk) << cl;
        EXPECT_FALSE(m.has_content_length);
        EXPECT_EQ(m.anomalies, uint32_t(kSipBadContentLength)) << cl;
        const SipFrame f = sip_frame(bytes(msg), 65536, 65536);
        EXPECT_EQ(f.status, SipFrame::kInvalid) << cl;
        EXPECT_STREQ(f.why, "bad Content-Length");
    }
    // scalar02: CSeq beyond 32 bits, Max-Forwards 300.
    SipMessage m = parse_ok(crlf(start + "To: <sip:user@example.com>\nCSeq: 36893488147419103232 INVITE\nMax-Forwards: 300\n"
                                         "Content-Length: 0\n\n"));
    EXPECT_EQ(m.cseq, 0u);
    EXPECT_EQ(m.max_forwards, -1);
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadCseq | kSipBadMaxForwards));
    for (const char* cseq : {"INVITE", "1", "1INVITE", "1 INVITE extra", "-1 INVITE", "1 INV@TE"}) {
        m = parse_ok(crlf(start + "To: <sip:user@example.com>\nCSeq: " + cseq + "\nContent-Length: 0\n\n"));
        EXPECT_EQ(m.anomalies, uint32_t(kSipBadCseq)) << cseq;
    }
    // quotbal: an unbalanced quote in the To display name.
    m = parse_ok(crlf(start + "To: \"Mr. J. User <sip:j.user@example.com>\nCSeq: 1 INVITE\nContent-Length: 0\n\n"));
    EXPECT_EQ(m.to.raw, "\"Mr. J. User <sip:j.user@example.com>");
    EXPECT_EQ(m.to.uri, "");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderValue));
    // A Via that is not "SIP/2.0/transport sent-by": kept in order, raw only.
    m = parse_ok(crlf("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/UDP\nVia: HTTP/1.1/TCP host\nVia: SIP/2.0/UDP host:99999\n"
                      "Via: SIP/2.0/UDP good.example.com\nCall-ID: x\nCSeq: 1 OPTIONS\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>\nl: 0\n\n"));
    ASSERT_EQ(m.via_count, 4);
    EXPECT_EQ(m.via[0].raw, "SIP/2.0/UDP");
    EXPECT_EQ(m.via[0].sent_by, "");
    EXPECT_EQ(m.via[3].sent_by, "good.example.com");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderValue));
}

TEST(SipMalformed, HeaderLinesWithoutColonOrWithControls) {
    const std::string msg = "OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                            "This line has no colon\r\n"
                            "Bad Name: x\r\n"
                            "User-Agent: evil\0agent\r\n"
                            "Server: ok \"quoted \\\0 nul\"\r\n"
                            "Call-ID: x\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\n"
                            "Content-Length: 0\r\n\r\n"s;
    const SipMessage m = parse_ok(msg);
    EXPECT_EQ(m.user_agent, "");  // a raw NUL: the line is skipped
    EXPECT_EQ(m.server, "ok \"quoted \\\0 nul\""s);  // an escaped one is a quoted pair
    EXPECT_EQ(m.call_id, "x");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBadHeaderLine));
    EXPECT_EQ(sip_frame(bytes(msg), 65536, 65536).status, SipFrame::kComplete);
}

TEST(SipMalformed, MissingHeadersAndBareLineFeeds) {
    const std::string bare = "OPTIONS sip:a@example.com SIP/2.0\r\n\r\n";
    SipMessage m = parse_ok(bare);
    EXPECT_EQ(m.anomalies, uint32_t(kSipMissingMandatory | kSipNoContentLength));
    EXPECT_EQ(m.header_bytes, bare.size());
    // LF-only line ends (some stacks and hand-made tests): parsed, flagged.
    const std::string lf = "SIP/2.0 200 OK\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: lf\nCSeq: 1 OPTIONS\n"
                           "From: <sip:a@b>;tag=1\nTo: <sip:a@b>;tag=2\nContent-Length: 4\n\nabcd";
    m = parse_ok(lf);
    EXPECT_EQ(m.body, "abcd");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBareLf));
    const SipFrame f = sip_frame(bytes(lf), 65536, 65536);
    EXPECT_EQ(f.status, SipFrame::kComplete);
    EXPECT_EQ(f.length, lf.size());
    // A first header line that starts with white space continues nothing.
    m = parse_ok("OPTIONS sip:a@example.com SIP/2.0\r\n Via: SIP/2.0/UDP h\r\nCall-ID: x\r\n\r\n");
    EXPECT_EQ(m.via_count, 0);
    EXPECT_EQ(m.call_id, "x");
    EXPECT_NE(m.anomalies & kSipBadHeaderLine, 0u);
}

TEST(SipMalformed, TenThousandHeaders) {
    std::string msg = "INVITE sip:bob@example.com SIP/2.0\r\n";
    for (int i = 0; i < 10000; ++i)
        msg += "Via: SIP/2.0/UDP relay" + std::to_string(i) + ".example.com;branch=z9hG4bK" + std::to_string(i) + "\r\n";
    for (int i = 0; i < 10000; ++i) msg += "X-Padding-" + std::to_string(i) + ": value\r\n";
    msg += "Call-ID: many\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:bob@example.com>\r\nContent-Length: 0\r\n\r\n";
    const SipMessage m = parse_ok(msg);
    EXPECT_EQ(m.via_total, 10000);
    EXPECT_EQ(m.via_count, SipMessage::kMaxVias);
    EXPECT_EQ(m.call_id, "many");
    EXPECT_EQ(m.anomalies, uint32_t(kSipTooManyValues));
    // Framing refuses it under a realistic header limit, accepts it under a large one.
    SipFrame f = sip_frame(bytes(msg), 65536, 65536);
    EXPECT_EQ(f.status, SipFrame::kInvalid);
    EXPECT_STREQ(f.why, "header block too long");
    f = sip_frame(bytes(msg), 1u << 20, 65536);
    EXPECT_EQ(f.status, SipFrame::kComplete);
    EXPECT_EQ(f.length, msg.size());
}

// ---- datagrams ---------------------------------------------------------------------------

TEST(SipDatagram, BodyAgainstContentLength) {
    // RFC 4475 §3.1.1.8 dblreq: trailing octets after a complete message are ignored.
    const std::string reg = crlf("REGISTER sip:example.com SIP/2.0\nTo: sip:j.user@example.com\nFrom: sip:j.user@example.com;tag=43251j3j324\n"
                                 "Max-Forwards: 8\nI: dblreq.0ha0isndaksdj99sdfafnl3lk233412\nContact: sip:j.user@host.example.com\n"
                                 "CSeq: 8 REGISTER\nVia: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492\nContent-Length: 0\n\n");
    const std::string datagram = reg + crlf("INVITE sip:joe@example.com SIP/2.0\nt: sip:joe@example.com\n\n");
    SipMessage m = parse_ok(datagram);
    EXPECT_EQ(m.method, SipMethod::kRegister);
    EXPECT_TRUE(m.body.empty());
    EXPECT_EQ(m.total_bytes, reg.size());
    EXPECT_EQ(m.contact.uri, "sip:j.user@host.example.com");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBodyLengthMismatch));
    // clerr: Content-Length larger than the datagram: the headers and the body present, kNeedMore.
    const std::string clerr = crlf("INVITE sip:user@example.com SIP/2.0\nMax-Forwards: 80\nTo: sip:j.user@example.com\n"
                                   "From: sip:caller@example.net;tag=93942939o2\nContact: <sip:caller@hungry.example.net>\n"
                                   "Call-ID: clerr.0ha0isndaksdjweiafasdk3\nCSeq: 8 INVITE\nVia: SIP/2.0/UDP host5.example.com;branch=z9hG4bK-39234-23523\n"
                                   "Content-Type: application/sdp\nContent-Length: 9999\n\nv=0\no=mhandley 29739 7272939 IN IP4 192.0.2.155\n");
    const char* why = nullptr;
    EXPECT_EQ(parse_sip_message(bytes(clerr), m, &why), SipParseStatus::kNeedMore);
    EXPECT_STREQ(why, "body incomplete");
    EXPECT_EQ(m.call_id, "clerr.0ha0isndaksdjweiafasdk3");
    EXPECT_EQ(m.content_length, 9999u);
    EXPECT_EQ(m.body.substr(0, 5), "v=0\r\n");
    EXPECT_EQ(m.anomalies, uint32_t(kSipBodyLengthMismatch));
    // The same head as a buffer-limited stream message: no mismatch, kOk.
    EXPECT_EQ(parse_sip_message_head(bytes(clerr), m, &why), SipParseStatus::kOk);
    EXPECT_EQ(m.content_length, 9999u);
    EXPECT_EQ(m.anomalies, 0u);
    // No Content-Length over UDP: the body runs to the end of the datagram.
    m = parse_ok(crlf("MESSAGE sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\nCall-ID: nocl\nCSeq: 1 MESSAGE\n"
                      "From: <sip:b@example.com>;tag=1\nTo: <sip:a@example.com>\nContent-Type: text/plain\n\nHello"));
    EXPECT_EQ(m.body, "Hello");
    EXPECT_EQ(m.anomalies, uint32_t(kSipNoContentLength));
    // An ACK as a UDP stack sent it (third-party corpus, PcapPlusPlus sip_reqs):
    // no blank line after the last header. Taken whole, flagged.
    const std::string ack = crlf("ACK sip:admind@178.45.73.241 SIP/2.0\n"
                                 "Via: SIP/2.0/UDP 213.192.59.75:5060;branch=z9hG4bK0a7c.2b1b3b35.0\n"
                                 "From: sip:echo@iptel.org;tag=d1c97c77ab5f9a1dc43ea6ac0e8ccd61.02f0\n"
                                 "To: \"admind\" <sip:admind@178.45.73.241>;tag=bc86060b-146f-e011-809a-0019cb53db77\n"
                                 "Call-ID: 2091060b-146f-e011-809a-0019cb53db77@admind-desktop\n"
                                 "Max-Forwards:  9\n"
                                 "CSeq: 11 ACK\n"
                                 "P-hint: rr-enforced\n");
    m = parse_ok(ack);
    EXPECT_EQ(m.method, SipMethod::kAck);
    EXPECT_EQ(m.cseq, 11u);
    EXPECT_EQ(m.max_forwards, 9);
    EXPECT_EQ(m.header_bytes, ack.size());
    EXPECT_TRUE(m.body.empty());
    EXPECT_EQ(m.anomalies, uint32_t(kSipNoBlankLine | kSipNoContentLength));
    // A stream never frames it: the blank line may still come.
    EXPECT_EQ(sip_frame(bytes(ack), 65536, 65536).status, SipFrame::kNeedMore);
    EXPECT_EQ(parse_sip_message_head(bytes(ack), m), SipParseStatus::kNeedMore);
    // A datagram cut inside a header line: what was complete is there.
    const std::string cut = kIn4NotFound.substr(0, kIn4NotFound.find("Server:") + 3);
    EXPECT_EQ(parse_sip_message(bytes(cut), m, &why), SipParseStatus::kNeedMore);
    EXPECT_STREQ(why, "header block incomplete");
    EXPECT_EQ(m.status, 404);
    EXPECT_EQ(m.to.tag(), "96b9a0eaf669a590");
    EXPECT_EQ(m.header_bytes, 0u);
}

TEST(SipDatagram, HasSdpByContentType) {
    SipMessage m;
    m.body = "v=0\r\n";
    EXPECT_TRUE(m.has_sdp());
    m.content_type = "Application/SDP ; charset=utf-8";
    EXPECT_TRUE(m.has_sdp());
    m.content_type = "multipart/mixed;boundary=x";
    EXPECT_FALSE(m.has_sdp());
    m.content_type = "application/sdp";
    m.body = {};
    EXPECT_FALSE(m.has_sdp());
    m.content_type = {};
    m.body = "<xml/>";
    EXPECT_FALSE(m.has_sdp());
}

// ---- stream framing -------------------------------------------------------------------

TEST(SipFrameTest, EveryTruncationOfRealMessages) {
    for (const std::string* msg : {&kOut5Invite, &kWebex200, &kIn4Invite, &kDelayedOfferInvite, &kWsinv}) {
        const SipFrame whole = sip_frame(bytes(*msg), 65536, 65536);
        ASSERT_EQ(whole.status, SipFrame::kComplete);
        ASSERT_EQ(whole.length, msg->size());
        SipMessage m = parse_ok(*msg);
        ASSERT_EQ(whole.header_bytes, m.header_bytes);
        ASSERT_EQ(whole.content_length, m.content_length);
        for (size_t n = 0; n < msg->size(); ++n) {
            const SipFrame f = sip_frame(bytes(std::string_view(*msg).substr(0, n)), 65536, 65536);
            ASSERT_EQ(f.status, SipFrame::kNeedMore) << "at " << n;
            ASSERT_GT(f.length, n) << "at " << n;
            ASSERT_LE(f.length, msg->size()) << "at " << n;  // never asks for more than the message
            if (n >= whole.header_bytes) {
                ASSERT_EQ(f.length, msg->size()) << "at " << n;  // exact once the header block is in
                ASSERT_EQ(f.header_bytes, whole.header_bytes);
                ASSERT_EQ(f.content_length, whole.content_length);
            } else {
                // Before the blank line: the shortest line ends that could close it.
                const std::string_view p = std::string_view(*msg).substr(0, n);
                const bool line_end = p.ends_with('\n') || p.ends_with("\n\r");
                ASSERT_EQ(f.length, n + (line_end ? 1 : 2)) << "at " << n;
            }
            // The same prefix as a datagram: incomplete, unless it ends at a
            // line end inside the header block (taken whole, flagged).
            const SipParseStatus st = parse_sip_message(bytes(std::string_view(*msg).substr(0, n)), m);
            if (n == 0 || (*msg)[n - 1] != '\n' || n >= whole.header_bytes) {
                ASSERT_EQ(st, SipParseStatus::kNeedMore) << n;
            } else if (st == SipParseStatus::kOk) {
                ASSERT_NE(m.anomalies & kSipNoBlankLine, 0u) << n;
                ASSERT_EQ(m.total_bytes, n);
            } else {
                ASSERT_EQ(st, SipParseStatus::kNeedMore) << n;  // a Content-Length already read: body missing
                ASSERT_GT(m.content_length, 0u);
            }
        }
    }
}

TEST(SipFrameTest, SeveralMessagesAndKeepAlivesInOneBuffer) {
    const std::string two = kIn4Invite + kIn4NotFound;
    std::vector<std::string_view> f = frames_of(two);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0], kIn4Invite);
    EXPECT_EQ(f[1], kIn4NotFound);
    // Three, with RFC 5626 CRLF keep-alives ("\r\n\r\n" ping, "\r\n" pong) between them.
    const std::string three = "\r\n\r\n" + kOut5Invite + "\r\n" + kWebex200 + "\r\n\r\n" + kCucmBye + "\r\n";
    f = frames_of(three);
    ASSERT_EQ(f.size(), 3u);
    EXPECT_EQ(f[0], kOut5Invite);
    EXPECT_EQ(f[1], kWebex200);
    EXPECT_EQ(f[2], kCucmBye);
    EXPECT_EQ(parse_ok(f[1]).to.tag(), "1311451760");
    EXPECT_EQ(sip_keepalive_bytes(bytes("\r\n\r\nINVITE")), 4u);
    EXPECT_EQ(sip_keepalive_bytes(bytes("\n\n\n")), 3u);
    EXPECT_EQ(sip_keepalive_bytes(bytes("INVITE")), 0u);
    EXPECT_EQ(sip_keepalive_bytes({}), 0u);
    // A message must not be framed with the keep-alive in front (the caller drops it).
    EXPECT_EQ(sip_frame(bytes("\r\n" + kCucmBye), 65536, 65536).status, SipFrame::kInvalid);
}

TEST(SipFrameTest, MessagesAcrossSegmentsAtEverySplit) {
    // A stream of real messages delivered in segments of every size from 1 to
    // 97 bytes, and at random sizes: the framed messages are always the same.
    const std::string stream = kOut5Invite + kWebex200 + "\r\n\r\n" + kCucmBye + kDelayedOfferInvite + kWebex500;
    const std::vector<std::string_view> expect = frames_of(stream);
    ASSERT_EQ(expect.size(), 5u);
    std::mt19937 rng(4711);
    for (int trial = 0; trial < 140; ++trial) {
        std::string buf;
        std::vector<std::string> got;
        size_t pos = 0;
        while (pos < stream.size()) {
            const size_t seg = trial < 97 ? size_t(trial + 1) : 1 + rng() % 1500;
            buf.append(stream, pos, seg);
            pos += seg;
            for (;;) {
                buf.erase(0, sip_keepalive_bytes(bytes(buf)));
                if (buf.empty()) break;
                const SipFrame f = sip_frame(bytes(buf), 8192, 8192);
                ASSERT_NE(f.status, SipFrame::kInvalid) << trial;
                if (f.status == SipFrame::kNeedMore) {
                    ASSERT_GT(f.length, buf.size());
                    break;
                }
                got.emplace_back(buf.substr(0, f.length));
                buf.erase(0, f.length);
            }
        }
        ASSERT_EQ(got.size(), expect.size()) << trial;
        for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], expect[i]) << trial;
    }
}

TEST(SipFrameTest, LimitsAndHostileLengths) {
    const std::string& msg = kOut5Invite;
    const SipFrame ok = sip_frame(bytes(msg), 65536, 65536);
    ASSERT_EQ(ok.status, SipFrame::kComplete);
    // Header block exactly at the limit passes; one byte less fails.
    EXPECT_EQ(sip_frame(bytes(msg), ok.header_bytes, ok.content_length).status, SipFrame::kComplete);
    SipFrame f = sip_frame(bytes(msg), ok.header_bytes - 1, 65536);
    EXPECT_EQ(f.status, SipFrame::kInvalid);
    EXPECT_STREQ(f.why, "header block too long");
    f = sip_frame(bytes(msg), 65536, ok.content_length - 1);
    EXPECT_EQ(f.status, SipFrame::kInvalid);
    EXPECT_STREQ(f.why, "Content-Length too large");
    // A partial header block at the limit can never complete within it.
    f = sip_frame(bytes(std::string_view(msg).substr(0, 100)), 100, 65536);
    EXPECT_EQ(f.status, SipFrame::kInvalid);
    f = sip_frame(bytes(std::string_view(msg).substr(0, 99)), 100, 65536);
    EXPECT_EQ(f.status, SipFrame::kNeedMore);
    // Absurd Content-Length values.
    for (const char* cl : {"4294967295", "99999999999999999999", "-1"}) {
        const std::string m = "SIP/2.0 200 OK\r\nContent-Length: " + std::string(cl) + "\r\n\r\n";
        EXPECT_EQ(sip_frame(bytes(m), 65536, 1u << 20).status, SipFrame::kInvalid) << cl;
    }
    // The largest length that fits 32 bits with the header is refused only by the body limit.
    const std::string big = "SIP/2.0 200 OK\r\nl: 4294967290\r\n\r\n";
    f = sip_frame(bytes(big), 65536, UINT32_MAX);
    EXPECT_EQ(f.status, SipFrame::kInvalid);
    EXPECT_STREQ(f.why, "message too long");
    // Two Content-Length values: equal is fine, different is unframeable.
    EXPECT_EQ(sip_frame(bytes("SIP/2.0 200 OK\r\nl: 2\r\nContent-Length: 2\r\n\r\nok"), 65536, 65536).status,
              SipFrame::kComplete);
    f = sip_frame(bytes("SIP/2.0 200 OK\r\nl: 2\r\nContent-Length: 3\r\n\r\nok!"), 65536, 65536);
    EXPECT_EQ(f.status, SipFrame::kInvalid);
    EXPECT_STREQ(f.why, "conflicting Content-Length");
    // No Content-Length on a stream: the message ends at the blank line.
    const std::string trying = "SIP/2.0 100 Trying\r\nCall-ID: x\r\n\r\n";
    f = sip_frame(bytes(trying + "SIP/2.0 180 Ringing\r\n"), 65536, 65536);
    EXPECT_EQ(f.status, SipFrame::kComplete);
    EXPECT_EQ(f.length, trying.size());
    // A folded Content-Length.
    f = sip_frame(bytes("SIP/2.0 200 OK\r\nContent-Length:\r\n 3\r\n\r\nabc"), 65536, 65536);
    EXPECT_EQ(f.status, SipFrame::kComplete);
    EXPECT_EQ(f.content_length, 3u);
}

TEST(SipFrameTest, GarbageIsRefusedEarly) {
    // Non-SIP bytes are refused as soon as they cannot start a SIP line, not
    // after the header limit has been buffered.
    const uint8_t tls[] = {0x16, 0x03, 0x01, 0x00, 0xc8, 0x01};
    EXPECT_EQ(sip_frame(tls, 65536, 65536).status, SipFrame::kInvalid);
    EXPECT_EQ(sip_frame(bytes("HTTP/"), 65536, 65536).status, SipFrame::kInvalid);
    EXPECT_EQ(sip_frame(bytes("NOTIFY *"), 65536, 65536).status, SipFrame::kInvalid);
    EXPECT_EQ(sip_frame(bytes("INVITE sip:a@b HTTP"), 65536, 65536).status, SipFrame::kInvalid);
    // Prefixes of real start lines wait.
    for (const char* p : {"", "S", "SIP/2", "SIP/2.0 2", "SIP/2.0 200 O", "INVITE", "INVITE ", "INVITE s", "INVITE sip:a@b S",
                          "INVITE sip:a@b SIP/2.0", "INVITE sip:a@b SIP/2.0\r"})
        EXPECT_EQ(sip_frame(bytes(p), 65536, 65536).status, SipFrame::kNeedMore) << p;
    // Any bytes at all: never a crash, never a length at or below what was given when waiting.
    std::mt19937 rng(99);
    for (int i = 0; i < 3000; ++i) {
        std::string junk(rng() % 200, '\0');
        for (char& c : junk) c = char(rng() % 4 ? "INVITE sip:SIP/2.0 \r\n:;<>\"l0123"[rng() % 30] : rng());
        const SipFrame f = sip_frame(bytes(junk), 512, 512);
        if (f.status == SipFrame::kNeedMore) {
            ASSERT_GT(f.length, junk.size());
        } else if (f.status == SipFrame::kComplete) {
            ASSERT_LE(f.length, junk.size());
        }
        SipMessage m;
        (void)parse_sip_message(bytes(junk), m);
        ASSERT_LE(m.via_count, SipMessage::kMaxVias);
        ASSERT_LE(m.total_bytes, junk.size());
    }
}

// ---- content detection -----------------------------------------------------------------

TEST(SipSniff, LooksLikeSip) {
    for (const char* yes : {"INVITE sip:bob@biloxi.example.com SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 100 Trying",
                            "OPTIONS sips:callservice.ciscospark.com SIP/2.0", "REGISTER sip:example.com SIP/2.0",
                            "SUBSCRIBE sip:a@b", "MESSAGE tel:+15551234567", "SIP/2.0 603", "sip/2.0 180 Ringing",
                            "ACK SIP:a@b SIP/2.0", "NEWMETHOD sip:x"})
        EXPECT_TRUE(looks_like_sip(bytes(yes))) << yes;
    for (const char* no : {"NOTIFY * HTTP/1.1", "HTTP/1.1 200 OK", "M-SEARCH * HTTP/1.1", "GET / HTTP/1.1",
                           "GET sipx:/index", "SIP/2.0 099 X", "SIP/2.0 700 X", "SIP/2.0 20", "SIP/2.0 2000",
                           "INV", "INVITE", "INVITE ", "invite sip:a@b", "INVITE  sip:a@b", "TOOLONGMETHOD sip:a@b",
                           "INVITE <sip:a@b>", "\r\nINVITE sip:a@b", "", "\x16\x03\x01\x02\x00"})
        EXPECT_FALSE(looks_like_sip(bytes(no))) << no;
    // Never reads more than 16 bytes: a method longer than fits is refused.
    EXPECT_FALSE(looks_like_sip(bytes("ABCDEFGHIJK sip:a@b")));
}
