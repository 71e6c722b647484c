# Cross-compiles for 32-bit Windows with Debian's mingw-w64 GCC (posix thread model).
#
# Running the results needs 32-bit Wine (wine32:i386). Without it, wine64 exits 0 on a 32-bit
# program without running it, so scripts/test.sh first runs a canary that must exit with 7.
set(CMAKE_SYSTEM_PROCESSOR x86)
set(HANDOFF_MINGW_TRIPLE i686-w64-mingw32)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-gcc.cmake)
