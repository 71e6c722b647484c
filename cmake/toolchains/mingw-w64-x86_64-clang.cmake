# Cross-compiles for 64-bit Windows with clang-14 against Debian's mingw-w64 headers and GCC
# runtime, links with lld, and runs the results under Wine. A second compiler catches what
# GCC lets through.

set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(HANDOFF_MINGW_TRIPLE x86_64-w64-mingw32)
set(CMAKE_C_COMPILER clang-14)
set(CMAKE_CXX_COMPILER clang++-14)
set(CMAKE_C_COMPILER_TARGET ${HANDOFF_MINGW_TRIPLE})
set(CMAKE_CXX_COMPILER_TARGET ${HANDOFF_MINGW_TRIPLE})
set(CMAKE_RC_COMPILER ${HANDOFF_MINGW_TRIPLE}-windres)

# clang's MinGW driver looks for lib/gcc/<triple>/<numeric version>, and Debian names the
# folder "12-posix": a sysroot of two links puts the headers and runtime where clang looks.
set(_handoff_sysroot "${CMAKE_BINARY_DIR}/mingw-clang-sysroot")
file(GLOB _handoff_gcc_dirs LIST_DIRECTORIES true "/usr/lib/gcc/${HANDOFF_MINGW_TRIPLE}/*-posix")
list(GET _handoff_gcc_dirs 0 _handoff_gcc_dir)
if(NOT IS_DIRECTORY "${_handoff_gcc_dir}")
    message(FATAL_ERROR "No /usr/lib/gcc/${HANDOFF_MINGW_TRIPLE}/*-posix: install g++-mingw-w64-x86-64-posix")
endif()
get_filename_component(_handoff_gcc_version "${_handoff_gcc_dir}" NAME)
string(REGEX REPLACE "-posix$" "" _handoff_gcc_version "${_handoff_gcc_version}")
file(MAKE_DIRECTORY "${_handoff_sysroot}/lib/gcc/${HANDOFF_MINGW_TRIPLE}")
file(CREATE_LINK "/usr/${HANDOFF_MINGW_TRIPLE}" "${_handoff_sysroot}/${HANDOFF_MINGW_TRIPLE}" SYMBOLIC)
file(CREATE_LINK "${_handoff_gcc_dir}" "${_handoff_sysroot}/lib/gcc/${HANDOFF_MINGW_TRIPLE}/${_handoff_gcc_version}"
     SYMBOLIC)
set(CMAKE_SYSROOT "${_handoff_sysroot}")

set(CMAKE_FIND_ROOT_PATH /usr/${HANDOFF_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -pthread and -femulated-tls match how Debian's GCC built libstdc++ and winpthreads; the two
# typeinfo macros are what GCC predefines for MinGW, without which lld sees duplicate
# std::type_info::operator== definitions.
set(_handoff_flags "-pthread -femulated-tls -D__GXX_TYPEINFO_EQUALITY_INLINE=0 -D__GXX_MERGED_TYPEINFO_NAMES=0")
set(CMAKE_C_FLAGS_INIT "${_handoff_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_handoff_flags}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -fuse-ld=lld -pthread")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${CMAKE_EXE_LINKER_FLAGS_INIT}")

include(${CMAKE_CURRENT_LIST_DIR}/wine-emulator.cmake)
