// Writes every test vector and the README describing them into a directory:
//   oxpack_vector_gen format-spec/vectors
#include <cstdio>
#include <fstream>
#include <iostream>

#include "vectors.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: oxpack_vector_gen DIR\n";
        return 2;
    }
    const std::string dir = argv[1];
    try {
        auto vectors = oxpack::vectors::all_vectors();
        for (const auto& v : vectors) {
            std::ofstream f(dir + "/" + v.name, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(v.bytes.data()), static_cast<std::streamsize>(v.bytes.size()));
            if (!f) {
                std::cerr << dir << "/" << v.name << ": write failed\n";
                return 4;
            }
        }
        std::ofstream r(dir + "/README.md", std::ios::binary | std::ios::trunc);
        r << oxpack::vectors::readme(vectors);
        if (!r) {
            std::cerr << dir << "/README.md: write failed\n";
            return 4;
        }
        std::cout << vectors.size() << " vectors written to " << dir << "\n";
    } catch (const std::exception& e) {
        std::cerr << "oxpack_vector_gen: " << e.what() << "\n";
        return 70;
    }
    return 0;
}
