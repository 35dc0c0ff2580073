// Finding what `oxpack run` and `oxpack hook` need on this machine: the
// oxpack_runtime extension built for an interpreter (by its cache tag), and
// an interpreter matching a blob's target.
#pragma once

#include <optional>
#include <string>

namespace oxpack::cli {

// The oxpack_runtime extension file for `cache_tag` ("cpython-311"):
// $OXPACK_RUNTIME_DIR/<tag>/, then next to this executable (the build tree's
// python/<tag>/), then the installed layout (../lib/oxpack/python/<tag>/),
// then the wheel's (the site-packages that holds oxpack/_bin/oxpack).
// nullopt when none is there.
std::optional<std::string> find_runtime_extension(const std::string& cache_tag);

// sys.implementation.cache_tag of `python`, or nullopt when it does not run.
std::optional<std::string> interpreter_cache_tag(const std::string& python);

// An interpreter whose cache tag is `cache_tag`: pythonX.Y and python3 on
// PATH, then pyenv's versions. Throws Failure(BadInput) naming what it tried.
std::string find_interpreter(const std::string& cache_tag, const std::string& version);

}  // namespace oxpack::cli
