# Where `cmake --install` and the wheel (scikit-build-core, SKBUILD) put things,
# and how a portable build links. Included before lib/ and tools/, which call
# oxpack_package_runtime() and oxpack_package_executable(); OxpackInstall.cmake
# (included last) installs the rest.
#
#   cmake --install build --prefix PREFIX       (packagers)
#     PREFIX/bin/oxpack
#     PREFIX/lib/oxpack/python/<cache_tag>/oxpack_runtime<EXT_SUFFIX>   (one per CPython built for;
#                                                the binary looks there for `oxpack run` and `oxpack hook`)
#     PREFIX/include/oxpack/format/*.hpp, PREFIX/lib/liboxpack_format.a,
#     PREFIX/lib/cmake/oxpack/oxpackConfig.cmake    (find_package(oxpack): the target oxpack::format)
#     PREFIX/share/{bash-completion,zsh,fish,man}/...
#
#   pip install . / pip wheel .                 (one wheel per interpreter)
#     <platlib>/oxpack/            the Python API (python/oxpack/), the binary in oxpack/_bin/
#     <platlib>/oxpack_runtime<EXT_SUFFIX>
#     <platlib>/oxpack.libs/       shared libraries that are not part of glibc (OXPACK_PORTABLE)
#     <data>/share/...             completions and the man page
include(GNUInstallDirs)

if(NOT DEFINED SKBUILD)
  set(SKBUILD OFF)
endif()
# A portable build runs on any x86-64 Linux with this build machine's glibc
# or newer, and nothing else installed: libstdc++ and libgcc linked
# statically, spdlog and fmt header-only (so no second libstdc++ comes in
# through them), and the C libraries Debian ships only as shared objects
# (or, like libzstd.a, not position-independent) copied into oxpack.libs/
# beside them, found through RPATH. The wheel build turns it on.
if(SKBUILD)
  set(portable_default ON)
else()
  set(portable_default OFF)
endif()
option(OXPACK_PORTABLE "Link for a self-contained wheel (static libstdc++, bundled C libraries)" ${portable_default})
if(OXPACK_PORTABLE AND CMAKE_VERSION VERSION_LESS 3.21)
  message(FATAL_ERROR "OXPACK_PORTABLE needs CMake 3.21 or newer (file(COPY_FILE))")
endif()

set(OXPACK_LIBS_DIR oxpack.libs)  # relative to the wheel's platlib

# The runtime extension `target` built for `tag` ("cpython-311").
function(oxpack_package_runtime target tag)
  if(OXPACK_PORTABLE)
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc)
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/${OXPACK_LIBS_DIR}")
  endif()
  if(SKBUILD)
    install(TARGETS ${target} LIBRARY DESTINATION . COMPONENT runtime)
  else()
    install(TARGETS ${target} LIBRARY DESTINATION lib/oxpack/python/${tag} COMPONENT runtime)
  endif()
  set_property(GLOBAL APPEND PROPERTY OXPACK_RUNTIME_TARGETS ${target})
endfunction()

# The oxpack executable.
function(oxpack_package_executable target)
  if(OXPACK_PORTABLE)
    # DT_RPATH (not RUNPATH): it also applies to the bundled libraries' own
    # dependencies (libzip -> libcrypto, libbz2, libz).
    target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc -Wl,--disable-new-dtags)
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/../../${OXPACK_LIBS_DIR}")
  endif()
  if(SKBUILD)
    install(TARGETS ${target} RUNTIME DESTINATION oxpack/_bin COMPONENT cli)
  else()
    install(TARGETS ${target} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
  endif()
endfunction()
