// Tests for lib/scan/pth: site.addpackage's line rules.
#include <doctest/doctest.h>

#include "scan/pth.hpp"

using namespace oxpack::scan;

TEST_CASE("parse_pth: paths joined to the site dir, imports reported, comments skipped") {
    auto c = parse_pth("# comment\n\nextra\n../other/ \nimport os; os.x()\nimport\tsys\n  \n/abs/path\n", "/site");
    REQUIRE(c.paths.size() == 3);
    CHECK(c.paths[0] == "/site/extra");
    CHECK(c.paths[1] == "/other/");
    CHECK(c.paths[2] == "/abs/path");
    REQUIRE(c.import_lines.size() == 2);
    CHECK(c.import_lines[0] == "import os; os.x()");
    CHECK(c.import_lines[1] == "import\tsys");
}
