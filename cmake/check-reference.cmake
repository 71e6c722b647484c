# Checks that docs/reference.md names every public name Doxygen finds in the headers, so the
# hand-written reference cannot fall behind the code.
#
#   cmake -DXML_DIR=<doxygen xml dir> -DREFERENCE=docs/reference.md -P check-reference.cmake
#
# Namespace members and macros must appear somewhere as a code span starting with the name
# (`to_fd`, `to_fd(...)`); a class's members must appear that way in the class's own section,
# the one under a "### " heading that names the class.

cmake_minimum_required(VERSION 3.25)

if(NOT DEFINED XML_DIR OR NOT DEFINED REFERENCE)
    message(FATAL_ERROR "check-reference.cmake needs -DXML_DIR=... and -DREFERENCE=...")
endif()
file(READ "${REFERENCE}" _reference)
set(_missing "")

function(_regex_escape text out)
    string(REGEX REPLACE "([][+.*()^$?|\\\\])" "\\\\\\1" _escaped "${text}")
    set(${out} "${_escaped}" PARENT_SCOPE)
endfunction()

# Appends "<context>: <name>" to _missing unless `text` has a code span starting with `name`.
function(_require name text context)
    _regex_escape("${name}" _pattern)
    if(NOT text MATCHES "`${_pattern}([^A-Za-z0-9_=<>!]|$)")
        set(_missing "${_missing}\n  ${context}: ${name}" PARENT_SCOPE)
    endif()
endfunction()

# The public members of one Doxygen compound file, as a list of names.
function(_public_members xml out)
    file(READ "${xml}" _content)
    string(REPLACE ";" "," _content "${_content}")
    set(_whole "${_content}")
    set(_names "")
    while(TRUE)
        string(FIND "${_content}" "<memberdef " _at)
        if(_at EQUAL -1)
            break()
        endif()
        string(SUBSTRING "${_content}" ${_at} -1 _content)
        string(REGEX MATCH "^<memberdef kind=\"[a-z]+\" id=\"[^\"]*\" prot=\"([a-z]+)\"" _ "${_content}")
        set(_protection "${CMAKE_MATCH_1}")
        string(REGEX MATCH "<name>([^<]*)</name>" _ "${_content}")
        set(_name "${CMAKE_MATCH_1}")
        if(_protection STREQUAL "public")
            list(APPEND _names "${_name}")
        endif()
        string(SUBSTRING "${_content}" 1 -1 _content)
    endwhile()
    string(REGEX MATCHALL "<enumvalue [^>]*prot=\"public\"[^>]*>[ \t\r\n]*<name>[^<]*</name>" _values "${_whole}")
    foreach(_value IN LISTS _values)
        string(REGEX REPLACE ".*<name>([^<]*)</name>" "\\1" _value "${_value}")
        list(APPEND _names "${_value}")
    endforeach()
    list(TRANSFORM _names REPLACE "&lt," "<")
    list(TRANSFORM _names REPLACE "&gt," ">")
    list(TRANSFORM _names REPLACE "&amp," "&")
    list(REMOVE_DUPLICATES _names)
    set(${out} "${_names}" PARENT_SCOPE)
endfunction()

# Namespace members, enum values and macros: anywhere in the reference.
set(_count 0)
foreach(_file IN ITEMS namespacehandoff.xml config_8hpp.xml)
    if(NOT EXISTS "${XML_DIR}/${_file}")
        message(FATAL_ERROR "${XML_DIR}/${_file} is missing: did Doxygen run?")
    endif()
    _public_members("${XML_DIR}/${_file}" _names)
    foreach(_name IN LISTS _names)
        _require("${_name}" "${_reference}" "namespace handoff")
        math(EXPR _count "${_count} + 1")
    endforeach()
endforeach()

# Classes: each needs a section of its own, which names each of its public members.
file(GLOB _classes "${XML_DIR}/classhandoff_1_1*.xml" "${XML_DIR}/structhandoff_1_1*.xml")
foreach(_class_file IN LISTS _classes)
    file(READ "${_class_file}" _class_xml)
    string(REGEX MATCH "<compoundname>handoff::([A-Za-z0-9_]+)" _ "${_class_xml}")
    set(_class "${CMAKE_MATCH_1}")
    string(REGEX MATCH "\n### [^\n]*`${_class}[`<][^\n]*\n" _heading "${_reference}")
    if(NOT _heading)
        set(_missing "${_missing}\n  a \"### \" section for ${_class}")
        continue()
    endif()
    string(FIND "${_reference}" "${_heading}" _start)
    string(LENGTH "${_heading}" _length)
    math(EXPR _start "${_start} + ${_length}")
    string(SUBSTRING "${_reference}" ${_start} -1 _section)
    # The section ends at the next heading of either level ("\n##" begins both).
    string(FIND "${_section}" "\n##" _end)
    if(NOT _end EQUAL -1)
        string(SUBSTRING "${_section}" 0 ${_end} _section)
    endif()
    _public_members("${_class_file}" _names)
    foreach(_name IN LISTS _names)
        _require("${_name}" "${_section}" "${_class}")
        math(EXPR _count "${_count} + 1")
    endforeach()
endforeach()

if(_missing)
    message(FATAL_ERROR "${REFERENCE} does not document:${_missing}")
endif()
message(STATUS "${REFERENCE} documents all ${_count} public names")
