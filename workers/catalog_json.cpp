#include "workers/catalog_json.h"

namespace cs {

void write_guidance(JsonWriter& w, FailureCode code, bool inbound, const std::vector<std::string>& evidence) {
    const CatalogEntry& e = catalog_entry(code);
    w.Key("failure"); w.String(e.name.data(), rapidjson::SizeType(e.name.size()));
    const auto guide = e.guide(inbound);
    w.Key("guide"); w.String(guide.data(), rapidjson::SizeType(guide.size()));
    w.Key("evidence");
    w.StartArray();
    for (const auto& line : evidence) w.String(line.c_str());
    w.EndArray();
    w.Key("candidate_causes");
    w.StartArray();
    const std::string_view* causes = e.candidate_causes(inbound);
    for (int i = 0; i < 3; ++i)
        if (!causes[i].empty()) w.String(causes[i].data(), rapidjson::SizeType(causes[i].size()));
    w.EndArray();
    const auto fix = e.remediation(inbound);
    w.Key("remediation"); w.String(fix.data(), rapidjson::SizeType(fix.size()));
}

}  // namespace cs
