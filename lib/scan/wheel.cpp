// Wheel names, tag compatibility (a subset of packaging.tags' rules that
// covers CPython 3.8+ on Linux), installer path mapping and RECORD parsing.
#include "scan/wheel.hpp"

#include <charconv>
#include <sstream>
#include <tuple>

#include "scan/names.hpp"

namespace oxpack::scan {
namespace {

std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t p = s.find(sep, start);
        out.emplace_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) break;
        start = p + 1;
    }
    return out;
}

// "cp311" -> 11, "py3" -> -1 (any), "py310" -> 10; nullopt when not Python 3.
std::optional<int> py3_minor(std::string_view tag, std::string_view prefix) {
    if (!starts_with(tag, prefix)) return std::nullopt;
    std::string_view v = tag.substr(prefix.size());
    if (v == "3") return -1;
    if (v.size() < 2 || v[0] != '3') return std::nullopt;
    int minor = 0;
    auto r = std::from_chars(v.data() + 1, v.data() + v.size(), minor);
    if (r.ec != std::errc() || r.ptr != v.data() + v.size()) return std::nullopt;
    return minor;
}

bool platform_ok(const std::string& plat, const TargetTags& t, std::string& why) {
    if (plat == "any") return true;
    if (t.os != "linux") {
        why = "platform " + plat;
        return false;
    }
    if (!ends_with(plat, "_" + t.arch)) {
        why = "platform " + plat + " (target is " + t.os + "_" + t.arch + ")";
        return false;
    }
    std::string base = plat.substr(0, plat.size() - t.arch.size() - 1);
    int need_major = 0, need_minor = 0;
    if (base == "linux") return true;
    if (base == "manylinux1") need_major = 2, need_minor = 5;
    else if (base == "manylinux2010") need_major = 2, need_minor = 12;
    else if (base == "manylinux2014") need_major = 2, need_minor = 17;
    else if (starts_with(base, "manylinux_")) {
        auto parts = split(base.substr(10), '_');
        if (parts.size() != 2) {
            why = "platform " + plat;
            return false;
        }
        need_major = std::atoi(parts[0].c_str());
        need_minor = std::atoi(parts[1].c_str());
    } else {
        why = "platform " + plat + " (target is " + t.os + "_" + t.arch + ")";
        return false;
    }
    if (std::tie(t.glibc_major, t.glibc_minor) >= std::tie(need_major, need_minor)) return true;
    why = "platform " + plat + " needs glibc " + std::to_string(need_major) + "." + std::to_string(need_minor) +
          " (target has " + std::to_string(t.glibc_major) + "." + std::to_string(t.glibc_minor) + ")";
    return false;
}

}  // namespace

std::optional<WheelName> parse_wheel_filename(std::string_view filename) {
    if (!ends_with(filename, ".whl")) return std::nullopt;
    auto parts = split(filename.substr(0, filename.size() - 4), '-');
    if (parts.size() != 5 && parts.size() != 6) return std::nullopt;
    for (const auto& p : parts)
        if (p.empty()) return std::nullopt;
    WheelName w;
    w.distribution = parts[0];
    w.version = parts[1];
    size_t k = 2;
    if (parts.size() == 6) w.build = parts[k++];
    w.python_tags = split(parts[k], '.');
    w.abi_tags = split(parts[k + 1], '.');
    w.platform_tags = split(parts[k + 2], '.');
    return w;
}

bool wheel_supported(const WheelName& wheel, const TargetTags& t, std::string& why) {
    std::string last_why = "python tag " + wheel.python_tags.front() + " / abi " + wheel.abi_tags.front();
    const std::string cp_exact = "cp3" + std::to_string(t.minor);
    for (const auto& py : wheel.python_tags)
        for (const auto& abi : wheel.abi_tags) {
            bool py_abi = false;
            if (abi == cp_exact) py_abi = py == cp_exact;
            else if (abi == "abi3") {
                auto m = py3_minor(py, "cp");
                py_abi = m && *m >= 2 && *m <= t.minor;
            } else if (abi == "none") {
                auto cpm = py3_minor(py, "cp");
                auto pym = py3_minor(py, "py");
                py_abi = (cpm && *cpm == t.minor) || (pym && *pym <= t.minor);
            }
            if (!py_abi) {
                last_why = "python tag " + py + " / abi " + abi + " (target is " + cp_exact + ")";
                continue;
            }
            for (const auto& plat : wheel.platform_tags)
                if (platform_ok(plat, t, last_why)) return true;
        }
    why = last_why;
    return false;
}

std::string wheel_install_path(const std::string& member, std::string_view data_dir) {
    if (!data_dir.empty() && starts_with(member, data_dir) && member.size() > data_dir.size() &&
        member[data_dir.size()] == '/') {
        std::string_view rest = std::string_view(member).substr(data_dir.size() + 1);
        for (std::string_view scheme : {"purelib/", "platlib/"})
            if (starts_with(rest, scheme)) return std::string(rest.substr(scheme.size()));
    }
    return member;
}

std::vector<std::pair<std::string, int64_t>> parse_record(std::string_view text) {
    std::vector<std::pair<std::string, int64_t>> rows;
    size_t pos = 0;
    while (pos < text.size()) {
        std::vector<std::string> fields(1);
        bool quoted = false;
        for (; pos < text.size(); ++pos) {
            char c = text[pos];
            if (quoted) {
                if (c == '"' && pos + 1 < text.size() && text[pos + 1] == '"') fields.back() += '"', ++pos;
                else if (c == '"') quoted = false;
                else fields.back() += c;
            } else if (c == '"') quoted = true;
            else if (c == ',') fields.emplace_back();
            else if (c == '\n') {
                ++pos;
                break;
            } else if (c != '\r') fields.back() += c;
        }
        if (fields[0].empty()) continue;
        int64_t size = -1;
        if (fields.size() >= 3 && !fields[2].empty()) {
            int64_t v = 0;
            auto r = std::from_chars(fields[2].data(), fields[2].data() + fields[2].size(), v);
            if (r.ec == std::errc()) size = v;
        }
        rows.emplace_back(fields[0], size);
    }
    return rows;
}

}  // namespace oxpack::scan
