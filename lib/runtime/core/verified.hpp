// install(verify="once"): remembering that a blob file passed the full index
// check, so that installing the same, unmodified file again skips it.
//
// A record is an empty file in the private cache directory
// (<cache>/verified/, see file_cache.hpp) whose name is the file's identity
// when it was checked: device, inode, size, modification and change times,
// and the header checksum. Any change made through the file system (a
// write, truncation, rename over it, touch) moves the change time, which no
// unprivileged process can set back, so the name no longer matches and the
// next install checks again. What a record cannot see: damage that bypasses
// the file system (a failing disk corrupting blocks in place) after the
// check; the runtime still never crashes on it (every index access is
// bounds-checked) nor runs damaged code (payloads are checksummed when
// used), but could serve wrong names or paths. Pure C++ (no Python).
#pragma once

#include <cstdint>
#include <string>

#include "format/mapped_file.hpp"

namespace oxpack::runtime {

// The record's file name for a file with `id` and header checksum `header`.
std::string verified_record_name(const format::FileIdentity& id, uint64_t header);

// True when `base`/verified holds the record and both are private (owned by
// this user, not writable by others). Two lstat() calls.
bool verified_before(const std::string& base, const format::FileIdentity& id, uint64_t header);

// Writes the record (creating <cache>/verified privately). Best effort:
// false when it could not (the next install checks again).
bool remember_verified(const format::FileIdentity& id, uint64_t header);

}  // namespace oxpack::runtime
