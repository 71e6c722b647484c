# Runs one of README.md's "Getting it into your project" recipes exactly as written there, in
# a consumer project of its own, and runs the program it builds. A recipe that does not work
# as written fails this test.
#
#   cmake -DRECIPE=<install|add_subdirectory|fetch_content> -DSOURCE=<handoff tree>
#         -DWORK=<scratch dir> -DGENERATOR=<generator> "-DOPTIONS=<a|b|...>" "-DRUN=<emulator|...>"
#         -DCROSS=<0|1> -P readme_recipe.cmake
#
# The README marks each recipe with "<!-- recipe: NAME -->" before its code block; <source>,
# <build>, <prefix>, <url> and <commit> are its placeholders, filled in here. The handoff tree
# a recipe uses is a copy of the files a consumer receives, in a git repository for FetchContent.

cmake_minimum_required(VERSION 3.25)

foreach(_variable IN ITEMS RECIPE SOURCE WORK GENERATOR)
    if(NOT DEFINED ${_variable})
        message(FATAL_ERROR "readme_recipe.cmake needs -D${_variable}=...")
    endif()
endforeach()
string(REPLACE "|" ";" _options "${OPTIONS}")
string(REPLACE "|" ";" _run "${RUN}")

# The code block after "<!-- recipe: NAME -->" in README.md.
function(readme_block name out)
    file(READ "${SOURCE}/README.md" _readme)
    string(FIND "${_readme}" "<!-- recipe: ${name} -->" _at)
    if(_at EQUAL -1)
        message(FATAL_ERROR "README.md has no \"<!-- recipe: ${name} -->\"")
    endif()
    string(SUBSTRING "${_readme}" ${_at} -1 _rest)
    if(NOT _rest MATCHES "```[a-z]*\n(.*)")
        message(FATAL_ERROR "no code block after the ${name} recipe's marker")
    endif()
    set(_rest "${CMAKE_MATCH_1}")
    string(FIND "${_rest}" "```" _end)
    string(SUBSTRING "${_rest}" 0 ${_end} _block)
    set(${out} "${_block}" PARENT_SCOPE)
endfunction()

function(run_checked)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE _result OUTPUT_VARIABLE _output ERROR_VARIABLE _output)
    if(NOT _result EQUAL 0)
        message(FATAL_ERROR "failed (${_result}): ${ARGN}\n${_output}")
    endif()
endfunction()

# What a consumer gets of handoff: the files its CMake and its compiler read.
function(copy_handoff destination)
    file(MAKE_DIRECTORY "${destination}")
    file(COPY "${SOURCE}/CMakeLists.txt" "${SOURCE}/LICENSE" "${SOURCE}/README.md" "${SOURCE}/cmake"
              "${SOURCE}/include" "${SOURCE}/docs" DESTINATION "${destination}")
endfunction()

# A consumer project whose CMakeLists.txt is `block` after its own first lines, built and run.
function(build_consumer block)
    set(_project "${WORK}/project")
    file(MAKE_DIRECTORY "${_project}")
    file(WRITE "${_project}/CMakeLists.txt" "cmake_minimum_required(VERSION 3.14...3.25)
project(readme_${RECIPE} LANGUAGES CXX)
add_executable(app consumer.cpp)
target_compile_definitions(app PRIVATE HANDOFF_CONSUMER=\"README ${RECIPE}\")
${block}")
    file(COPY "${CMAKE_CURRENT_LIST_DIR}/consumer.cpp" DESTINATION "${_project}")
    run_checked("${CMAKE_COMMAND}" -S "${_project}" -B "${WORK}/project-build" -G "${GENERATOR}" ${_options} ${ARGN})
    run_checked("${CMAKE_COMMAND}" --build "${WORK}/project-build")
    file(GLOB _programs "${WORK}/project-build/app" "${WORK}/project-build/app.exe")
    execute_process(COMMAND ${_run} ${_programs} RESULT_VARIABLE _result OUTPUT_VARIABLE _output
                    ERROR_VARIABLE _output)
    if(NOT _result EQUAL 0 OR NOT _output MATCHES "README ${RECIPE} consumer: handoff [0-9.]+ works")
        message(FATAL_ERROR "the consumer program failed (${_result}):\n${_output}")
    endif()
    message(STATUS "${_output}")
endfunction()

file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

if(RECIPE STREQUAL "install")
    copy_handoff("${WORK}/handoff")
    readme_block(install _commands)
    string(REPLACE "<source>" "${WORK}/handoff" _commands "${_commands}")
    string(REPLACE "<build>" "${WORK}/handoff-build" _commands "${_commands}")
    string(REPLACE "<prefix>" "${WORK}/prefix" _commands "${_commands}")
    string(REPLACE "\n" ";" _lines "${_commands}")
    foreach(_line IN LISTS _lines)
        if(_line STREQUAL "")
            continue()
        endif()
        separate_arguments(_words UNIX_COMMAND "${_line}")
        run_checked(${_words})
    endforeach()
    # No Catch2 was looked for: the tests were off.
    file(STRINGS "${WORK}/handoff-build/CMakeCache.txt" _catch2 REGEX "^HANDOFF_CATCH2")
    if(_catch2)
        message(FATAL_ERROR "installing looked for Catch2: ${_catch2}")
    endif()
    readme_block(find_package _block)
    # The README's two ways to point find_package at the prefix: the cross build's and the usual.
    if(CROSS)
        build_consumer("${_block}" "-Dhandoff_DIR=${WORK}/prefix/share/cmake/handoff")
    else()
        build_consumer("${_block}" "-DCMAKE_PREFIX_PATH=${WORK}/prefix")
    endif()
elseif(RECIPE STREQUAL "add_subdirectory")
    copy_handoff("${WORK}/project/third_party/handoff")
    readme_block(add_subdirectory _block)
    build_consumer("${_block}")
elseif(RECIPE STREQUAL "fetch_content")
    find_program(_git git REQUIRED)
    copy_handoff("${WORK}/repository")
    run_checked("${_git}" -C "${WORK}/repository" init -q)
    run_checked("${_git}" -C "${WORK}/repository" add -A)
    run_checked("${_git}" -C "${WORK}/repository" -c user.name=handoff -c user.email=handoff@invalid commit -q
                -m "handoff as a consumer fetches it")
    execute_process(COMMAND "${_git}" -C "${WORK}/repository" rev-parse HEAD OUTPUT_VARIABLE _commit
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    readme_block(fetch_content _block)
    string(REPLACE "<url>" "file://${WORK}/repository" _block "${_block}")
    string(REPLACE "<commit>" "${_commit}" _block "${_block}")
    build_consumer("${_block}")
    # handoff, fetched, is not the top-level project: none of its tests or examples were made.
    file(STRINGS "${WORK}/project-build/CMakeCache.txt" _tests REGEX "^HANDOFF_BUILD_TESTS:BOOL=ON")
    if(_tests)
        message(FATAL_ERROR "FetchContent built handoff's tests in a consumer")
    endif()
else()
    message(FATAL_ERROR "unknown recipe ${RECIPE}")
endif()
