// oxpack freeze --lazy check: runs the profiled command twice with the blob
// just built installed in every Python process it starts (eagerly, then
// with the lazy set) and refuses the set when what it prints differs. When
// it does, the set is halved until one module is found whose deferral alone
// changes the output, so the message can name it (--lazy-exclude it).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "scan/interpreter.hpp"

namespace oxpack::cli {

struct LazyCheck {
    std::vector<std::string> argv;  // the profiled command (profile_argv)
    std::string what;               // how messages name it
    double timeout = 120;
};

// Throws Failure(CheckFailed) naming the first difference (and the module
// bisection found) when the outputs differ; Failure(BadInput) when the
// command's output is not the same twice eagerly (nothing to compare) or no
// oxpack_runtime for the target is on this machine. `image` is the blob;
// `lazy` its lazy set.
void check_lazy_set(const LazyCheck& check, const scan::Interpreter& python,
                    std::span<const std::span<const unsigned char>> image, const std::vector<std::string>& lazy);

}  // namespace oxpack::cli
