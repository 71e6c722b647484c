# Runs a program and passes only if it exits with 0 and prints exactly what a file holds (a
# documented example's output, as the page shows it), or output that matches a pattern and
# never says FAILED (an example that checks itself).
#
#   cmake -DPROGRAM=<exe> (-DEXPECTED=<file> | -DPATTERN=<regex>) [-DEMULATOR=<a,comma,separated,command>]
#         -P check-output.cmake
#
# Line ends are compared as "\n" (a Windows program prints "\r\n"); nothing else is folded for
# EXPECTED; PATTERN is matched with white space folded.

if(NOT DEFINED PROGRAM OR (NOT DEFINED EXPECTED AND NOT DEFINED PATTERN))
    message(FATAL_ERROR "check-output.cmake needs -DPROGRAM=... and -DEXPECTED=... or -DPATTERN=...")
endif()
set(_command "${PROGRAM}")
if(EMULATOR)
    string(REPLACE "," ";" _emulator "${EMULATOR}")
    set(_command ${_emulator} "${PROGRAM}")
endif()
execute_process(COMMAND ${_command} RESULT_VARIABLE _result OUTPUT_VARIABLE _printed ERROR_VARIABLE _errors)
if(NOT _result EQUAL 0)
    message(FATAL_ERROR "the program failed (${_result}):\n${_printed}${_errors}")
endif()
string(REPLACE "\r\n" "\n" _printed "${_printed}")
if(DEFINED PATTERN)
    string(REGEX REPLACE "[ \t\n]+" " " _flat "${_printed}")
    if(NOT _flat MATCHES "${PATTERN}" OR _flat MATCHES "FAILED")
        message(FATAL_ERROR "the program's output does not show what it must (\"${PATTERN}\", and no FAILED):\n"
                            "${_printed}${_errors}")
    endif()
    message(STATUS "printed what it must")
    return()
endif()
file(READ "${EXPECTED}" _expected)
if(NOT _printed STREQUAL _expected)
    message(FATAL_ERROR "the program printed something else than the page shows.\n"
                        "The page (${EXPECTED}):\n${_expected}\nThe program:\n${_printed}")
endif()
message(STATUS "printed what the page shows")
