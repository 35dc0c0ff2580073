// Lists a blob and prints one payload: consumer BLOB [KEY]
#include <oxpack/format/reader.hpp>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    auto blob = oxpack::format::Blob::open(argv[1]);
    if (!blob) {
        std::fprintf(stderr, "%s\n", blob.error().message.c_str());
        return 3;
    }
    std::printf("entries %u\n", blob->entry_count());
    for (uint32_t i = 0; i < blob->entry_count(); ++i) {
        auto e = blob->entry(i);
        if (!e) return 3;
        std::printf("%s %.*s\n", std::string(oxpack::format::to_string(static_cast<oxpack::format::Kind>(e->kind))).c_str(),
                    static_cast<int>(e->key.size()), e->key.data());
        if (argc > 2 && e->key == argv[2] && e->raw_size > 0) {
            auto p = blob->payload(*e);
            if (!p) return 3;
            std::printf("payload %zu bytes: %.*s\n", p->size(), static_cast<int>(p->size()), reinterpret_cast<const char*>(p->data()));
        }
    }
    return 0;
}
