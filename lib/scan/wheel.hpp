// Wheels (PEP 427/491): the file-name tags, whether the target interpreter
// can use a wheel, where an installer would put each member, and RECORD.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oxpack::scan {

struct WheelName {
    std::string distribution, version, build;
    std::vector<std::string> python_tags, abi_tags, platform_tags;  // compressed tag sets, split on '.'
};

// Parses "name-ver(-build)?-py-abi-plat.whl"; nullopt when it is not one.
std::optional<WheelName> parse_wheel_filename(std::string_view filename);

// What the target accepts (from the interpreter probe).
struct TargetTags {
    int minor = 0;             // 3.<minor>
    std::string os = "linux";  // from sysconfig.get_platform(): "linux-x86_64"
    std::string arch;          // "x86_64"
    int glibc_major = 0, glibc_minor = 0;  // 0.0 when not glibc
};

// True when one of the wheel's tag triples is supported by the target;
// otherwise `why` says what did not fit.
bool wheel_supported(const WheelName& wheel, const TargetTags& target, std::string& why);

// Where an installer puts `member`: "<dist>.data/purelib/x" and
// ".../platlib/x" go to the root as "x"; everything else keeps its name.
std::string wheel_install_path(const std::string& member, std::string_view data_dir);

// RECORD rows: (path, size or -1 when absent). Quoted CSV fields are handled.
std::vector<std::pair<std::string, int64_t>> parse_record(std::string_view text);

}  // namespace oxpack::scan
