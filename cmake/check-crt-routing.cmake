# Checks that the test recorder wraps every C-runtime function that detail/crt_calls.hpp calls,
# so that tests/crt_routing_test.cpp sees each of them.
#
#   cmake -DHEADER=<crt_calls.hpp> -DWRAPPED=<a;list;of;functions> -P check-crt-routing.cmake

cmake_minimum_required(VERSION 3.14)

if(NOT DEFINED HEADER OR NOT DEFINED WRAPPED)
    message(FATAL_ERROR "check-crt-routing.cmake needs -DHEADER=... and -DWRAPPED=...")
endif()
string(REPLACE "|" ";" _wrapped "${WRAPPED}")
file(READ "${HEADER}" _text)
# The calls: "::name(" or "std::name(" with a lower-case C-runtime name (Win32 names are
# capitalised).
string(REGEX MATCHALL "(::|std::)[_a-z][_a-z0-9]*\\(" _calls "${_text}")
set(_missing "")
set(_seen "")
foreach(_call IN LISTS _calls)
    string(REGEX REPLACE "^(::|std::)" "" _name "${_call}")
    string(REGEX REPLACE "\\($" "" _name "${_name}")
    list(APPEND _seen "${_name}")
    if(NOT _name IN_LIST _wrapped)
        list(APPEND _missing "${_name}")
    endif()
endforeach()
list(REMOVE_DUPLICATES _seen)
if(_missing)
    list(REMOVE_DUPLICATES _missing)
    message(FATAL_ERROR "detail/crt_calls.hpp calls ${_missing}, which the test recorder does not wrap "
                        "(tests/support/crt_routing.cpp and HANDOFF_TEST_WRAPPED_CRT_FUNCTIONS)")
endif()
if(NOT _seen)
    message(FATAL_ERROR "found no C-runtime call in ${HEADER}: the check reads the wrong file")
endif()
message(STATUS "the recorder wraps every C-runtime call of crt_calls.hpp: ${_seen}")
