// Compiling sources to bytecode with the target interpreter's own compile():
// long-lived helper processes (one per core, started on first use) fed over
// pipes with a length-prefixed protocol, never a process per file.
//
//   request  = u8 optimize | u32 path_len | u32 source_len | path | source
//   response = u8 status (0 ok, 1 error) | u32 len | bytes
// ok: a complete .pyc (unchecked hash-based, PEP 552: reproducible whatever
// the source's mtime); error: "file:line: SyntaxError: message".
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace oxpack::freeze {

struct CompileJob {
    std::string filename;        // becomes co_filename; shown in errors
    const std::string* source = nullptr;
    int optimize = 0;
};

struct CompileResult {
    bool ok = false;
    std::string pyc;    // ok: the whole .pyc file
    std::string error;  // !ok: what went wrong, with file and line
};

// Compiles every job with `python`, on up to `threads` helpers (0: one per
// core). Throws oxpack::Failure(Internal) if a helper dies.
std::vector<CompileResult> compile_all(const std::string& python, const std::vector<CompileJob>& jobs, unsigned threads,
                                       const std::function<void()>& on_done = {});

// The helper's Python source (exposed for tests).
const char* compiler_helper_source();

}  // namespace oxpack::freeze
