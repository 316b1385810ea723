// catalog_json: the part of every failure event that comes from the catalog
// (failure code, guide reference, candidate causes, remediation) around the
// evidence the analyzer found, as callsentry.* JSON members.
#pragma once
#include <string>
#include <vector>

#include "pipeline/ecs_json.h"
#include "signatures/failure_catalog.h"

namespace cs {

void write_guidance(JsonWriter& w, FailureCode code, bool inbound, const std::vector<std::string>& evidence);

}  // namespace cs
