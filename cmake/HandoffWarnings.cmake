# The warnings handoff's own tests, examples and header checks are built with. The headers
# must stay clean under them, since users build with strict flags of their own.
option(HANDOFF_WERROR "Treat warnings in handoff's tests and examples as errors" ${HANDOFF_IS_TOP_LEVEL})

function(handoff_strict_warnings target)
    if(MSVC)
        target_compile_options(${target} PRIVATE /W4 /permissive- $<$<BOOL:${HANDOFF_WERROR}>:/WX>)
    else()
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
                                                 $<$<BOOL:${HANDOFF_WERROR}>:-Werror>)
    endif()
endfunction()
