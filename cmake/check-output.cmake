# Runs a program and passes only if it succeeds and prints exactly what a file holds: a
# documented example's output, as the page shows it.
#
#   cmake -DPROGRAM=<exe> -DEXPECTED=<file> [-DEMULATOR=<a,comma,separated,command>] -P check-output.cmake
#
# Line ends are compared as "\n" (a Windows program prints "\r\n"); nothing else is folded.

if(NOT DEFINED PROGRAM OR NOT DEFINED EXPECTED)
    message(FATAL_ERROR "check-output.cmake needs -DPROGRAM=... and -DEXPECTED=...")
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
file(READ "${EXPECTED}" _expected)
string(REPLACE "\r\n" "\n" _printed "${_printed}")
if(NOT _printed STREQUAL _expected)
    message(FATAL_ERROR "the program printed something else than the page shows.\n"
                        "The page (${EXPECTED}):\n${_expected}\nThe program:\n${_printed}")
endif()
message(STATUS "printed what the page shows")
