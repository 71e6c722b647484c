# Cross-compiles for 64-bit Windows with Debian's mingw-w64 GCC (posix thread model) and runs
# the results under Wine. Links msvcrt.dll, the CRT that MinGW programs use by default.
#
# The -posix compiler names are used on purpose: the win32 thread model of GCC 12 has no
# std::mutex, and installing it switches the unsuffixed names to it.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(HANDOFF_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${HANDOFF_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${HANDOFF_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${HANDOFF_MINGW_TRIPLE}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${HANDOFF_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Static linking: Wine does not search MinGW's DLL folders for libstdc++ and winpthreads.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

include(${CMAKE_CURRENT_LIST_DIR}/wine-emulator.cmake)
