# Runs a command that must fail, and passes only if it did fail and its output matches the
# expected pattern, so that a test of a failure cannot pass by failing for another reason.
#
#   cmake -DCOMMAND=<a|separated|command> -DEXPECT=<regex> [-DEXPECT_CODE=n] [-DWORKING_DIRECTORY=dir]
#         -P expect-failure.cmake
#
# The command is '|'-separated because CTest splits arguments on ';'.

if(NOT DEFINED COMMAND OR NOT DEFINED EXPECT)
    message(FATAL_ERROR "expect-failure.cmake needs -DCOMMAND=... and -DEXPECT=...")
endif()
string(REPLACE "|" ";" _command "${COMMAND}")
if(NOT DEFINED WORKING_DIRECTORY)
    set(WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
endif()
execute_process(COMMAND ${_command}
                WORKING_DIRECTORY "${WORKING_DIRECTORY}"
                RESULT_VARIABLE _result
                OUTPUT_VARIABLE _output
                ERROR_VARIABLE _output)
if(_result EQUAL 0)
    message(FATAL_ERROR "expected a failure, but the command succeeded:\n${_output}")
endif()
# Compared with white space folded, because CMake and Wine wrap long lines.
string(REGEX REPLACE "[ \t\r\n]+" " " _flat "${_output}")
if(NOT _flat MATCHES "${EXPECT}")
    message(FATAL_ERROR "the command failed (${_result}), but not with the expected \"${EXPECT}\":\n${_output}")
endif()
if(DEFINED EXPECT_CODE AND NOT _result EQUAL EXPECT_CODE)
    message(FATAL_ERROR "the command failed with ${_result}, not the expected ${EXPECT_CODE}:\n${_output}")
endif()
message(STATUS "failed as expected (${_result}), output matches \"${EXPECT}\"")
