# SPDX-License-Identifier: GPL-3.0-or-later
cmake_minimum_required(VERSION 3.24)
# Writes OUT, the Debian changelog of the packages (gzip -9n), from
# CHANGELOG.md (IN): a "## X.Y.Z" section becomes an entry of version
# X.Y.Z, its "- " items the entry's "  * " lines, Markdown marks dropped.
# The date is the build's (SOURCE_DATE_EPOCH when set).
#
#   cmake -DIN=CHANGELOG.md -DOUT=changelog.gz -DMAINTAINER=... -P changelog.cmake
file(STRINGS "${IN}" lines)
string(TIMESTAMP date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(text "")
set(open OFF)
foreach(line IN LISTS lines)
  if(line MATCHES "^## ([0-9][0-9A-Za-z.+~-]*)")
    if(open)
      string(APPEND text "\n -- ${MAINTAINER}  ${date}\n\n")
    endif()
    string(APPEND text "rollmat (${CMAKE_MATCH_1}) unstable; urgency=medium\n\n")
    set(open ON)
  elseif(open AND line MATCHES "^- (.*)")
    string(REGEX REPLACE "[*`]" "" item "${CMAKE_MATCH_1}")
    string(APPEND text "  * ${item}\n")
  elseif(open AND line MATCHES "^  +(.*)")
    string(REGEX REPLACE "[*`]" "" item "${CMAKE_MATCH_1}")
    string(APPEND text "    ${item}\n")
  endif()
endforeach()
if(NOT open)
  message(FATAL_ERROR "changelog.cmake: no '## VERSION' section in ${IN}")
endif()
string(APPEND text "\n -- ${MAINTAINER}  ${date}\n")
get_filename_component(dir "${OUT}" DIRECTORY)
file(WRITE "${dir}/changelog" "${text}")
execute_process(COMMAND gzip -9nf "${dir}/changelog" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT EXISTS "${OUT}")
  message(FATAL_ERROR "changelog.cmake: gzip failed")
endif()
