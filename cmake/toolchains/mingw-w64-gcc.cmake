# Shared by the MinGW-w64 GCC toolchain files, which set HANDOFF_MINGW_TRIPLE and
# CMAKE_SYSTEM_PROCESSOR first: Debian's cross GCC with the posix thread model, static
# linking, and Wine as the emulator.
#
# The -posix compiler names are used on purpose: the win32 thread model of GCC 12 has no
# std::mutex, and installing it switches the unsuffixed names to it.

set(CMAKE_SYSTEM_NAME Windows)
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
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${CMAKE_EXE_LINKER_FLAGS_INIT}")

include(${CMAKE_CURRENT_LIST_DIR}/wine-emulator.cmake)
