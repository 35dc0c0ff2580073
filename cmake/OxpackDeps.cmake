# Every dependency comes from the system (Debian packages); nothing is vendored.
# scripts/setup installs them.
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

if(OXPACK_BUILD_TOOLS OR OXPACK_BUILD_TESTS)
  find_package(CLI11 REQUIRED)
  find_package(nlohmann_json 3.10 REQUIRED)
  find_package(spdlog REQUIRED)
  pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
endif()
if(OXPACK_BUILD_TESTS)
  find_package(doctest REQUIRED)
endif()
find_package(Threads REQUIRED)
