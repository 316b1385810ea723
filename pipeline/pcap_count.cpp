#include "pipeline/pcap_count.h"

#include <pcap/pcap.h>

namespace cs {

bool pcap_file_facts(const std::string& path, PcapFileFacts* out, std::string* error) {
    char errbuf[PCAP_ERRBUF_SIZE] = {};
    pcap_t* p = pcap_open_offline(path.c_str(), errbuf);
    if (!p) {
        *error = path + ": " + errbuf;
        return false;
    }
    *out = PcapFileFacts{};
    out->linktype = pcap_datalink(p);
    pcap_pkthdr* h;
    const u_char* data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        ++out->packets;
        out->bytes += h->caplen;
        if (h->caplen > out->max_caplen) out->max_caplen = h->caplen;
    }
    if (rc == PCAP_ERROR) {
        // A truncated last record: the PMD stops at the same place, so the
        // packets counted so far are what it will deliver.
        *error = path + ": " + pcap_geterr(p) + " (after " + std::to_string(out->packets) + " packets)";
    }
    pcap_close(p);
    return true;
}

}  // namespace cs
