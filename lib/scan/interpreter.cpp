#include "scan/interpreter.hpp"

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/process.hpp"
#include "probe_interpreter_py.hpp"
#include "scan/python_versions.hpp"

namespace oxpack::scan {

std::string Interpreter::describe() const {
    return target.implementation + " " + target.python_version + " (" + target.cache_tag + ", " + sys_executable + ")";
}

Interpreter probe_interpreter(const std::string& python) {
    // lib/scan/probe_interpreter.py, embedded by the build.
    const std::string probe(reinterpret_cast<const char*>(kProbeInterpreter), kProbeInterpreter_size);
    util::RunResult r = util::run_capture({python, "-c", probe});
    if (r.exit_code != 0)
        throw Failure(Exit::BadInput, python + ": the interpreter probe failed (exit " + std::to_string(r.exit_code) +
                                          ")" + (r.err.empty() ? "" : ": " + r.err.substr(0, 500)));
    Interpreter it;
    try {
        auto j = nlohmann::json::parse(r.out);
        it.executable = python;
        it.sys_executable = j.at("executable").get<std::string>();
        auto& t = it.target;
        t.implementation = j.at("implementation").get<std::string>();
        t.python_version = j.at("version").get<std::string>();
        t.cache_tag = j.at("cache_tag").is_null() ? "" : j.at("cache_tag").get<std::string>();
        t.platform = j.at("multiarch").get<std::string>();
        t.hexversion = j.at("hexversion").get<uint32_t>();
        t.source_suffixes = j.at("source_suffixes").get<std::vector<std::string>>();
        t.bytecode_suffixes = j.at("bytecode_suffixes").get<std::vector<std::string>>();
        t.extension_suffixes = j.at("extension_suffixes").get<std::vector<std::string>>();
        std::string magic_hex = j.at("magic").get<std::string>();
        if (magic_hex.size() != 8) throw Failure(Exit::BadInput, python + ": unexpected bytecode magic " + magic_hex);
        for (size_t i = 0; i < 4; ++i)
            it.magic_bytes.push_back(static_cast<char>(std::stoi(magic_hex.substr(2 * i, 2), nullptr, 16)));
        t.pyc_magic = static_cast<uint32_t>(static_cast<unsigned char>(it.magic_bytes[0])) |
                      static_cast<uint32_t>(static_cast<unsigned char>(it.magic_bytes[1])) << 8 |
                      static_cast<uint32_t>(static_cast<unsigned char>(it.magic_bytes[2])) << 16 |
                      static_cast<uint32_t>(static_cast<unsigned char>(it.magic_bytes[3])) << 24;
        it.sys_path = j.at("sys_path").get<std::vector<std::string>>();
        it.prefix = j.at("prefix").get<std::string>();
        it.base_prefix = j.at("base_prefix").get<std::string>();
        it.exec_prefix = j.at("exec_prefix").get<std::string>();
        it.stdlib = j.at("stdlib").get<std::string>();
        it.platstdlib = j.at("platstdlib").get<std::string>();
        it.purelib = j.at("purelib").get<std::string>();
        it.platlib = j.at("platlib").get<std::string>();
        it.site_packages = j.at("site_packages").get<std::vector<std::string>>();
        it.optimize = j.at("optimize").get<int>();
        it.sysconfig_platform = j.at("sysconfig_platform").get<std::string>();
        it.libc = j.at("libc").get<std::string>();
        auto vi = j.at("version_info").get<std::vector<int>>();
        it.version_major = vi.at(0);
        it.version_minor = vi.at(1);
    } catch (const nlohmann::json::exception& e) {
        throw Failure(Exit::BadInput, python + ": unexpected interpreter probe output: " + e.what());
    }
    if (it.target.implementation != "cpython")
        throw Failure(Exit::BadInput, python + ": " + it.target.implementation + " is not supported (CPython only)");
    if (it.version_major != 3 || it.version_minor < kOldestMinor)
        throw Failure(Exit::BadInput, python + ": Python " + it.target.python_version + " is too old (" +
                                          version_name(kOldestMinor) + " or newer)");
    return it;
}

std::shared_future<Interpreter> probe_interpreter_async(const std::string& python) {
    return std::async(std::launch::async, probe_interpreter, python).share();
}

}  // namespace oxpack::scan
