# Draws docs/images/*.dot into SVGs with Graphviz's dot.
#
#   cmake -P cmake/draw-graphs.cmake                     rewrites docs/images/*.svg
#   cmake -DOUTPUT_DIR=<dir> -DCOMPARE=ON -P ...         draws into <dir> and fails unless every
#                                                        committed SVG equals its fresh drawing
#   (-DCOMMITTED_DIR=<dir>: compare with the SVGs there instead, for the test that must fail)
cmake_minimum_required(VERSION 3.25)

get_filename_component(_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(_images "${_root}/docs/images")
if(NOT DEFINED COMMITTED_DIR)
    set(COMMITTED_DIR "${_images}")
endif()
if(NOT DEFINED OUTPUT_DIR)
    set(OUTPUT_DIR "${_images}")
endif()
find_program(_dot dot)
if(NOT _dot)
    message(FATAL_ERROR "drawing the graphs needs Graphviz: apt-get install graphviz")
endif()

file(MAKE_DIRECTORY "${OUTPUT_DIR}")
file(GLOB _sources "${_images}/*.dot")
set(_stale "")
foreach(_source IN LISTS _sources)
    get_filename_component(_name "${_source}" NAME_WE)
    execute_process(COMMAND "${_dot}" -Tsvg "${_source}" -o "${OUTPUT_DIR}/${_name}.svg" RESULT_VARIABLE _result)
    if(NOT _result EQUAL 0)
        message(FATAL_ERROR "dot failed on ${_source}")
    endif()
    if(COMPARE)
        execute_process(COMMAND "${CMAKE_COMMAND}" -E compare_files "${OUTPUT_DIR}/${_name}.svg" "${COMMITTED_DIR}/${_name}.svg"
                        RESULT_VARIABLE _different)
        if(NOT _different EQUAL 0)
            list(APPEND _stale "docs/images/${_name}.svg")
        endif()
    endif()
endforeach()
if(_stale)
    string(REPLACE ";" ", " _stale "${_stale}")
    message(FATAL_ERROR "stale: ${_stale}; redraw with: cmake -P cmake/draw-graphs.cmake")
endif()
