// .pth parsing, following site.addpackage line by line.
#include "scan/pth.hpp"

#include <filesystem>

#include "scan/names.hpp"

namespace oxpack::scan {

PthContent parse_pth(std::string_view text, const std::string& site_dir) {
    PthContent out;
    size_t pos = 0;
    while (pos <= text.size()) {
        size_t nl = text.find('\n', pos);
        std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
        pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (starts_with(line, "#")) continue;
        // site strips the line before testing for blankness.
        size_t b = line.find_first_not_of(" \t\f\v");
        if (b == std::string_view::npos) continue;
        if (starts_with(line, "import ") || starts_with(line, "import\t")) {
            out.import_lines.emplace_back(line);
            continue;
        }
        // site: os.path.join(sitedir, line.rstrip())
        size_t e = line.find_last_not_of(" \t\f\v");
        std::string_view p = line.substr(0, e + 1);
        std::filesystem::path joined = std::filesystem::path(site_dir) / std::string(p);
        out.paths.push_back(joined.lexically_normal().string());
    }
    return out;
}

}  // namespace oxpack::scan
