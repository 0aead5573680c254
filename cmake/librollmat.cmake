# SPDX-License-Identifier: GPL-3.0-or-later
# librollmat as installed: one static and one shared library made of the
# objects of the layers (docs/architecture.md).
#
# The shared library exports the public API only: every rmat_ function and
# object declared in include/rollmat/*.h, through a linker version script
# generated from those headers at build time (cmake/exports.cmake). The
# helpers each layer shares with the others (common/h5util.h, the figures'
# internals, ...) are extern in C but local in librollmat.so. A script rather
# than -fvisibility=hidden plus an RMAT_API mark on every declaration: the
# headers stay as they are (no macro in front of 230 prototypes that other
# work edits), a new public function is exported without anyone remembering
# a mark, and the symbols carry a version node (ROLLMAT_<soversion>) as
# Debian's tools like.
#
# SONAME: librollmat.so.MAJOR, and while MAJOR is 0, librollmat.so.0.MINOR:
# a 0.x release promises no ABI, so each minor release is a new SONAME.
# Every layer there is (analysis/import and the live view, web/, included).
set(RMAT_LAYERS "")
foreach(layer rmat_core rmat_common rmat_acq rmat_analysis rmat_import rmat_report rmat_live)
  if(TARGET ${layer})
    list(APPEND RMAT_LAYERS ${layer})
  endif()
endforeach()
set_target_properties(${RMAT_LAYERS} PROPERTIES POSITION_INDEPENDENT_CODE ON)

if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(RMAT_SOVERSION 0.${PROJECT_VERSION_MINOR})
else()
  set(RMAT_SOVERSION ${PROJECT_VERSION_MAJOR})
endif()

set(rmat_objects "")
foreach(layer ${RMAT_LAYERS})
  list(APPEND rmat_objects $<TARGET_OBJECTS:${layer}>)
endforeach()

add_library(rollmat_static STATIC ${rmat_objects})
set_target_properties(rollmat_static PROPERTIES OUTPUT_NAME rollmat
  ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)

file(GLOB RMAT_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/rollmat/*.h)
set(RMAT_EXPORTS_MAP ${PROJECT_BINARY_DIR}/librollmat.map)
add_custom_command(OUTPUT ${RMAT_EXPORTS_MAP}
  COMMAND ${CMAKE_COMMAND} "-DHEADERS=${RMAT_PUBLIC_HEADERS}" -DNODE=ROLLMAT_${RMAT_SOVERSION}
          -DOUT=${RMAT_EXPORTS_MAP} -P ${PROJECT_SOURCE_DIR}/cmake/exports.cmake
  DEPENDS ${RMAT_PUBLIC_HEADERS} ${PROJECT_SOURCE_DIR}/cmake/exports.cmake
  COMMENT "librollmat.map: the public API's symbols"
  VERBATIM)
add_custom_target(rollmat_exports DEPENDS ${RMAT_EXPORTS_MAP})

add_library(rollmat_shared SHARED ${rmat_objects})
add_dependencies(rollmat_shared rollmat_exports)
set_target_properties(rollmat_shared PROPERTIES OUTPUT_NAME rollmat
  VERSION ${PROJECT_VERSION} SOVERSION ${RMAT_SOVERSION}
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib
  LINK_DEPENDS ${RMAT_EXPORTS_MAP})
target_link_options(rollmat_shared PRIVATE -Wl,--version-script=${RMAT_EXPORTS_MAP}
  # Every symbol resolved at link time (ASan's are resolved at run time).
  $<$<NOT:$<BOOL:${RMAT_SANITIZE}>>:-Wl,-z,defs>)
target_link_libraries(rollmat_shared PRIVATE rmat_warnings hdf5::hdf5 PkgConfig::FFTW3
  PkgConfig::SERIALPORT PkgConfig::JANSSON PkgConfig::DEFLATE Threads::Threads ZLIB::ZLIB m)
if(TARGET rmat_live)
  target_link_libraries(rollmat_shared PRIVATE PkgConfig::MHD)
endif()
