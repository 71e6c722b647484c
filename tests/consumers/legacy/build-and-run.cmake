# A legacy code base: it copies the single header next to its sources and builds with one
# plain compiler command, no CMake target and no include path to handoff's tree.
#
#   cmake -DHEADER=<single header> -DWORK=<scratch dir> -DCOMPILER=<c++> "-DFLAGS=<a|b|...>"
#         "-DRUN=<emulator|...>" -P build-and-run.cmake

cmake_minimum_required(VERSION 3.25)
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/vendor/handoff")
file(COPY "${HEADER}" DESTINATION "${WORK}/vendor/handoff")
file(WRITE "${WORK}/legacy.cpp" "#define HANDOFF_CONSUMER \"legacy\"\n#include \"${CMAKE_CURRENT_LIST_DIR}/../consumer.cpp\"\n")
string(REPLACE "|" ";" _flags "${FLAGS}")
string(REPLACE "|" ";" _run "${RUN}")
execute_process(COMMAND "${COMPILER}" ${_flags} -I "${WORK}/vendor" "${WORK}/legacy.cpp" -o "${WORK}/legacy.exe"
                RESULT_VARIABLE _built OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
if(NOT _built EQUAL 0)
    message(FATAL_ERROR "the plain compiler command failed:\n${_out}")
endif()
execute_process(COMMAND ${_run} "${WORK}/legacy.exe" RESULT_VARIABLE _ran OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
message(STATUS "${_out}")
if(NOT _ran EQUAL 0 OR NOT _out MATCHES "legacy consumer: handoff [0-9.]+ works")
    message(FATAL_ERROR "the legacy consumer failed (${_ran})")
endif()
