// Byte counts for people: "1.0 GiB", "45.2 MiB", "812 KiB", "97 B".
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace oxpack::util {

inline std::string human_size(uint64_t bytes) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(bytes);
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof units / sizeof *units) v /= 1024, ++u;
    char buf[32];
    if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    else std::snprintf(buf, sizeof buf, v < 100 ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

}  // namespace oxpack::util
