# handoff_read_version(<config.hpp> <out-var>): sets <out-var> to "major.minor.patch" from the
# HANDOFF_VERSION_* macros, which are the one place the version lives. Used by the project and
# by the amalgamation script.
function(handoff_read_version config_header out_var)
    file(STRINGS "${config_header}" _lines REGEX "^#define HANDOFF_VERSION_(MAJOR|MINOR|PATCH) [0-9]+$")
    set(_parts "")
    foreach(_part IN ITEMS MAJOR MINOR PATCH)
        if(NOT _lines MATCHES "HANDOFF_VERSION_${_part} ([0-9]+)")
            message(FATAL_ERROR "${config_header} defines no HANDOFF_VERSION_${_part}")
        endif()
        list(APPEND _parts "${CMAKE_MATCH_1}")
    endforeach()
    list(JOIN _parts "." _version)
    set(${out_var} "${_version}" PARENT_SCOPE)
endfunction()
