// freeze/payload_order: payload order hints from the kind and a start-up profile.
#include <doctest/doctest.h>

#include "freeze/payload_order.hpp"

using namespace oxpack;
using namespace oxpack::freeze;
using format::InputEntry;
using format::Kind;
using format::Space;

namespace {

InputEntry entry(Space space, Kind kind, std::string key, std::string path, uint16_t root = 0) {
    InputEntry e;
    e.space = space;
    e.kind = kind;
    e.key = std::move(key);
    e.path = std::move(path);
    e.root = root;
    return e;
}

std::vector<InputEntry> sample() {
    return {
        entry(Space::Module, Kind::Source, "a", "a.py"),
        entry(Space::Module, Kind::Bytecode0, "a", "__pycache__/a.cpython-311.pyc"),
        entry(Space::Module, Kind::Source, "b", "b.py"),
        entry(Space::Module, Kind::Bytecode0, "b", "__pycache__/b.cpython-311.pyc"),
        entry(Space::Module, Kind::Source, "src_only", "src_only.py"),
        entry(Space::Module, Kind::Extension, "ext", "ext.so"),
        entry(Space::Resource, Kind::Resource, "a/data.txt", "a/data.txt", 1),
        entry(Space::Distribution, Kind::Metadata, "a-1.dist-info/METADATA", "a-1.dist-info/METADATA", 1),
    };
}

}  // namespace

TEST_CASE("layout: without a profile, bytecode, extensions, metadata, resources, then sources") {
    auto es = sample();
    auto stats = order_payloads(es, {"/r0", "/r1"}, {}, format::OriginMode::Original);
    CHECK(stats.profiled_entries == 0);
    CHECK(es[1].order_hint < es[5].order_hint);  // bytecode < extension
    CHECK(es[1].order_hint == es[3].order_hint);
    CHECK(es[5].order_hint < es[7].order_hint);  // extension < metadata
    CHECK(es[7].order_hint < es[6].order_hint);  // metadata < resource
    CHECK(es[6].order_hint < es[0].order_hint);  // resource < source
}

TEST_CASE("layout: without a profile, one kind's payloads are grouped by root in sys.path order") {
    // Names interleave across roots (a < b < c), as a stdlib and a
    // site-packages do; each root's bytecode must still lie together.
    std::vector<InputEntry> es = {
        entry(Space::Module, Kind::Bytecode0, "a", "__pycache__/a.pyc", 1),
        entry(Space::Module, Kind::Bytecode0, "b", "__pycache__/b.pyc", 0),
        entry(Space::Module, Kind::Bytecode0, "c", "__pycache__/c.pyc", 1),
        entry(Space::Module, Kind::Extension, "d", "d.so", 0),
        entry(Space::Module, Kind::Bytecode0, "e", "__pycache__/e.pyc", format::kNoRoot),
    };
    order_payloads(es, {"/stdlib", "/site"}, {}, format::OriginMode::Original);
    CHECK(es[1].order_hint < es[0].order_hint);  // root 0 before root 1
    CHECK(es[0].order_hint == es[2].order_hint);  // one root: one hint, entry order kept
    CHECK(es[0].order_hint < es[4].order_hint);  // no root: after every root
    CHECK(es[4].order_hint < es[3].order_hint);  // still bytecode before extensions
}

TEST_CASE("layout: profiled payloads first, in profile order, as each mode reads them from the blob") {
    std::vector<ProfileEvent> profile = {
        {ProfileEvent::Import, "b"},          {ProfileEvent::Import, "missing"},
        {ProfileEvent::Open, "/r1/a/data.txt"}, {ProfileEvent::Import, "ext"},
        {ProfileEvent::Import, "src_only"},   {ProfileEvent::Open, "/r1/a-1.dist-info/METADATA"},
        {ProfileEvent::Import, "a"},          {ProfileEvent::Open, "/elsewhere/x"},
    };
    auto es = sample();
    auto stats = order_payloads(es, {"/r0", "/r1"}, profile, format::OriginMode::Original);
    // Original mode: b, src_only (no bytecode: its source), metadata, a; not the extension or the resource.
    CHECK(stats.profiled_entries == 4);
    CHECK(es[3].order_hint < es[4].order_hint);
    CHECK(es[4].order_hint < es[7].order_hint);
    CHECK(es[7].order_hint < es[1].order_hint);
    for (size_t i : {0, 2, 5, 6}) CHECK(es[i].order_hint >= profile.size());
    CHECK(es[1].order_hint < es[0].order_hint);

    auto bs = sample();
    stats = order_payloads(bs, {"/r0", "/r1"}, profile, format::OriginMode::Blob);
    CHECK(stats.profiled_entries == 6);  // + the resource and the extension
    CHECK(bs[3].order_hint < bs[6].order_hint);
    CHECK(bs[6].order_hint < bs[5].order_hint);
    CHECK(bs[5].order_hint < bs[4].order_hint);

    // The same inputs, the same hints.
    auto again = sample();
    order_payloads(again, {"/r0", "/r1"}, profile, format::OriginMode::Blob);
    for (size_t i = 0; i < bs.size(); ++i) CHECK(again[i].order_hint == bs[i].order_hint);
}
