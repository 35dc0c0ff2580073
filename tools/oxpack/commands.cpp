#include "commands.hpp"

namespace oxpack::cli {

std::span<const Command> commands() {
    static const Command table[] = {
        {"scan", "Classify a Python environment as the target's import system sees it",
         "  oxpack scan                                   # python3's whole sys.path\n"
         "  oxpack scan .venv/lib/python3.11/site-packages --python .venv/bin/python\n"
         "  oxpack scan dist/*.whl --json | jq '.items[] | select(.kind == \"extension\") | .name'",
         setup_scan},
        {"freeze", "Pack a Python environment into a blob for a target interpreter",
         "  oxpack freeze -o app.oxr                      # python3's sys.path: stdlib + site-packages\n"
         "  oxpack freeze site-packages --python python3.12 --compress zstd:9 -o app.oxr\n"
         "  oxpack freeze wheels/ --exclude '*.tests' --sources drop --optimize 0,2 -o app.oxr\n"
         "  oxpack freeze --profile 'python3 -m myapp --version' --profile-out app.profile -o app.oxr\n"
         "  oxpack freeze --profile-from app.profile -o app.oxr   # the same layout again, no run\n"
         "  oxpack freeze --origin blob --materialize jedi -o app.oxr  # jedi runs a helper script by its path\n"
         "  SOURCE_DATE_EPOCH=0 oxpack freeze -o a.oxr && oxpack verify a.oxr",
         setup_freeze},
        {"diff", "Compare two blobs: entries added, removed, changed",
         "  oxpack diff old.oxr new.oxr\n"
         "  oxpack diff old.oxr new.oxr --json | jq '.changed[].key'\n"
         "  oxpack diff -q old.oxr new.oxr || echo changed",
         setup_diff},
        {"ls", "List the entries of a blob", "  oxpack ls app.oxr\n  oxpack ls app.oxr --json | jq '.[].key'", setup_ls},
        {"info", "Show a blob's header, target interpreter and totals", "  oxpack info app.oxr --json", setup_info},
        {"verify", "Check every checksum and structure of a blob", "  oxpack verify app.oxr && echo intact",
         setup_verify},
        {"cat", "Write one entry's payload to stdout",
         "  oxpack cat app.oxr json.decoder             # the module's source\n"
         "  oxpack cat app.oxr json.decoder --kind bytecode > decoder.pyc\n"
         "  oxpack cat app.oxr certifi/cacert.pem       # a package resource",
         setup_cat},
        {"extract", "Write a blob's files back under a directory", "  oxpack extract app.oxr -o unpacked/",
         setup_extract},
        {"run", "Run a module or script with a blob serving its imports",
         "  oxpack run app.oxr -m http.server 8000\n"
         "  oxpack run app.oxr myscript.py --its-own-flag\n"
         "  oxpack run app.oxr --origin blob -c 'import json; print(json.__file__)'\n"
         "  oxpack run app.oxr --python /usr/bin/python3.12 -m pytest\n"
         "  oxpack run app.oxr --verify once -m myapp     # index checked on the first start only",
         setup_run},
        {"hook", "Install a startup hook: any python in an environment honours $OXPACK_BLOB",
         "  oxpack hook install --python .venv/bin/python\n"
         "  OXPACK_BLOB=$PWD/app.oxr .venv/bin/python -m myapp   # children keep the blob too\n"
         "  oxpack hook status --python .venv/bin/python --json\n"
         "  oxpack hook remove --python .venv/bin/python",
         setup_hook},
    };
    return table;
}

}  // namespace oxpack::cli
