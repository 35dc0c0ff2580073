# oxpack_embed_files(<header> <namespace> NAME=FILE...)
#
# Compiles files kept as real files in the tree (Python programs a C++ part
# runs, a page template) into <header> as byte arrays (cmake/EmbedFiles.cmake
# writes it at build time, again whenever a file changes), so each stays a
# file that can be linted and tested on its own:
#   inline constexpr unsigned char NAME[] = {...};   // NUL-terminated
#   inline constexpr std::size_t NAME_size = ...;
function(oxpack_embed_files header namespace)
  set(files "")
  set(deps "")
  foreach(pair IN LISTS ARGN)
    list(APPEND files "${pair}")
    string(FIND "${pair}" "=" eq)
    math(EXPR from "${eq} + 1")
    string(SUBSTRING "${pair}" ${from} -1 path)
    list(APPEND deps "${path}")
  endforeach()
  string(REPLACE ";" "," files "${files}")
  add_custom_command(OUTPUT ${header}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${header} -DNAMESPACE=${namespace} "-DFILES=${files}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${deps} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding ${files}" VERBATIM)
endfunction()
