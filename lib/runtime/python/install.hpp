// install(): putting a blob in service, in three steps (install.cpp):
//   1. read_install_options  the arguments, checked, as plain C++ values
//   2. open_blob_context     map the blob, verify it as `verify` says, check
//                            it was built for this interpreter and (original
//                            mode) that the frozen roots did not change
//   3. register_finder       a Finder ahead of PathFinder in sys.meta_path,
//                            its path hook, its mounts in the virtual file
//                            layer, and the per-version adjustments
// and activate_from_env(), the same driven by $OXPACK_* (the .pth hook).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/python/objects.hpp"

namespace oxpack::runtime {

enum class Stale { Warn, Error, Ignore };
// When the index is checked (install(verify=)): Pages (the default) page by
// page on first use, Index all of it at every install, Once all of it the first
// time this file is seen, Header never (structural checks on lookups only).
enum class Verify { Pages, Index, Once, Header };
enum class FilesOption { Default, Blob, Disk };

struct InstallOptions {
    std::string path;                        // absolute (lexically), as __file__ in blob mode shows it
    std::optional<format::OriginMode> origin;  // nullopt: the blob's own default
    Stale stale = Stale::Warn;
    Verify verify = Verify::Pages;
    FilesOption files = FilesOption::Default;  // Default: Blob in blob mode, Disk in original mode
    // Modules whose bodies run on first attribute access: none (False), the
    // blob's recorded set (True), or these globs.
    enum class Lazy { Off, Recorded, Globs } lazy = Lazy::Off;
    std::vector<std::string> lazy_globs;
};

// install(path, origin=None, stale='warn', verify='pages', files=None) -> Finder.
PyObject* install(PyObject* module, PyObject* path, PyObject* origin, PyObject* stale, PyObject* verify,
                  PyObject* files, PyObject* lazy);

// activate_from_env() -> [Finder]: the blobs named in $OXPACK_BLOB.
PyObject* activate_from_env(PyObject* module);

}  // namespace oxpack::runtime
