// freeze/lazy_choice: the lazy set a profile's analysis gives, with
// --lazy-include / --lazy-exclude and the blob's deferrable modules.
#include <doctest/doctest.h>

#include <map>

#include "freeze/lazy_choice.hpp"
#include "util/error.hpp"

using namespace oxpack;
using namespace oxpack::freeze;

namespace {

std::map<std::string, LazyDecision> by_module(const std::vector<LazyDecision>& ds) {
    std::map<std::string, LazyDecision> m;
    for (const auto& d : ds) m[d.module] = d;
    return m;
}

const char* kProfile =
    "import __main__\nimport unused\nran unused 1500\nimport used\nran used 10\ntouched used VALUE __main__\n"
    "import effects\nran effects 20\neffect effects changes sys.path\neffect effects registers an atexit function\n"
    "import fails\nfailed fails\nimport builtin_one\nimport ext\nran ext 5\nimport pkg.a\nran pkg.a 7\n"
    "touched who -\n";

}  // namespace

TEST_CASE("choose_lazy: never used and no effects, with the reasons") {
    auto ds = choose_lazy(parse_profile(kProfile, "p"), {}, true);
    auto m = by_module(ds);
    CHECK(ds.front().module == "__main__");  // the profile's order
    CHECK_FALSE(m["__main__"].lazy);
    CHECK(m["unused"].lazy);
    CHECK(m["unused"].micros == 1500);
    CHECK(m["unused"].reason == "never used after its import, no effects seen");
    CHECK_FALSE(m["used"].lazy);
    CHECK(m["used"].reason == "used after its import: .VALUE read by __main__");
    CHECK(m["who"].reason == "used after its import: .- read by unknown code");
    CHECK(m["effects"].reason == "its import has effects: changes sys.path (and 1 more)");
    CHECK(m["fails"].reason == "its body raised in the profiled run");
    CHECK(m["builtin_one"].reason.rfind("its body did not run from a file", 0) == 0);
    CHECK(lazy_names(ds) == std::vector<std::string>{"ext", "pkg.a", "unused"});
}

TEST_CASE("choose_lazy: the blob's code, --lazy-include and --lazy-exclude") {
    LazyChoiceOptions o;
    o.deferrable = [](const std::string& n) { return n != "ext"; };
    o.include = {"used", "more.*"};
    o.exclude = {"pkg.*", "more.no"};
    o.candidates = {"more.yes", "more.no", "unused", "zzz"};
    auto ds = choose_lazy(parse_profile(kProfile, "p"), o, true);
    auto m = by_module(ds);
    CHECK(m["ext"].reason == "not in the blob as Python source or bytecode");
    CHECK(m["used"].reason == "included by --lazy-include 'used'");
    CHECK(m["pkg.a"].reason == "excluded by --lazy-exclude 'pkg.*'");
    CHECK(m["more.no"].reason == "excluded by --lazy-exclude 'more.no'");
    CHECK(m.count("zzz") == 0);  // no glob names it
    CHECK(lazy_names(ds) == std::vector<std::string>{"more.yes", "unused", "used"});
    // Without the profile's choice, the globs alone.
    auto globs_only = lazy_names(choose_lazy({}, o, false));
    CHECK(globs_only == std::vector<std::string>{"more.yes"});
}

TEST_CASE("choose_lazy: auto needs the analysis in the profile") {
    CHECK_THROWS_AS(choose_lazy(parse_profile("import a\nimport b\n", "p"), {}, true), Failure);
    CHECK(choose_lazy(parse_profile("import a\n", "p"), {}, false).size() == 1);
}
