#!/usr/bin/env python3
"""libFuzzer (ASan + UBSan) on the runtime's open and lookup path: tests/fuzz/fuzz_runtime_lookup.cpp."""
import fuzz_piece

fuzz_piece.run(
    "runtime_lookup", "Fuzzing the runtime's open and lookup path",
    "libFuzzer with AddressSanitizer and UndefinedBehaviorSanitizer on `tests/fuzz/runtime_lookup_target.cpp`, "
    "which links the runtime's core (`lib/runtime/core`, no Python): each input (as given, and with its "
    "checksums recomputed) is opened as `oxpack_runtime.install()` opens it, the index checksum checked or "
    "trusted as each `verify` mode does; then every module name is resolved at each optimisation level (and "
    "its parent, and a missing child, which searches for an implicit namespace), the chosen bytecode's header "
    "checked, every package's children listed, and the path index built and queried for every entry "
    "(`find_file`, `is_dir`, `list_dir`, `files_in`: what `get_data()` and `importlib.resources` use). "
    "Invariants on a blob `verify()` passes (a break is a finding): a module with code resolves to a choice "
    "naming its origin entry; every file is found at its path and root and listed in its directory; every "
    "module is among its package's children. Seeded with the spec's vectors, small blobs frozen from a tree "
    "with packages, namespace packages, resources, metadata, sourceless bytecode and two roots, and the kept "
    "corpus (`tests/fuzz/corpus/runtime_lookup/`, replayed by CI). Goal: at least 10 million executions, "
    "0 findings.")
