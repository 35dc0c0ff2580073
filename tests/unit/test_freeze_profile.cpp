// freeze/profile: the start-up profile's text form; recording a real run.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "util/error.hpp"
#include "freeze/profile.hpp"
#include "helpers.hpp"

using namespace oxpack;
using namespace oxpack::freeze;

TEST_CASE("profile text: parse keeps the first of each event, format round-trips") {
    auto events = parse_profile("# comment\nimport json\n  import json.decoder  \njson\nopen /a b/c.txt\r\n\nos\n"
                                "open /a b/c.txt\n",
                                "p");
    REQUIRE(events.size() == 4);
    CHECK(events[0] == ProfileEvent{ProfileEvent::Import, "json"});
    CHECK(events[1] == ProfileEvent{ProfileEvent::Import, "json.decoder"});
    CHECK(events[2] == ProfileEvent{ProfileEvent::Open, "/a b/c.txt"});
    CHECK(events[3] == ProfileEvent{ProfileEvent::Import, "os"});
    CHECK(parse_profile(format_profile(events), "again") == events);
    CHECK(parse_profile("", "empty").empty());
}

TEST_CASE("profile text: malformed lines name the file and line") {
    auto fails = [](const char* text, const char* what) {
        try {
            parse_profile(text, "f.profile");
            FAIL("no error for " << text);
        } catch (const Failure& e) {
            CHECK(e.code() == Exit::BadInput);
            CHECK(std::string(e.what()).find(what) != std::string::npos);
        }
    };
    fails("json\nimport a b\n", "f.profile:2");
    fails("open relative/path\n", "absolute");
    fails("json\nfoo/bar\n", "not a module name");
}

TEST_CASE("profile text: the lazy analysis's lines") {
    auto events = parse_profile("import a\nran a 120\ntouched a VALUE __main__\ntouched a OTHER b\n"
                                "effect a changes sys.path\neffect a changes sys.path\neffect a puts x in sys.modules\n"
                                "failed b\n",
                                "p");
    REQUIRE(events.size() == 6);  // the second touch and the repeated effect dropped
    CHECK(events[1] == ProfileEvent{ProfileEvent::Ran, "a", "120"});
    CHECK(events[2] == ProfileEvent{ProfileEvent::Touched, "a", "VALUE __main__"});
    CHECK(events[3] == ProfileEvent{ProfileEvent::Effect, "a", "changes sys.path"});
    CHECK(events[4] == ProfileEvent{ProfileEvent::Effect, "a", "puts x in sys.modules"});
    CHECK(events[5] == ProfileEvent{ProfileEvent::Failed, "b"});
    CHECK(parse_profile(format_profile(events), "again") == events);
    CHECK_THROWS_AS(parse_profile("ran a\n", "p"), Failure);         // no time
    CHECK_THROWS_AS(parse_profile("failed a b\n", "p"), Failure);    // not a module name
    CHECK_THROWS_AS(parse_profile("effect a/b x\n", "p"), Failure);  // not a module name
}

TEST_CASE("record_profile: imports in order, files read, output and exit code kept, nothing from -I") {
    const char* py = "python3";
    test::TempDir dir;
    {
        std::ofstream f(dir / "data.txt");
        f << "x";
    }
    std::string script = "import json, colorsys\nopen('" + (dir / "data.txt").string() +
                         "').read()\nimport email.mime.text\nprint('hello')\nraise SystemExit(3)\n";
    ProfileRun run = record_profile({py, "-c", script}, 60);
    CHECK(run.exit_code == 3);
    CHECK_FALSE(run.timed_out);
    CHECK(run.output_tail.find("hello") != std::string::npos);
    auto pos = [&](ProfileEvent::Kind k, const std::string& n) {
        for (size_t i = 0; i < run.events.size(); ++i)
            if (run.events[i] == ProfileEvent{k, n}) return static_cast<long>(i);
        return -1L;
    };
    CHECK(pos(ProfileEvent::Import, "json") >= 0);
    CHECK(pos(ProfileEvent::Import, "json") < pos(ProfileEvent::Import, "colorsys"));
    CHECK(pos(ProfileEvent::Import, "colorsys") < pos(ProfileEvent::Open, (dir / "data.txt").string()));
    CHECK(pos(ProfileEvent::Open, (dir / "data.txt").string()) < pos(ProfileEvent::Import, "email.mime.text"));

    ProfileRun none = record_profile({py, "-I", "-c", "import json"}, 60);
    CHECK(none.events.empty());
    CHECK_THROWS_AS(record_profile({"/nonexistent/oxpack-no-such-program"}, 5), Failure);
}
