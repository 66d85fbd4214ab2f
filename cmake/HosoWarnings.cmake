# Warnings for Hoso's own code; third-party headers are included as SYSTEM.
add_library(hoso_warnings INTERFACE)
target_compile_options(hoso_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
  -Wimplicit-fallthrough)
if(HOSO_WERROR)
  target_compile_options(hoso_warnings INTERFACE -Werror)
endif()
if(HOSO_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
