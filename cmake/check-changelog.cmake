# Checks that the newest released section of CHANGELOG.md, and meson.build's project(), name the
# version that include/handoff/config.hpp defines, the one place the version lives (CMake and
# the single header read it from there; Meson 1.0 cannot).
#
#   cmake [-DCHANGELOG=<file>] [-DMESON_BUILD=<file>] -P cmake/check-changelog.cmake
cmake_minimum_required(VERSION 3.25)

get_filename_component(_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
include("${CMAKE_CURRENT_LIST_DIR}/HandoffVersion.cmake")
if(NOT DEFINED CHANGELOG)
    set(CHANGELOG "${_root}/CHANGELOG.md")
endif()
handoff_read_version("${_root}/include/handoff/config.hpp" _version)
file(STRINGS "${CHANGELOG}" _released REGEX "^## \\[[0-9]+\\.[0-9]+\\.[0-9]+\\]")
if(NOT _released)
    message(FATAL_ERROR "${CHANGELOG} has no released section (## [x.y.z] - date)")
endif()
list(GET _released 0 _newest)
string(REGEX REPLACE "^## \\[([0-9.]+)\\].*" "\\1" _newest "${_newest}")
if(NOT _newest STREQUAL _version)
    message(FATAL_ERROR "CHANGELOG.md's newest release is ${_newest}, config.hpp says ${_version}")
endif()
if(NOT DEFINED MESON_BUILD)
    set(MESON_BUILD "${_root}/meson.build")
endif()
file(READ "${MESON_BUILD}" _meson)
if(NOT _meson MATCHES "version : '([0-9.]+)'")
    message(FATAL_ERROR "${MESON_BUILD} names no version : '...' in project()")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL _version)
    message(FATAL_ERROR "meson.build's version is ${CMAKE_MATCH_1}, config.hpp says ${_version}")
endif()
