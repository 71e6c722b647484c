# Fails if the committed single header differs from a freshly generated one.
#
#   cmake -DFRESH=<scratch file> [-DCOMMITTED=<file>] -P cmake/check-single-header.cmake
#
# COMMITTED defaults to single_include/handoff/handoff.hpp.

cmake_minimum_required(VERSION 3.25)
get_filename_component(_root "${CMAKE_CURRENT_LIST_DIR}" DIRECTORY)
if(NOT DEFINED COMMITTED)
    set(COMMITTED "${_root}/single_include/handoff/handoff.hpp")
endif()
if(NOT DEFINED FRESH)
    message(FATAL_ERROR "check-single-header.cmake needs -DFRESH=<scratch file>")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" "-DOUTPUT=${FRESH}" -P "${_root}/cmake/amalgamate.cmake"
                RESULT_VARIABLE _result)
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "generating the single header failed")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${COMMITTED}" "${FRESH}" RESULT_VARIABLE _differs)
if(_differs)
    message(FATAL_ERROR "${COMMITTED} is stale: regenerate it with\n  cmake -P cmake/amalgamate.cmake\nand commit it.")
endif()
message(STATUS "the single header is up to date")
