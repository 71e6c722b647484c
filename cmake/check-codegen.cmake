# Compares the code of raw and handoff functions, pair by pair, and fails when a pair's ratio
# exceeds its limit (tests/codegen/pairs.txt). Run by CTest:
#
#   cmake -DOBJDUMP=... -DOBJECTS=a.o|b.o -DPAIRS=pairs.txt -DPLATFORM=windows|posix
#         -DCOMPILER=gcc|clang -DRUN=cmd|arg... -DMODE=stdout|callgrind -DWORK_DIR=dir
#         [-DCRT=msvcrt|ucrt] [-DREPORT=codegen.tsv] -P check-codegen.cmake
#
# Static: instructions in each function of OBJECTS (alignment nops and int3 padding left out;
# GCC's .cold parts belong to their function), plus every function of OBJECTS it calls or takes
# the address of, transitively, each counted once. Calls into libraries and DLLs are not
# counted statically.
#
# Executed: RUN prints "<function> TAB <instructions> TAB <calls run at full speed>" per
# function (MODE stdout), or leaves callgrind dumps named after each function in WORK_DIR (MODE
# callgrind). The count of codegen_nothing, the harness's own cost, is taken off every count.
# The calls limit is how many more DLL calls the handoff function may make than its baseline:
# a probe that asks the loader or the server on every call shows there, where its
# instructions, run inside the DLL, do not.

cmake_minimum_required(VERSION 3.25)

foreach(_required OBJDUMP OBJECTS PAIRS PLATFORM COMPILER RUN MODE WORK_DIR)
    if(NOT DEFINED ${_required})
        message(FATAL_ERROR "check-codegen.cmake: -D${_required}=... is required")
    endif()
endforeach()
string(REPLACE "|" ";" OBJECTS "${OBJECTS}")
string(REPLACE "|" ";" RUN "${RUN}")

# --- static counts ------------------------------------------------------------------------

# Variables are keyed by a hash of the symbol: mangled names hold characters ($, .) that
# CMake variable references do not take.
macro(_symbol_key out symbol)
    string(MD5 ${out} "${symbol}")
endmacro()

set(_functions "")
foreach(_object IN LISTS OBJECTS)
    execute_process(COMMAND "${OBJDUMP}" -dr --no-show-raw-insn "${_object}" OUTPUT_VARIABLE _listing
                    RESULT_VARIABLE _result ERROR_VARIABLE _error)
    if(NOT _result EQUAL 0)
        message(FATAL_ERROR "${OBJDUMP} ${_object} failed: ${_error}")
    endif()
    string(REPLACE ";" "," _listing "${_listing}")
    string(REPLACE "\n" ";" _lines "${_listing}")
    set(_current "")
    foreach(_line IN LISTS _lines)
        if(_line MATCHES "^[0-9a-f]+ <([^>]+)>:$")
            set(_current "${CMAKE_MATCH_1}")
            string(REGEX REPLACE "\\.cold(\\.[0-9]+)?$" "" _current "${_current}")
            _symbol_key(_key "${_current}")
            if(NOT DEFINED _count_${_key})
                set(_count_${_key} 0)
                set(_refs_${_key} "")
                list(APPEND _functions "${_current}")
            endif()
        elseif(_current AND _line MATCHES "^ +[0-9a-f]+:\t(.*)$")
            set(_instruction "${CMAKE_MATCH_1}")
            if(NOT _instruction MATCHES "(^|[ \t])(nop[a-z]*|int3)([ \t]|$)" AND NOT _instruction MATCHES
                                                                                  "^xchg +%ax,%ax")
                math(EXPR _count_${_key} "${_count_${_key}} + 1")
            endif()
        elseif(_current AND _line MATCHES "^\t+[0-9a-f]+: [A-Z0-9_]+\t([^ +-]+)")
            # A relocation: the symbol this instruction calls, jumps to or takes the address of.
            set(_target "${CMAKE_MATCH_1}")
            string(REGEX REPLACE "^\\.text(\\.unlikely)?[.$]" "" _target "${_target}")
            list(APPEND _refs_${_key} "${_target}")
        endif()
    endforeach()
endforeach()

# The static count of `function` and everything of the objects it reaches, each once.
function(_static_count out function)
    set(_pending "${function}")
    set(_seen "")
    set(_total 0)
    while(_pending)
        list(POP_FRONT _pending _name)
        if("${_name}" IN_LIST _seen)
            continue()
        endif()
        list(APPEND _seen "${_name}")
        _symbol_key(_key "${_name}")
        if(NOT DEFINED _count_${_key})
            continue() # defined elsewhere: a library, a DLL, the runner
        endif()
        math(EXPR _total "${_total} + ${_count_${_key}}")
        list(APPEND _pending ${_refs_${_key}})
    endwhile()
    set(${out} ${_total} PARENT_SCOPE)
endfunction()

# --- executed counts ----------------------------------------------------------------------

if(MODE STREQUAL "callgrind")
    file(REMOVE_RECURSE "${WORK_DIR}")
    file(MAKE_DIRECTORY "${WORK_DIR}")
    execute_process(COMMAND valgrind --tool=callgrind --collect-atstart=no "--callgrind-out-file=${WORK_DIR}/out"
                            ${RUN} RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
    if(NOT _result EQUAL 0)
        message(FATAL_ERROR "The runner failed under callgrind (${_result}):\n${_out}\n${_err}")
    endif()
    file(GLOB _dumps "${WORK_DIR}/out*")
    foreach(_dump IN LISTS _dumps)
        file(STRINGS "${_dump}" _head REGEX "^(desc: Trigger: Client Request: |totals: |summary: )")
        set(_name "")
        set(_value "")
        foreach(_line IN LISTS _head)
            if(_line MATCHES "^desc: Trigger: Client Request: (.+)$")
                set(_name "${CMAKE_MATCH_1}")
            elseif(_line MATCHES "^(totals|summary): ([0-9]+)" AND _value STREQUAL "")
                set(_value "${CMAKE_MATCH_2}")
            endif()
        endforeach()
        if(_name AND NOT _value STREQUAL "")
            _symbol_key(_key "${_name}")
            set(_executed_${_key} "${_value}")
            set(_calls_${_key} "-")
        endif()
    endforeach()
else()
    execute_process(COMMAND ${RUN} RESULT_VARIABLE _result OUTPUT_VARIABLE _out ERROR_VARIABLE _err)
    if(NOT _result EQUAL 0)
        message(FATAL_ERROR "The runner failed (${_result}):\n${_out}\n${_err}")
    endif()
    string(REPLACE "\n" ";" _rows "${_out}")
    foreach(_row IN LISTS _rows)
        if(_row MATCHES "^([A-Za-z0-9_@]+)\t([0-9]+)\t([0-9]+)")
            _symbol_key(_key "${CMAKE_MATCH_1}")
            set(_executed_${_key} "${CMAKE_MATCH_2}")
            set(_calls_${_key} "${CMAKE_MATCH_3}")
        endif()
    endforeach()
endif()
_symbol_key(_key codegen_nothing)
if(NOT DEFINED _executed_${_key})
    message(FATAL_ERROR "The runner reported no count for codegen_nothing:\n${_out}\n${_err}")
endif()
set(_harness ${_executed_${_key}})

function(_executed_count out calls function)
    _symbol_key(_key "${function}")
    if(NOT DEFINED _executed_${_key})
        message(FATAL_ERROR "The runner reported no count for ${function}")
    endif()
    math(EXPR _net "${_executed_${_key}} - ${_harness}")
    set(${out} ${_net} PARENT_SCOPE)
    set(${calls} ${_calls_${_key}} PARENT_SCOPE)
endfunction()

# --- the pairs ------------------------------------------------------------------------------

# "1.10" as thousandths, 1100; "-" stays "-".
function(_thousandths out text)
    if(text STREQUAL "-")
        set(${out} "-" PARENT_SCOPE)
        return()
    endif()
    if(NOT text MATCHES "^([0-9]+)(\\.([0-9]+))?$")
        message(FATAL_ERROR "${PAIRS}: '${text}' is not a ratio")
    endif()
    set(_fraction "${CMAKE_MATCH_3}000")
    string(SUBSTRING "${_fraction}" 0 3 _fraction)
    math(EXPR _value "${CMAKE_MATCH_1} * 1000 + 1${_fraction} - 1000")
    set(${out} ${_value} PARENT_SCOPE)
endfunction()

function(_ratio out numerator denominator)
    if(denominator LESS_EQUAL 0)
        set(denominator 1)
    endif()
    math(EXPR _value "(${numerator} * 1000 + ${denominator} / 2) / ${denominator}")
    math(EXPR _whole "${_value} / 1000")
    math(EXPR _part "${_value} % 1000 + 1000")
    string(SUBSTRING "${_part}" 1 2 _part)
    set(${out} ${_value} PARENT_SCOPE)
    set(${out}_text "${_whole}.${_part}" PARENT_SCOPE)
endfunction()

file(STRINGS "${PAIRS}" _pair_lines)
set(_failures "")
set(_report "job\tcompiler\tplatform\tbaseline\thandoff\tstatic baseline\tstatic handoff\tstatic ratio\tstatic limit\t")
string(APPEND _report "executed baseline\texecuted handoff\texecuted ratio\texecuted limit\tfull-speed calls\n")
set(_table "")
set(_checked 0)
foreach(_line IN LISTS _pair_lines)
    if(_line MATCHES "^[ \t]*(#|$)")
        continue()
    endif()
    string(REGEX REPLACE "[ \t]+" ";" _fields "${_line}")
    list(LENGTH _fields _field_count)
    if(NOT _field_count EQUAL 8)
        message(FATAL_ERROR "${PAIRS}: expected 8 fields: ${_line}")
    endif()
    list(GET _fields 0 _job)
    list(GET _fields 1 _baseline)
    list(GET _fields 2 _handoff)
    list(GET _fields 3 _static_limit_text)
    list(GET _fields 4 _executed_limit_text)
    list(GET _fields 5 _where)
    list(GET _fields 6 _compilers)
    list(GET _fields 7 _calls_limit)
    if(NOT (_where STREQUAL "all" OR _where STREQUAL PLATFORM OR _where STREQUAL "${PLATFORM}-${CRT}"))
        continue()
    endif()
    if(NOT (_compilers STREQUAL "all" OR _compilers STREQUAL COMPILER))
        continue()
    endif()
    _thousandths(_static_limit "${_static_limit_text}")
    _thousandths(_executed_limit "${_executed_limit_text}")

    # "function@case" is a function measured on another input: the same code, another run.
    string(REGEX REPLACE "@.*" "" _baseline_function "${_baseline}")
    string(REGEX REPLACE "@.*" "" _handoff_function "${_handoff}")
    _static_count(_static_baseline ${_baseline_function})
    _static_count(_static_handoff ${_handoff_function})
    if(_static_baseline EQUAL 0 OR _static_handoff EQUAL 0)
        message(FATAL_ERROR "${_baseline} or ${_handoff} is not in the objects")
    endif()
    _ratio(_static_ratio ${_static_handoff} ${_static_baseline})
    _executed_count(_executed_baseline _calls_baseline ${_baseline})
    _executed_count(_executed_handoff _calls_handoff ${_handoff})
    _ratio(_executed_ratio ${_executed_handoff} ${_executed_baseline})

    set(_verdict "")
    if(NOT _static_limit STREQUAL "-" AND _static_ratio GREATER _static_limit)
        list(APPEND _failures
             "${_job}: static ${_static_handoff} vs ${_static_baseline} = ${_static_ratio_text}x > ${_static_limit_text}x")
        set(_verdict " FAIL")
    endif()
    if(NOT _executed_limit STREQUAL "-" AND _executed_ratio GREATER _executed_limit)
        list(APPEND _failures "${_job}: executed ${_executed_handoff} vs ${_executed_baseline} = ${_executed_ratio_text}x > ${_executed_limit_text}x")
        set(_verdict " FAIL")
    endif()
    if(NOT _calls_limit STREQUAL "-" AND NOT _calls_handoff STREQUAL "-") # callgrind counts no DLL calls
        math(EXPR _extra_calls "${_calls_handoff} - ${_calls_baseline}")
        if(_extra_calls GREATER _calls_limit)
            list(APPEND _failures "${_job}: ${_calls_handoff} DLL calls vs ${_calls_baseline} = ${_extra_calls} more > ${_calls_limit}")
            set(_verdict " FAIL")
        endif()
    endif()
    math(EXPR _checked "${_checked} + 1")
    string(APPEND _table
           "  ${_job}: ${_handoff} vs ${_baseline}: static ${_static_handoff}/${_static_baseline} = "
           "${_static_ratio_text}x (limit ${_static_limit_text}), executed ${_executed_handoff}/${_executed_baseline} = "
           "${_executed_ratio_text}x (limit ${_executed_limit_text}), full-speed calls ${_calls_handoff}/${_calls_baseline} "
           "(at most ${_calls_limit} more)"
           "${_verdict}\n")
    string(APPEND _report
           "${_job}\t${COMPILER}\t${PLATFORM}\t${_baseline}\t${_handoff}\t${_static_baseline}\t${_static_handoff}\t"
           "${_static_ratio_text}\t${_static_limit_text}\t${_executed_baseline}\t${_executed_handoff}\t"
           "${_executed_ratio_text}\t${_executed_limit_text}\t${_calls_handoff}/${_calls_baseline}\n")
endforeach()

if(_checked EQUAL 0)
    message(FATAL_ERROR "${PAIRS} has no pair for ${PLATFORM}/${COMPILER}")
endif()
if(DEFINED REPORT)
    file(WRITE "${REPORT}" "${_report}")
endif()
message(STATUS "codegen (${PLATFORM}, ${COMPILER}; executed counts less the harness's ${_harness}):\n${_table}")
if(_failures)
    list(JOIN _failures "\n  " _failure_text)
    message(FATAL_ERROR "codegen: pairs over their limits:\n  ${_failure_text}")
endif()
