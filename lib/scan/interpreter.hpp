// Probing the target interpreter: run it once and learn everything the scan
// and the freeze need (version, bytecode magic, suffixes, sys.path...).
#pragma once

#include <future>
#include <string>
#include <vector>

#include "format/meta.hpp"

namespace oxpack::scan {

struct Interpreter {
    std::string executable;         // as given (--python), and sys.executable below
    std::string sys_executable;
    format::Target target;
    std::vector<std::string> sys_path;  // absolute, existing or not, '' and cwd dropped
    std::string prefix, base_prefix, exec_prefix;
    std::string stdlib;              // sysconfig 'stdlib'
    std::string platstdlib;          // sysconfig 'platstdlib'
    std::string purelib, platlib;    // sysconfig site-packages
    std::vector<std::string> site_packages;  // site.getsitepackages() + user site if enabled + (a venv) the base's
    int optimize = 0;                // sys.flags.optimize
    int version_major = 0, version_minor = 0;
    std::string magic_bytes;         // importlib.util.MAGIC_NUMBER, 4 bytes
    std::string sysconfig_platform;  // sysconfig.get_platform(): "linux-x86_64"
    std::string libc;                // platform.libc_ver(): "glibc 2.36" (Linux), else ""

    // "cpython 3.11.7 (cpython-311)"
    std::string describe() const;
};

// Runs `python` once. Throws oxpack::Failure(Exit::BadInput) naming the
// interpreter when it cannot run or is not a usable CPython >= 3.8.
Interpreter probe_interpreter(const std::string& python);

// probe_interpreter on a thread of its own: get() waits for the result
// (or rethrows the Failure), so the caller can work meanwhile.
std::shared_future<Interpreter> probe_interpreter_async(const std::string& python);

}  // namespace oxpack::scan
