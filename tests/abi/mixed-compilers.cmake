# Builds owner_callee.cpp with GCC and owner_caller.cpp with clang and links them:
#
#   cmake -DGCC=g++ -DCLANG=clang++-14 -DINCLUDE=include -DWORK=dir -DCLANG_FLAGS=... -DEXPECT=link-failure|run
#         -P mixed-compilers.cmake
#
# EXPECT=link-failure: CLANG_FLAGS turn the trivial ABI on, so clang's owners are trivial_abi
# and tagged and GCC's are not: the call must not link. EXPECT=run: both sides use the
# default, and the program must link and pass the owner correctly.

foreach(_required GCC CLANG INCLUDE WORK EXPECT)
    if(NOT DEFINED ${_required})
        message(FATAL_ERROR "mixed-compilers.cmake: -D${_required}=... is required")
    endif()
endforeach()
separate_arguments(_clang_flags UNIX_COMMAND "${CLANG_FLAGS}")
file(MAKE_DIRECTORY "${WORK}")
set(_here "${CMAKE_CURRENT_LIST_DIR}")

function(_run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
    set(_result "${_result}" PARENT_SCOPE)
    set(_output "${_out}${_err}" PARENT_SCOPE)
endfunction()

_run("${GCC}" -std=c++17 -O2 "-I${INCLUDE}" -c "${_here}/owner_callee.cpp" -o "${WORK}/callee.o")
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "GCC could not compile the callee:\n${_output}")
endif()
_run("${CLANG}" -std=c++17 -O2 ${_clang_flags} "-I${INCLUDE}" -c "${_here}/owner_caller.cpp" -o "${WORK}/caller.o")
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "clang could not compile the caller:\n${_output}")
endif()
_run("${GCC}" "${WORK}/caller.o" "${WORK}/callee.o" -o "${WORK}/mixed")

if(EXPECT STREQUAL "link-failure")
    if(_result EQUAL 0)
        message(FATAL_ERROR "GCC's and clang's objects linked although they pass owners differently")
    endif()
    if(NOT _output MATCHES "handoff_trivial_abi")
        message(FATAL_ERROR "The link failed, but not on the tagged owner:\n${_output}")
    endif()
    message(STATUS "the link failed on the tagged owner, as it must:\n${_output}")
else()
    if(NOT _result EQUAL 0)
        message(FATAL_ERROR "The objects did not link:\n${_output}")
    endif()
    _run("${WORK}/mixed")
    if(NOT _result EQUAL 0 OR NOT _output MATCHES "mixed compilers: ok")
        message(FATAL_ERROR "The mixed program failed (${_result}):\n${_output}")
    endif()
    message(STATUS "${_output}")
endif()
