#include "pipeline/file_sink.h"

#include <sys/uio.h>

#include <cerrno>
#include <cstring>

namespace cs {

std::unique_ptr<FileSink> FileSink::open(const std::string& path, std::string* error) {
    // Append (O_APPEND): the file is an event log that survives restarts and
    // logrotate's copytruncate, and each event lands at the end as a whole.
    FILE* f = std::fopen(path.c_str(), "ae");
    if (!f) {
        if (error) *error = path + ": " + std::strerror(errno);  // the caller names the flag
        return nullptr;
    }
    return std::unique_ptr<FileSink>(new FileSink(f));
}

FileSink::~FileSink() {
    if (f_) std::fclose(f_);
}

bool FileSink::publish(std::string_view /*topic*/, std::string_view json) {
    // One writev(2) per event (event + newline) straight to the descriptor,
    // bypassing stdio buffering: a `tail -f` reader sees whole lines at once,
    // and a failed write (disk full) leaves nothing half-buffered behind.
    struct iovec iov[2] = {{const_cast<char*>(json.data()), json.size()}, {const_cast<char*>("\n"), 1}};
    const int fd = fileno(f_);
    int first = 0;
    while (first < 2) {
        ssize_t n = ::writev(fd, iov + first, 2 - first);
        if (n == 0) return false;  // cannot happen for a file; never spin
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        // Short write: advance past what went out and write the rest.
        size_t done = size_t(n);
        while (first < 2 && done >= iov[first].iov_len) done -= iov[first++].iov_len;
        if (first < 2) {
            iov[first].iov_base = static_cast<char*>(iov[first].iov_base) + done;
            iov[first].iov_len -= done;
        }
    }
    return true;
}

}  // namespace cs
