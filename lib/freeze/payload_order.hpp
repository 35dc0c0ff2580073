// The payload order of a freeze (not the byte layout: format/layout.hpp):
// which payloads sit next to which in the blob's payload region (InputEntry::order_hint; the index is unaffected).
// Reading a module touches its bytecode, not its source: bytecode goes
// first, and with a start-up profile the payloads that start-up reads go
// before everything else, in the order it read them, so a cold start reads
// one contiguous stretch of the file instead of pages scattered over it.
#pragma once

#include <string>
#include <vector>

#include "format/layout.hpp"
#include "format/writer.hpp"
#include "freeze/profile.hpp"

namespace oxpack::freeze {

struct LayoutStats {
    size_t profiled_entries = 0;   // entries placed by the profile
    size_t profile_events = 0;     // events that named something in the blob
};

// Sets every entry's order_hint:
//   1. with a profile, in the order of its events: an imported module's
//      bytecode (every level), or its source when it has no bytecode; its
//      extension in blob mode (in original mode extensions load from their
//      own files); a file opened under one of `roots` that the blob holds as
//      metadata (any mode) or as a resource or plain file (blob mode);
//   2. then the rest by kind: bytecode, extensions, metadata, resources and
//      other files, sources; within a kind, by root (`roots` order, which is
//      sys.path's), so the modules of one root lie together.
// Entries keep their relative order within one hint. The same entries,
// roots and profile give the same hints.
LayoutStats order_payloads(std::vector<format::InputEntry>& entries, const std::vector<std::string>& roots,
                           const std::vector<ProfileEvent>& profile, format::OriginMode origin);

}  // namespace oxpack::freeze
