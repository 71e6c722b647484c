# Cross-compiles for 32-bit Windows with Debian's mingw-w64 GCC (posix thread model).
#
# Running the results needs 32-bit Wine (wine32:i386). Without it, wine64 exits 0 on a 32-bit
# program without running it, so scripts/test.sh first runs a canary that must exit with 7.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86)

set(HANDOFF_MINGW_TRIPLE i686-w64-mingw32)
set(CMAKE_C_COMPILER ${HANDOFF_MINGW_TRIPLE}-gcc-posix)
set(CMAKE_CXX_COMPILER ${HANDOFF_MINGW_TRIPLE}-g++-posix)
set(CMAKE_RC_COMPILER ${HANDOFF_MINGW_TRIPLE}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${HANDOFF_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

include(${CMAKE_CURRENT_LIST_DIR}/wine-emulator.cmake)
