# Runs README.md's Meson recipe as written: a consumer project whose meson.build is the recipe's
# block under a project() line, with the handoff tree in subprojects/handoff, built with Meson
# and run. Native builds only (a Meson cross file is the user's own).
#
#   cmake -DSOURCE=<handoff tree> -DWORK=<scratch dir> -DMESON=<meson> -P meson_recipe.cmake
cmake_minimum_required(VERSION 3.25)

foreach(_variable IN ITEMS SOURCE WORK MESON)
    if(NOT DEFINED ${_variable})
        message(FATAL_ERROR "meson_recipe.cmake needs -D${_variable}=...")
    endif()
endforeach()

file(READ "${SOURCE}/README.md" _readme)
string(FIND "${_readme}" "<!-- recipe: meson -->" _at)
if(_at EQUAL -1)
    message(FATAL_ERROR "README.md has no \"<!-- recipe: meson -->\"")
endif()
string(SUBSTRING "${_readme}" ${_at} -1 _rest)
if(NOT _rest MATCHES "```meson\n(.*)")
    message(FATAL_ERROR "no meson code block after the recipe's marker")
endif()
set(_rest "${CMAKE_MATCH_1}")
string(FIND "${_rest}" "```" _end)
string(SUBSTRING "${_rest}" 0 ${_end} _block)

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/subprojects")
# The files a user vendors: the build files and the headers.
file(COPY "${SOURCE}/meson.build" "${SOURCE}/include" DESTINATION "${WORK}/subprojects/handoff")
file(COPY "${SOURCE}/tests/consumers/consumer.cpp" DESTINATION "${WORK}")
file(RENAME "${WORK}/consumer.cpp" "${WORK}/app.cpp")
file(WRITE "${WORK}/meson.build" "project('consumer', 'cpp', default_options : ['cpp_std=c++17', 'werror=true', 'warning_level=3'])\n"
                                 "add_project_arguments('-DHANDOFF_CONSUMER=\"meson subproject\"', language : 'cpp')\n"
                                 "${_block}")

function(run_checked)
    execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${WORK}" RESULT_VARIABLE _result OUTPUT_VARIABLE _output
                    ERROR_VARIABLE _output)
    if(NOT _result EQUAL 0)
        string(REPLACE ";" " " _command "${ARGN}")
        message(FATAL_ERROR "${_command} failed (${_result}):\n${_output}")
    endif()
    message(STATUS "${_output}")
    set(_output "${_output}" PARENT_SCOPE)
endfunction()
run_checked("${MESON}" setup build)
# The subproject, not a copy installed on the machine (dependency() asks pkg-config and CMake first).
if(NOT _output MATCHES "Dependency handoff found: YES [0-9.]+ [(]overridden[)]")
    message(FATAL_ERROR "meson did not take handoff from subprojects/handoff:\n${_output}")
endif()
run_checked("${MESON}" compile -C build)
run_checked("${WORK}/build/app")
