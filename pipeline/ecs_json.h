// ecs_json: the pieces every callsentry event shares, in Elastic Common Schema
// form: packet-time timestamps, endpoint objects and the Community ID flow hash.
// Built on RapidJSON's Writer so escaping is always right.
#pragma once
#include <cstdint>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "pipeline/ip_addr.h"

namespace cs {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// "2017-09-20T14:49:18.724Z" (UTC, milliseconds) from nanoseconds since the epoch.
std::string iso8601_ms(uint64_t ts_ns);
// "2017-09-20T14:49:18.724312Z" (microseconds), for evidence lines.
std::string iso8601_us(uint64_t ts_ns);

// Community ID v1 (corelight/community-id-spec): "1:" + base64(SHA1(seed, saddr, daddr,
// proto, 0, sport, dport)) with the endpoints ordered as the spec says.
std::string community_id_v1(const IpAddr& saddr, const IpAddr& daddr, uint16_t sport, uint16_t dport,
                            uint8_t proto, uint16_t seed = 0);

// Writes "key":{"ip":"...","port":N} (ECS source/destination).
void write_endpoint(JsonWriter& w, const char* key, const IpAddr& ip, uint16_t port);

// Seconds with microsecond precision as a JSON number (e.g. 1.049312).
void write_seconds(JsonWriter& w, int64_t ns);

}  // namespace cs
