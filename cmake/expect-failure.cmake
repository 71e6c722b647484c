# Runs a command that must fail, and passes only if it did fail and its output matches the
# expected pattern, so that a test of a failure cannot pass by failing for another reason.
#
#   cmake -DCOMMAND=<a|separated|command> -DEXPECT=<regex> [-DEXPECT_CODE=n] [-DWORKING_DIRECTORY=dir]
#         [-DFIRST_ERROR=1 [-DFIRST_ERROR_MISSES=1]] -P expect-failure.cmake
#
# FIRST_ERROR=1 matches only the compiler's first error, with the context before it and the
# notes after it: a message that names the fix only in its tenth error does not pass.
# FIRST_ERROR_MISSES=1 turns that around, to test the extraction itself: the expected words
# must be in the output, and not in its first error.
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
set(_checked "${_output}")
if(FIRST_ERROR)
    # Ninja prints "FAILED: <target>" and the command line before the compiler's output.
    string(FIND "${_checked}" "FAILED: " _failed)
    if(_failed GREATER_EQUAL 0)
        string(SUBSTRING "${_checked}" ${_failed} -1 _checked)
        foreach(_line RANGE 1)
            string(FIND "${_checked}" "\n" _newline)
            math(EXPR _newline "${_newline} + 1")
            string(SUBSTRING "${_checked}" ${_newline} -1 _checked)
        endforeach()
    endif()
    string(FIND "${_checked}" "error:" _first)
    if(_first LESS 0)
        message(FATAL_ERROR "expected a compiler error, but the output has none:\n${_output}")
    endif()
    math(EXPR _after "${_first} + 6")
    string(SUBSTRING "${_checked}" ${_after} -1 _rest)
    string(FIND "${_rest}" "error:" _second)
    if(_second GREATER_EQUAL 0)
        # Back to the start of the second error's line.
        string(SUBSTRING "${_rest}" 0 ${_second} _rest)
        string(FIND "${_rest}" "\n" _line_start REVERSE)
        math(EXPR _length "${_after} + ${_line_start}")
        string(SUBSTRING "${_checked}" 0 ${_length} _checked)
    endif()
endif()
# Compared with white space folded, because CMake and Wine wrap long lines.
string(REGEX REPLACE "[ \t\r\n]+" " " _flat "${_checked}")
if(FIRST_ERROR_MISSES)
    # The check of the check: the words are in the output, but not in its first error.
    string(REGEX REPLACE "[ \t\r\n]+" " " _whole "${_output}")
    if(NOT _whole MATCHES "${EXPECT}" OR _flat MATCHES "${EXPECT}")
        message(FATAL_ERROR "expected \"${EXPECT}\" in the output but not in its first error:\n"
                            "First error:\n${_checked}\nWhole output:\n${_output}")
    endif()
    message(STATUS "failed as expected (${_result}); \"${EXPECT}\" is only after the first error")
    return()
endif()
if(NOT _flat MATCHES "${EXPECT}")
    if(FIRST_ERROR)
        message(FATAL_ERROR "the command failed (${_result}), but its first error does not match \"${EXPECT}\".\n"
                            "First error:\n${_checked}\nWhole output:\n${_output}")
    endif()
    message(FATAL_ERROR "the command failed (${_result}), but not with the expected \"${EXPECT}\":\n${_output}")
endif()
if(DEFINED EXPECT_CODE AND NOT _result EQUAL EXPECT_CODE)
    message(FATAL_ERROR "the command failed with ${_result}, not the expected ${EXPECT_CODE}:\n${_output}")
endif()
message(STATUS "failed as expected (${_result}), output matches \"${EXPECT}\"")
