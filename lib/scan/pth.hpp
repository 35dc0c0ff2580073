// .pth files as site.addpackage reads them: comment and blank lines ignored,
// "import" lines (executed by site; oxpack only reports them), and path lines
// joined to the site directory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oxpack::scan {

struct PthContent {
    std::vector<std::string> paths;         // absolute (joined to the site dir), in file order
    std::vector<std::string> import_lines;  // as written
};

PthContent parse_pth(std::string_view text, const std::string& site_dir);

}  // namespace oxpack::scan
