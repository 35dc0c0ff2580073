# Interface targets carrying compile options, linked by every oxpack target.
add_library(oxpack_warnings INTERFACE)
target_compile_options(oxpack_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
  -Wunused -Woverloaded-virtual -Wimplicit-fallthrough
  -Wno-missing-field-initializers)

add_library(oxpack_sanitizers INTERFACE)
if(OXPACK_SANITIZE)
  target_compile_options(oxpack_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(oxpack_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
