// Where extension modules live when they cannot be loaded from the blob's
// memory: an anonymous memory file (memfd), or a private, content-addressed
// cache directory reused across runs. Pure C++ (no Python); errors are values.
#pragma once

#include <span>
#include <string>

#include "format/result.hpp"

namespace oxpack::runtime {

// The per-user cache directory: $OXPACK_CACHE_DIR, else $XDG_CACHE_HOME/oxpack,
// else $HOME/.cache/oxpack, else /tmp/oxpack-<uid>. Created mode 0700 when
// missing; refused unless it is a real directory (not a symlink) owned by
// the effective user and writable by nobody else.
format::Result<std::string> private_cache_base();
// The path private_cache_base() would use, without creating or checking it.
std::string cache_base_path();

// Creates `dir` and its missing parents below `base` (mode 0700), checking
// each component as private_cache_base() checks the base.
format::Result<void> make_private_dirs(const std::string& base, const std::string& relative_dir);

// Makes the file at `path` hold exactly `bytes`: kept when it already does,
// else written to a temporary file and renamed over it (so concurrent
// processes never see a partial file). The temporary is made in `tmp_dir`
// (on the same file system; default: beside `path`, where a listing of the
// directory may show it while it is written). `mode` applies to new files.
format::Result<void> materialize(const std::string& path, std::span<const unsigned char> bytes, unsigned mode,
                                 const std::string& tmp_dir = std::string());

// An anonymous, close-on-exec memory file holding `bytes`; returns its
// descriptor. The file is sealed against changes where the kernel allows.
format::Result<int> memory_file(const std::string& name, std::span<const unsigned char> bytes);

// Lowercase hex of a 64-bit value, 16 digits.
std::string hex16(uint64_t v);

}  // namespace oxpack::runtime
