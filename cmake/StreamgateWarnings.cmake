# Warnings and sanitizers apply to StreamGate's own targets only, never to third-party code.
function(streamgate_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast)
  if(STREAMGATE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

if(STREAMGATE_SANITIZE)
  # Global so that every object in the process (including llhttp) is instrumented consistently.
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
