// SDP parser, fed with the bodies real peers sent: the guide's Expressway offer
// (G.729 only plus telephone-event, and video), Webex's answer that zeroes
// audio with a "*" format list, an AAC-LD (MP4A-LATM) offer as Cisco endpoints
// make it, RFC 3264/4566 examples with static payload types and directions,
// and malformed, bounded-out and random bodies.
#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>

#include "workers/sdp_parser.h"

using namespace cs;

namespace {

std::string crlf(std::string_view lf_text) {
    std::string out;
    for (char c : lf_text) {
        if (c == '\n') out += '\r';
        out += c;
    }
    return out;
}

// Keeps a parsed body alive to the end of the test binary: the session's views
// point into it (deque elements never move).
std::string_view keep(std::string text) {
    static std::deque<std::string> texts;
    return texts.emplace_back(std::move(text));
}

SdpSession parse_ok(std::string_view owned) {
    const std::string_view body = keep(std::string(owned));
    SdpSession s;
    const char* why = nullptr;
    EXPECT_TRUE(parse_sdp(body, s, &why)) << (why ? why : "");
    return s;
}

// Guide OUT-5 / BI-1: the Expressway-E's offer to Webex (keys made up; the guide elides them).
const std::string kG729Offer = crlf(
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
    "a=rtcp:52671 IN IP4 64.102.241.236\n");

// Webex's answer (guide BI-1): audio rejected with port 0 and "*".
const std::string kWebexAnswer = crlf(
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
    "a=label:200\n");

// An offer with AAC-LD first, as Cisco TelePresence endpoints order it.
const std::string kAacLdOffer = crlf(
    "v=0\n"
    "o=tandberg 4 2 IN IP4 10.1.1.20\n"
    "s=-\n"
    "c=IN IP4 10.1.1.20\n"
    "b=AS:6000\n"
    "t=0 0\n"
    "m=audio 2326 RTP/AVP 101 102 9 0 8 18 103\n"
    "b=TIAS:64000\n"
    "a=rtpmap:101 MP4A-LATM/90000\n"
    "a=fmtp:101 profile-level-id=24;object=23;bitrate=64000\n"
    "a=rtpmap:102 MP4A-LATM/90000\n"
    "a=fmtp:102 profile-level-id=24;object=23;bitrate=56000\n"
    "a=rtpmap:9 G722/8000\n"
    "a=rtpmap:0 PCMU/8000\n"
    "a=rtpmap:8 PCMA/8000\n"
    "a=rtpmap:18 G729/8000\n"
    "a=fmtp:18 annexb=yes\n"
    "a=rtpmap:103 telephone-event/8000\n"
    "a=fmtp:103 0-15\n"
    "a=sendrecv\n");

}  // namespace

TEST(SdpGuide, G729OnlyOfferWithVideo) {
    const SdpSession s = parse_ok(kG729Offer);
    EXPECT_EQ(s.origin, "tandberg 0 1 IN IP4 64.102.241.236");
    EXPECT_EQ(s.connection, "64.102.241.236");
    EXPECT_EQ(s.direction, "");
    ASSERT_EQ(s.media_count, 2);
    const SdpMedia* a = s.first("audio");
    ASSERT_EQ(a, &s.media[0]);
    EXPECT_EQ(a->port, 52668);
    EXPECT_EQ(a->proto, "RTP/SAVP");
    EXPECT_FALSE(a->wildcard);
    EXPECT_EQ(a->direction, "sendrecv");
    ASSERT_EQ(a->codec_count, 2);
    EXPECT_EQ(a->codec_total, 2);
    EXPECT_EQ(a->codecs[0].pt, 18);
    EXPECT_EQ(a->codecs[0].name, "G729");
    EXPECT_EQ(a->codecs[0].clock, 8000u);
    EXPECT_EQ(a->codecs[0].fmtp, "annexb=no");
    EXPECT_EQ(a->codecs[1].pt, 101);
    EXPECT_EQ(a->codecs[1].name, "telephone-event");
    EXPECT_EQ(a->codecs[1].fmtp, "0-15");
    // No codec Webex accepts; telephone-event is not a voice codec.
    EXPECT_FALSE(webex_audio_codec(a->codecs[0]));
    EXPECT_FALSE(webex_audio_codec(a->codecs[1]));
    EXPECT_FALSE(sdp_auxiliary_codec(a->codecs[0]));
    EXPECT_TRUE(sdp_auxiliary_codec(a->codecs[1]));
    const SdpMedia* v = s.first("video");
    ASSERT_EQ(v, &s.media[1]);
    EXPECT_EQ(v->port, 52670);
    ASSERT_EQ(v->codec_count, 2);
    EXPECT_EQ(v->codecs[0].pt, 126);
    EXPECT_EQ(v->codecs[0].name, "H264");
    EXPECT_EQ(v->codecs[0].clock, 90000u);
    EXPECT_EQ(v->codecs[1].fmtp, "profile-level-id=42801e;packetization-mode=0;level-asymmetry-allowed=1");
    EXPECT_EQ(s.anomalies, 0u);
}

TEST(SdpGuide, WebexAnswerZeroesAudio) {
    const SdpSession s = parse_ok(kWebexAnswer);
    EXPECT_EQ(s.origin, "linus 0 1 IN IP4 146.20.193.109");
    const SdpMedia* a = s.first("audio");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->port, 0);
    EXPECT_TRUE(a->wildcard);
    EXPECT_EQ(a->codec_count, 0);
    EXPECT_EQ(a->codec_total, 0);
    const SdpMedia* v = s.first("VIDEO");  // media types compare case-insensitively
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->port, 33512);
    ASSERT_EQ(v->codec_count, 1);
    EXPECT_EQ(v->codecs[0].pt, 108);
    EXPECT_EQ(v->codecs[0].fmtp.substr(0, 23), "profile-level-id=42001E");
    EXPECT_EQ(s.first("application"), nullptr);
    EXPECT_EQ(s.anomalies, 0u);
}

TEST(SdpCodecs, AacLdAsMp4aLatm) {
    const SdpSession s = parse_ok(kAacLdOffer);
    const SdpMedia* a = s.first("audio");
    ASSERT_NE(a, nullptr);
    ASSERT_EQ(a->codec_count, 7);
    EXPECT_EQ(a->codecs[0].name, "MP4A-LATM");
    EXPECT_EQ(a->codecs[0].clock, 90000u);
    EXPECT_EQ(a->codecs[0].fmtp, "profile-level-id=24;object=23;bitrate=64000");
    EXPECT_EQ(a->codecs[1].fmtp, "profile-level-id=24;object=23;bitrate=56000");
    const bool accepted[] = {true, true, true, true, true, false, false};  // 101 102 9 0 8 18 103
    for (int i = 0; i < 7; ++i) EXPECT_EQ(webex_audio_codec(a->codecs[i]), accepted[i]) << int(a->codecs[i].pt);
    EXPECT_TRUE(sdp_auxiliary_codec(a->codecs[6]));
    EXPECT_EQ(a->direction, "sendrecv");
    EXPECT_EQ(s.anomalies, 0u);
}

TEST(SdpCodecs, StaticTypesWithoutRtpmap) {
    const SdpSession s = parse_ok(crlf("v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\n"
                                       "m=audio 49170 RTP/AVP 0 8 9 18 13 3 4\nm=video 51372 RTP/AVP 31 34 26\n"));
    const SdpMedia& a = s.media[0];
    ASSERT_EQ(a.codec_count, 7);
    const char* names[] = {"PCMU", "PCMA", "G722", "G729", "CN", "GSM", "G723"};
    for (int i = 0; i < 7; ++i) {
        EXPECT_EQ(a.codecs[i].name, names[i]);
        EXPECT_EQ(a.codecs[i].clock, 8000u);  // G.722 too: RFC 3551 §4.5.2 keeps 8000 for it
        EXPECT_EQ(a.codecs[i].fmtp, "");
    }
    EXPECT_TRUE(webex_audio_codec(a.codecs[0]));
    EXPECT_TRUE(webex_audio_codec(a.codecs[1]));
    EXPECT_TRUE(webex_audio_codec(a.codecs[2]));
    EXPECT_FALSE(webex_audio_codec(a.codecs[3]));
    EXPECT_TRUE(sdp_auxiliary_codec(a.codecs[4]));
    const SdpMedia& v = s.media[1];
    EXPECT_EQ(v.codecs[0].name, "H261");
    EXPECT_EQ(v.codecs[1].name, "H263");
    EXPECT_EQ(v.codecs[2].name, "JPEG");
    EXPECT_EQ(v.codecs[2].clock, 90000u);
    // A dynamic type without rtpmap has no name.
    const SdpSession d = parse_ok("v=0\r\nm=audio 1000 RTP/AVP 96\r\n");
    EXPECT_EQ(d.media[0].codecs[0].name, "");
    EXPECT_EQ(d.media[0].codecs[0].clock, 0u);
    // An rtpmap overrides the table; names compare case-insensitively.
    const SdpSession o = parse_ok("v=0\r\nm=audio 1000 RTP/AVP 0\r\na=rtpmap:0 pcmu/8000/1\r\n");
    EXPECT_EQ(o.media[0].codecs[0].name, "pcmu");
    EXPECT_TRUE(webex_audio_codec(o.media[0].codecs[0]));
    SdpCodec aac;
    aac.name = "aac-ld";
    EXPECT_TRUE(webex_audio_codec(aac));
    aac.name = "OPUS";
    EXPECT_FALSE(webex_audio_codec(aac));
}

TEST(SdpAttributes, DirectionsAndConnections) {
    // Session-level recvonly (RFC 3264 §5.1), one stream overriding it, and media-level c= lines.
    const SdpSession s = parse_ok(crlf(
        "v=0\no=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\ns=\nc=IN IP4 224.2.36.42/127\nt=0 0\na=recvonly\n"
        "m=audio 49170 RTP/AVP 0\nc=IN IP6 2001:db8::1\na=inactive\n"
        "m=video 51372 RTP/AVP 31\n"
        "m=audio 49174 RTP/AVP 8\na=sendonly\na=sendonly:junk\n"));
    EXPECT_EQ(s.connection, "224.2.36.42");
    EXPECT_EQ(s.direction, "recvonly");
    ASSERT_EQ(s.media_count, 3);
    EXPECT_EQ(s.media[0].direction, "inactive");
    EXPECT_EQ(s.media[0].connection, "2001:db8::1");
    EXPECT_EQ(s.media[1].direction, "");  // the session's applies
    EXPECT_EQ(s.media[1].connection, "");
    EXPECT_EQ(s.media[2].direction, "sendonly");
    EXPECT_EQ(s.first("audio"), &s.media[0]);
    EXPECT_EQ(s.anomalies, 0u);
}

TEST(SdpAttributes, NonRtpMediaAndModernProfiles) {
    // T.38 fax (as in SIP fax calls), WebRTC-style profiles, MSRP.
    const SdpSession s = parse_ok(crlf(
        "v=0\no=- 0 0 IN IP4 10.0.0.1\ns=-\nt=0 0\nm=image 49170 udptl t38\na=T38FaxVersion:0\n"
        "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\na=rtpmap:111 opus/48000/2\n"
        "m=message 7394 TCP/MSRP *\n"));
    ASSERT_EQ(s.media_count, 3);
    EXPECT_EQ(s.media[0].type, "image");
    EXPECT_EQ(s.media[0].codec_count, 0);
    EXPECT_EQ(s.media[0].codec_total, 0);
    ASSERT_EQ(s.media[1].codec_count, 2);
    EXPECT_EQ(s.media[1].codecs[0].name, "opus");
    EXPECT_EQ(s.media[1].codecs[0].clock, 48000u);
    EXPECT_EQ(s.media[1].codecs[1].name, "PCMU");
    EXPECT_TRUE(s.media[2].wildcard);
    EXPECT_EQ(s.anomalies, 0u);
}

TEST(SdpMalformed, NotSdpAtAll) {
    SdpSession s;
    const char* why = nullptr;
    EXPECT_FALSE(parse_sdp("", s, &why));
    EXPECT_STREQ(why, "not SDP: empty");
    EXPECT_FALSE(parse_sdp("\r\n\r\n", s, &why));
    EXPECT_FALSE(parse_sdp("o=- 0 0 IN IP4 1.2.3.4\r\nv=0\r\n", s, &why));
    EXPECT_STREQ(why, "not SDP: the first line is not v=");
    EXPECT_FALSE(parse_sdp("<?xml version=\"1.0\"?>", s, &why));
    EXPECT_FALSE(parse_sdp("--boundary\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n", s, &why));
    // Another version is still SDP, flagged.
    EXPECT_TRUE(parse_sdp("v=1\r\nm=audio 5004 RTP/AVP 0\r\n", s));
    EXPECT_EQ(s.anomalies, uint32_t(kSdpNoVersion));
    EXPECT_EQ(s.media_count, 1);
}

TEST(SdpMalformed, BadLinesAreSkippedAndCounted) {
    SdpSession s = parse_ok(crlf(
        "v=0\nthis is not a line\nX=upper\nc=IN IP4\n"
        "a=rtpmap:0 PCMU/8000\n"             // session-level rtpmap
        "m=audio 49170 RTP/AVP 0 abc 128 96\n"  // two bad formats
        "a=rtpmap:96 \n"                       // no encoding
        "a=rtpmap:97 foo/8000\n"               // a type the m= line lacks
        "a=rtpmap:96 L16\n"                    // no clock rate: name kept
        "a=rtpmap\n"
        "a=fmtp:0\n"
        "m =video 3227 RTP/AVP 31\n"           // RFC 4475 dblreq's broken line
        "m=audio abc RTP/AVP 8\n"              // bad port: its attributes must not land on the previous stream
        "a=rtpmap:8 G729/8000\n"
        "a=sendonly\n"
        "c=IN IP4 10.9.9.9\n"
        "m=audio 70000 RTP/AVP 8\n"
        "m=audio\n"));
    ASSERT_EQ(s.media_count, 1);
    const SdpMedia& a = s.media[0];
    EXPECT_EQ(a.codec_total, 2);
    ASSERT_EQ(a.codec_count, 2);
    EXPECT_EQ(a.codecs[0].name, "PCMU");
    EXPECT_EQ(a.codecs[1].pt, 96);
    EXPECT_EQ(a.codecs[1].name, "L16");
    EXPECT_EQ(a.codecs[1].clock, 0u);
    EXPECT_EQ(a.direction, "");
    EXPECT_EQ(a.connection, "");
    EXPECT_EQ(s.connection, "");
    EXPECT_EQ(s.anomalies, uint32_t(kSdpBadLine | kSdpBadRtpmap | kSdpBadFormat | kSdpBadMediaLine));
}

TEST(SdpMalformed, MediaAndCodecListsAreBounded) {
    std::string body = "v=0\n";
    for (int i = 0; i < 11; ++i) body.append("m=audio ").append(std::to_string(5000 + 2 * i)).append(" RTP/AVP 0\na=recvonly\n");
    SdpSession s = parse_ok(crlf(body));
    EXPECT_EQ(s.media_count, SdpSession::kMaxMedia);
    EXPECT_EQ(s.media[7].port, 5014);
    EXPECT_EQ(s.anomalies, uint32_t(kSdpTooManyMedia));
    body = "v=0\nm=audio 5000 RTP/AVP";
    for (int pt = 96; pt < 116; ++pt) body.append(" ").append(std::to_string(pt));
    body += "\na=rtpmap:115 X/8000\na=rtpmap:100 G722/8000\n";
    s = parse_ok(crlf(body));
    EXPECT_EQ(s.media[0].codec_count, SdpMedia::kMaxCodecs);
    EXPECT_EQ(s.media[0].codec_total, 20);
    EXPECT_EQ(s.media[0].codecs[4].name, "G722");
    EXPECT_EQ(s.anomalies, uint32_t(kSdpTooManyCodecs | kSdpBadRtpmap));  // 115 was not kept
    // 300 formats: the count saturates, never wraps.
    body = "v=0\nm=audio 5000 RTP/AVP";
    for (int i = 0; i < 300; ++i) body += " 0";
    s = parse_ok(crlf(body));
    EXPECT_EQ(s.media[0].codec_total, 255);
}

TEST(SdpMalformed, LineEndsAndRandomBodies) {
    // LF-only line ends, no final line end, blank lines.
    SdpSession s = parse_ok("v=0\n\nc=IN IP4 1.2.3.4\nm=audio 4000 RTP/AVP 8\n\na=sendonly");
    EXPECT_EQ(s.connection, "1.2.3.4");
    EXPECT_EQ(s.media[0].direction, "sendonly");
    EXPECT_EQ(s.anomalies, 0u);
    std::mt19937 rng(7);
    using namespace std::string_view_literals;
    const std::string_view pieces[] = {"v=0", "m=audio ", "m=video ", "a=rtpmap:", "a=fmtp:", "c=IN IP4 ", "a=sendonly",
                                       "0", "96", "127", "128", " ", "/", "*", "RTP/AVP", "\r\n", "\n", "\r", "=",
                                       "PCMU/8000", "\0"sv, "99999"};
    for (int i = 0; i < 5000; ++i) {
        std::string body = "v=0\r\n";
        const int n = int(rng() % 60);
        for (int k = 0; k < n; ++k) body += pieces[rng() % (sizeof pieces / sizeof *pieces)];
        SdpSession r;
        ASSERT_TRUE(parse_sdp(body, r));
        ASSERT_LE(r.media_count, SdpSession::kMaxMedia);
        for (uint8_t m = 0; m < r.media_count; ++m) {
            ASSERT_LE(r.media[m].codec_count, SdpMedia::kMaxCodecs);
            ASSERT_LE(r.media[m].codec_count, r.media[m].codec_total);
            for (uint8_t c = 0; c < r.media[m].codec_count; ++c) ASSERT_LE(r.media[m].codecs[c].pt, 127);
        }
    }
}
