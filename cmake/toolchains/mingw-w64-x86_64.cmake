# Cross-compiles for 64-bit Windows with Debian's mingw-w64 GCC (posix thread model) and runs
# the results under Wine. Links msvcrt.dll, the CRT that MinGW programs use by default.
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(HANDOFF_MINGW_TRIPLE x86_64-w64-mingw32)
include(${CMAKE_CURRENT_LIST_DIR}/mingw-w64-gcc.cmake)
