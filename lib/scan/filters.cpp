// Include/exclude globs and the stdlib test-suite rule.
#include "scan/filters.hpp"

#include <fnmatch.h>

#include "scan/names.hpp"

namespace oxpack::scan {

bool glob_match(const std::string& pattern, const std::string& text) {
    return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

std::vector<std::string> module_prefixes(const Item& item) {
    std::string name;
    if (item.space == format::Space::Module) name = item.key;
    else if (item.space == format::Space::Resource) name = item.package;
    std::vector<std::string> out;
    for (size_t pos = 0; !name.empty();) {
        size_t dot = name.find('.', pos);
        out.push_back(name.substr(0, dot));
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return out;
}

bool stdlib_test_module(const std::string& name) {
    size_t start = 0;
    for (;;) {
        size_t dot = name.find('.', start);
        std::string_view part = std::string_view(name).substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (part == "tests" || part == "test") return true;
        if (part == "idle_test" && std::string_view(name).substr(0, start) == "idlelib.") return true;
        if (dot == std::string::npos) return false;
        start = dot + 1;
    }
}

void apply_filters(ScanResult& result, const ScanOptions& options) {
    const bool globs = !options.include.empty() || !options.exclude.empty();
    for (Item& it : result.items) {
        if (!it.excluded.empty()) continue;  // already left out (too large)
        const ScanRoot& root = result.roots[it.root];
        if (!root.stdlib && !globs) continue;  // no rule can apply
        auto prefixes = module_prefixes(it);
        auto matches = [&](const std::vector<std::string>& patterns) {
            for (const auto& g : patterns) {
                if (glob_match(g, it.path) || glob_match(g, it.key)) return true;
                for (const auto& p : prefixes)
                    if (glob_match(g, p)) return true;
            }
            return false;
        };
        if (root.stdlib && !options.include_tests && !prefixes.empty() && stdlib_test_module(prefixes.back())) {
            it.excluded = "the stdlib's test suite (--include-tests keeps it)";
        } else if (root.stdlib && it.space == format::Space::File && starts_with(it.path, "config-")) {
            it.excluded = "the stdlib's build-support directory (not importable)";
        } else if (!options.include.empty() && !matches(options.include)) {
            it.excluded = "not matched by --include";
        } else if (matches(options.exclude)) {
            it.excluded = "matched by --exclude";
        } else {
            continue;
        }
        ++result.stats.excluded_files;
        result.stats.excluded_bytes += it.size;
    }
}

}  // namespace oxpack::scan
