#include "commands.hpp"

namespace oxpack::cli {

std::span<const Command> commands() {
    static const Command table[] = {
        {"freeze", "Pack Python files into a blob",
         "  oxpack freeze /usr/lib/python3.11 -o stdlib.oxr\n"
         "  oxpack freeze site-packages --compress zstd:9 -o app.oxr",
         setup_freeze},
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
    };
    return table;
}

}  // namespace oxpack::cli
