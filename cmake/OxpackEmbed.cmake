# oxpack_embed_text(SOURCE <file> HEADER <generated .hpp> NAMESPACE <ns> SYMBOL <name>)
#
# Embeds a text file (a Python program a C++ part runs, a page template) as
#   inline constexpr const char <SYMBOL>[] = R"...(<contents>)...";
# in namespace <NAMESPACE>, so the program stays a real file in the tree that
# can be linted and tested on its own. Regenerated when the file changes.
function(oxpack_embed_text)
  cmake_parse_arguments(E "" "SOURCE;HEADER;NAMESPACE;SYMBOL" "" ${ARGN})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${E_SOURCE})
  file(READ ${E_SOURCE} text)
  if(text MATCHES "\\)OXPACK_EMBED\"")
    message(FATAL_ERROR "${E_SOURCE} contains the raw-string delimiter")
  endif()
  get_filename_component(name ${E_SOURCE} NAME)
  set(content "// Generated from ${name} by cmake/OxpackEmbed.cmake: do not edit.\n#pragma once\n\nnamespace ${E_NAMESPACE} {\n\ninline constexpr const char ${E_SYMBOL}[] = R\"OXPACK_EMBED(${text})OXPACK_EMBED\";\n\n}  // namespace ${E_NAMESPACE}\n")
  file(WRITE ${E_HEADER}.tmp "${content}")
  configure_file(${E_HEADER}.tmp ${E_HEADER} COPYONLY)
endfunction()
