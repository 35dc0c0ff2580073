#include "commands.hpp"

namespace oxpack::cli {

std::span<const Command> commands() {
    static const Command table[] = {
        {"scan", "Classify a Python environment as the target's import system sees it",
         "Walks the target interpreter's sys.path (or the PATHs given: directories, wheels, directories of "
         "wheels, zips) the way its import system would, and classifies every file: module sources, bytecode, "
         "extension modules, package resources, distribution metadata and other files. Shadowed names (a "
         "module that an earlier root already provides) are listed, not counted. Nothing is written.",
         "  oxpack scan                                   # python3's whole sys.path\n"
         "  oxpack scan .venv/lib/python3.11/site-packages --python .venv/bin/python\n"
         "  oxpack scan dist/*.whl --json | jq '.items[] | select(.kind == \"extension\") | .name'",
         setup_scan},
        {"freeze", "Pack a Python environment into a blob for a target interpreter",
         "Scans as 'oxpack scan' does, compiles what lacks valid bytecode with the target interpreter's own "
         "compiler (one helper process per core), and writes one blob: an index that the runtime looks names "
         "up in, and the payloads. The output is written atomically: readers see the old file or the new one. "
         "With --profile the payloads that a run of a command reads at start-up are laid out first, in that "
         "order. With --lazy auto the same run also chooses the blob's lazy set: the modules it imported and "
         "never used afterwards, whose import changed nothing outside themselves; their bodies then run on "
         "first use (install(lazy=True), oxpack run --lazy auto). --lazy check also runs the command eagerly "
         "and lazily and refuses the set if its output differs.",
         "  oxpack freeze -o app.oxr                      # python3's sys.path: stdlib + site-packages\n"
         "  oxpack freeze site-packages --python python3.12 --compress zstd:9 -o app.oxr\n"
         "  oxpack freeze wheels/ --exclude '*.tests' --sources drop --optimize 0,2 -o app.oxr\n"
         "  oxpack freeze --profile 'python3 -m myapp --version' --profile-out app.profile -o app.oxr\n"
         "  oxpack freeze --profile-from app.profile -o app.oxr   # the same layout again, no run\n"
         "  oxpack freeze --origin blob --materialize jedi -o app.oxr  # jedi runs a helper script by its path\n"
         "  oxpack freeze --profile 'python3 -m myapp --help' --lazy check -o app.oxr  # then: oxpack run app.oxr --lazy auto -m myapp\n"
         "  oxpack freeze --lazy-include 'sympy.*' --lazy-exclude 'sympy.core*' -o app.oxr\n"
         "  SOURCE_DATE_EPOCH=0 oxpack freeze -o a.oxr && oxpack verify a.oxr",
         setup_freeze},
        {"diff", "Compare two blobs: entries added, removed, changed",
         "Compares two blobs entry by entry (payload checksums and sizes), and their target interpreters. "
         "Exits 1 when they differ, as diff(1) does.",
         "  oxpack diff old.oxr new.oxr\n"
         "  oxpack diff old.oxr new.oxr --json | jq '.changed[].key'\n"
         "  oxpack diff -q old.oxr new.oxr || echo changed",
         setup_diff},
        {"ls", "List the entries of a blob",
         "One line per entry, in the index's order: kind, stored and raw size, compression, key. --json gives "
         "every field of every entry.",
         "  oxpack ls app.oxr\n  oxpack ls app.oxr --json | jq '.[].key'", setup_ls},
        {"info", "Show a blob's header, target interpreter and totals",
         "The header, the target interpreter, where the blob came from (its roots and the oxpack that wrote "
         "it) and totals by kind. --tree shows the bytes by root, package and kind instead: the same tree as "
         "'oxpack report' draws.", "  oxpack info app.oxr --json",
         setup_info},
        {"verify", "Check every checksum and structure of a blob",
         "Checks the header, the index and every payload against their checksums, and the index's structure. "
         "Exits 0 only when everything holds; every problem found is named.", "  oxpack verify app.oxr && echo"
         " intact",
         setup_verify},
        {"cat", "Write one entry's payload to stdout",
         "Writes the payload of one entry (checksum-checked, decompressed) to standard output, as bytes.",
         "  oxpack cat app.oxr json.decoder             # the module's source\n"
         "  oxpack cat app.oxr json.decoder --kind bytecode > decoder.pyc\n"
         "  oxpack cat app.oxr certifi/cacert.pem       # a package resource",
         setup_cat},
        {"extract", "Write a blob's files back under a directory",
         "Writes the files a blob holds back under a directory, at their paths relative to their roots.", "  "
         "oxpack extract app.oxr -o unpacked/",
         setup_extract},
        {"run", "Run a module or script with a blob serving its imports",
         "Runs Python with the blob installed ahead of the filesystem importer: an interpreter matching the "
         "blob's target is found (or --python names one), with the oxpack_runtime built for it, and "
         "OXPACK_BLOB is exported so that children of an environment with the hook keep the blob too. "
         "Everything after the blob and the options belongs to the program.",
         "  oxpack run app.oxr -m http.server 8000\n"
         "  oxpack run app.oxr myscript.py --its-own-flag\n"
         "  oxpack run app.oxr --origin blob -c 'import json; print(json.__file__)'\n"
         "  oxpack run app.oxr --python /usr/bin/python3.12 -m pytest\n"
         "  oxpack run app.oxr --verify once -m myapp     # index checked on the first start only",
         setup_run},
        {"hook", "Install a startup hook: any python in an environment honours $OXPACK_BLOB",
         "install puts a .pth file (and, when the environment has no oxpack_runtime of its own, the runtime) "
         "into the interpreter's site-packages, so that any python there, and its child processes, serve "
         "imports from the blobs named in $OXPACK_BLOB; without $OXPACK_BLOB it does nothing. remove takes out"
         " only the files install wrote. status tells what is there.",
         "  oxpack hook install --python .venv/bin/python\n"
         "  OXPACK_BLOB=$PWD/app.oxr .venv/bin/python -m myapp   # children keep the blob too\n"
         "  oxpack hook status --python .venv/bin/python --json\n"
         "  oxpack hook remove --python .venv/bin/python",
         setup_hook},
        {"report", "Write an HTML page showing what is in a blob and what makes it big",
         "Writes one self-contained HTML page (no network access needed): a treemap of the blob's bytes by "
         "root, package and kind, the largest entries, payloads stored more than once, and the payload order, "
         "which is what a start-up reads first when the blob was frozen with --profile.",
         "  oxpack report app.oxr -o report.html\n"
         "  oxpack report app.oxr -o - --top 100 > report.html",
         setup_report},
        {"lazy-report", "Say why each module a profiled run imported would or would not run lazily",
         "Runs a command under the recorder that freeze --lazy auto uses (or reads a profile it saved) and "
         "prints, for every module whose body ran, whether it would be in the lazy set and why: never used "
         "after its import; used (which attribute, read by which module); or an effect of its import outside "
         "itself (a registration, a sys.modules or sys.path edit, a write to another module...). No blob is "
         "built; freeze also drops modules that are not Python code in the blob.",
         "  oxpack lazy-report --profile 'python3 -m pip list'\n"
         "  oxpack lazy-report --profile-from app.profile --json | jq '.[] | select(.lazy) | .module'",
         setup_lazy_report},
        {"completion", "Print the shell completion script for bash, zsh or fish",
         "Prints the completion script for bash, zsh or fish, generated from the same command table as --help."
         " The wheel installs all three under share/.",
         "  oxpack completion bash > ~/.local/share/bash-completion/completions/oxpack\n"
         "  oxpack completion zsh > \"${fpath[1]}/_oxpack\"\n"
         "  oxpack completion fish > ~/.config/fish/completions/oxpack.fish",
         setup_completion},
        {"man", "Print the man page (roff)",
         "Prints the oxpack(1) man page (roff), generated from the same command table as --help.",
         "  oxpack man -o oxpack.1 && man ./oxpack.1",
         setup_man},
    };
    return table;
}

}  // namespace oxpack::cli
