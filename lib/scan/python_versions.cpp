#include "scan/python_versions.hpp"

#include "scan/pyc.hpp"

namespace oxpack::scan {

namespace {
constexpr bool rows_ascend_by_one() {
    for (size_t i = 1; i < std::size(kPythonVersions); ++i)
        if (kPythonVersions[i].minor != kPythonVersions[i - 1].minor + 1) return false;
    return true;
}
constexpr bool one_pyc_header_size() {
    for (const auto& v : kPythonVersions)
        if (v.pyc_header_size != kPycHeaderSize) return false;
    return true;
}
}  // namespace

static_assert(rows_ascend_by_one(), "kPythonVersions: one row per minor version, in order");
// check_pyc (pyc.cpp) reads one header layout; a version with another needs it taught first.
static_assert(one_pyc_header_size(), "a pyc header size check_pyc does not read");

const PythonVersion& python_version(int minor) {
    if (minor <= kOldestMinor) return kPythonVersions[0];
    if (minor >= kNewestMinor) return kPythonVersions[std::size(kPythonVersions) - 1];
    return kPythonVersions[minor - kOldestMinor];
}

std::string version_name(int minor) { return "3." + std::to_string(minor); }

std::string cpython_cache_tag(int minor) { return "cpython-3" + std::to_string(minor); }

}  // namespace oxpack::scan
