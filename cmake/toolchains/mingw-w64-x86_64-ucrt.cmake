# As mingw-w64-x86_64.cmake, but every program links the Universal CRT (ucrtbase.dll), the CRT
# that MSVC programs use: 8192 descriptors instead of 2048, and an invalid-parameter handler
# that terminates the process by default.
#
# Debian's mingw-w64 is built for msvcrt.dll; a specs file with -lmsvcrt replaced by -lucrt
# switches the whole link, startup code included, to the UCRT import libraries.

include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-x86_64.cmake)

set(_handoff_specs "${CMAKE_BINARY_DIR}/handoff-ucrt.specs")
if(NOT EXISTS "${_handoff_specs}")
    execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpspecs
                    OUTPUT_VARIABLE _handoff_specs_text
                    RESULT_VARIABLE _handoff_specs_result)
    if(NOT _handoff_specs_result EQUAL 0)
        message(FATAL_ERROR "Could not read the specs of ${CMAKE_C_COMPILER}; is g++-mingw-w64-x86-64-posix installed?")
    endif()
    string(REPLACE "-lmsvcrt" "-lucrt" _handoff_specs_text "${_handoff_specs_text}")
    file(WRITE "${_handoff_specs}" "${_handoff_specs_text}")
endif()

# The headers stay in their msvcrt flavour: defining _UCRT would turn mbstate_t into a struct
# and break the ABI of Debian's libstdc++.a, which was built for msvcrt (custom streambufs then
# fail to link). Every function the tests use has the same declaration in both CRTs, and
# objdump shows that only api-ms-win-crt-* DLLs are imported.
set(CMAKE_C_FLAGS_INIT "-specs=${_handoff_specs}")
set(CMAKE_CXX_FLAGS_INIT "-specs=${_handoff_specs}")
# winpthreads calls _setjmp, which the UCRT import library exports as __intrinsic_setjmp.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -specs=${_handoff_specs} -Wl,--defsym,_setjmp=__intrinsic_setjmp")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${CMAKE_EXE_LINKER_FLAGS_INIT}")

# Tells the tests which CRT they must find loaded.
set(HANDOFF_TEST_CRT ucrt)
