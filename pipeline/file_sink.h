// FileSink: one JSON event per line to a file (the --events-out option),
// line-buffered so a tail -f reader sees whole events.
#pragma once
#include <cstdio>
#include <memory>
#include <string>

#include "pipeline/event_sink.h"

namespace cs {

class FileSink : public EventSink {
public:
    // nullptr and a one-line reason in *error when the file cannot be opened.
    static std::unique_ptr<FileSink> open(const std::string& path, std::string* error);
    ~FileSink() override;
    bool publish(std::string_view topic, std::string_view json) override;
    const char* name() const override { return "file"; }

private:
    explicit FileSink(FILE* f) : f_(f) {}
    FILE* f_;
};

}  // namespace cs
