# Runs cross-compiled test programs under Wine through cmake/wine-run.sh, which keeps one
# booted prefix and one persistent wineserver for the whole run.
get_filename_component(_handoff_cmake_dir "${CMAKE_CURRENT_LIST_DIR}" DIRECTORY)
set(CMAKE_CROSSCOMPILING_EMULATOR "${_handoff_cmake_dir}/wine-run.sh")
