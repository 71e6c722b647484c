# Runs README.md's Meson recipe as written: a consumer project whose meson.build is the recipe's
# block under a project() line, with the handoff tree in subprojects/handoff, built with Meson
# and run. A cross build (CROSS=1, for Windows) gets a Meson cross file made from the CMake
# toolchain's compiler and flags, and its program runs through RUN (Wine).
#
#   cmake -DSOURCE=<handoff tree> -DWORK=<scratch dir> -DMESON=<meson> -DCXX=<compiler|args>
#         [-DCXX_FLAGS=<a|b>] [-DLINK_FLAGS=<a|b>] [-DCROSS=1 -DCPU=<x86_64|i686> -DRUN=<wrapper>]
#         -P meson_recipe.cmake
cmake_minimum_required(VERSION 3.25)

foreach(_variable IN ITEMS SOURCE WORK MESON CXX)
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
# A Meson array of the '|'-separated words of `words`.
function(meson_array words out)
    string(REPLACE "|" ";" _words "${words}")
    set(_items "")
    foreach(_word IN LISTS _words)
        if(NOT _word STREQUAL "")
            list(APPEND _items "'${_word}'")
        endif()
    endforeach()
    list(JOIN _items ", " _joined)
    set(${out} "[${_joined}]" PARENT_SCOPE)
endfunction()
# CMake passes the compile flags to the link as well (sanitizers need them there); Meson is
# told the linker by name, so that it does not hand lld GNU ld's arguments.
set(_linker "")
if(LINK_FLAGS MATCHES "-fuse-ld=([a-z]+)")
    set(_linker "cpp_ld = '${CMAKE_MATCH_1}'\n")
    string(REGEX REPLACE "[|]?-fuse-ld=[a-z]+" "" LINK_FLAGS "${LINK_FLAGS}")
endif()
meson_array("${CXX}" _cxx)
meson_array("${CXX_FLAGS}" _cxx_flags)
meson_array("${CXX_FLAGS}|${LINK_FLAGS}" _link_flags)
if(CROSS)
    if(CPU MATCHES "^i.86$")
        set(_family x86)
    else()
        set(_family "${CPU}")
    endif()
    file(WRITE "${WORK}/cross.ini" "[binaries]\ncpp = ${_cxx}\n${_linker}exe_wrapper = '${RUN}'\n"
                                   "[built-in options]\ncpp_args = ${_cxx_flags}\ncpp_link_args = ${_link_flags}\n"
                                   "[host_machine]\nsystem = 'windows'\ncpu_family = '${_family}'\ncpu = '${CPU}'\n"
                                   "endian = 'little'\n")
    run_checked("${MESON}" setup build --cross-file cross.ini)
else()
    file(WRITE "${WORK}/native.ini" "[binaries]\ncpp = ${_cxx}\n${_linker}"
                                    "[built-in options]\ncpp_args = ${_cxx_flags}\ncpp_link_args = ${_link_flags}\n")
    run_checked("${MESON}" setup build --native-file native.ini)
endif()
# The subproject, not a copy installed on the machine (dependency() asks pkg-config and CMake first).
if(NOT _output MATCHES "Dependency handoff found: YES [0-9.]+ [(]overridden[)]")
    message(FATAL_ERROR "meson did not take handoff from subprojects/handoff:\n${_output}")
endif()
run_checked("${MESON}" compile -C build)
if(CROSS)
    string(REPLACE "|" ";" _run "${RUN}")
    run_checked(${_run} "${WORK}/build/app.exe")
else()
    run_checked("${WORK}/build/app")
endif()
