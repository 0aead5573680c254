# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian packages, made by cpack from the install rules of
# packaging/CMakeLists.txt (scripts/package configures, builds and runs it):
#
#   rollmat_VERSION_ARCH.deb          the programs, the service, docs
#   librollmat0.2_VERSION_ARCH.deb    the shared library
#   librollmat-dev_VERSION_ARCH.deb   headers, static library, rollmat.pc
#
# cpack rather than a debian/ folder: the packages are the `cmake --install`
# tree split by component, so the two cannot disagree on a file; the version
# is project()'s, with no debian/changelog to keep in step; and it needs no
# debhelper, only dpkg-dev (dpkg-shlibdeps). What debhelper would write, the
# maintainer scripts, is in this folder, short and commented.
set(RMAT_DEB_MAINTAINER "rollmat maintainers <maintainers@users.noreply.h-seed-98efa17b.example>"
  CACHE STRING "the Maintainer of the Debian packages")

# Per package: its copyright file (Debian's form of LICENSE) and its
# changelog (made from CHANGELOG.md in Debian's format), which Debian wants in
# /usr/share/doc/PACKAGE; EXCLUDE_FROM_ALL keeps them out of a plain
# `cmake --install`, which installs LICENSE and CHANGELOG.md instead.
set(RMAT_DEB_LIB_NAME librollmat${RMAT_SOVERSION})
set(deb_changelog ${CMAKE_CURRENT_BINARY_DIR}/changelog.gz)
add_custom_command(OUTPUT ${deb_changelog}
  COMMAND ${CMAKE_COMMAND} -DIN=${PROJECT_SOURCE_DIR}/CHANGELOG.md -DOUT=${deb_changelog}
          "-DMAINTAINER=${RMAT_DEB_MAINTAINER}" -P ${CMAKE_CURRENT_SOURCE_DIR}/deb/changelog.cmake
  DEPENDS ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${CMAKE_CURRENT_SOURCE_DIR}/deb/changelog.cmake
  VERBATIM)
add_custom_target(rollmat_deb_changelog ALL DEPENDS ${deb_changelog})
foreach(pair programs:rollmat lib:${RMAT_DEB_LIB_NAME} dev:librollmat-dev)
  string(REPLACE ":" ";" pair ${pair})
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES ${CMAKE_CURRENT_SOURCE_DIR}/deb/copyright ${deb_changelog}
    DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package} COMPONENT ${component}
    EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME rollmat)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR rollmat)
set(CPACK_PACKAGE_CONTACT "${RMAT_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${RMAT_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/deb)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL programs lib dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# The install rules see the real prefix (/usr) and DESTDIR the staging
# folder: the unit and rollmat.pc are written with /usr paths.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Depends: from the shared libraries each binary links (dpkg-shlibdeps).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SOURCE rollmat)

# rollmat: gnuplot is a Depends, since `rollmat analyze` draws its figures
# by default (and plot, report and trend always do); poppler-utils a
# Recommends, since only `rollmat report` runs it (pdfunite), and a PC that
# only records needs neither.
set(CPACK_DEBIAN_PROGRAMS_PACKAGE_NAME rollmat)
set(CPACK_DEBIAN_PROGRAMS_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PROGRAMS_PACKAGE_DEPENDS "gnuplot-nox")
set(CPACK_DEBIAN_PROGRAMS_PACKAGE_RECOMMENDS "poppler-utils")
set(CPACK_DEBIAN_PROGRAMS_PACKAGE_CONTROL_EXTRA
  ${CMAKE_CURRENT_SOURCE_DIR}/deb/postinst ${CMAKE_CURRENT_SOURCE_DIR}/deb/prerm
  ${CMAKE_CURRENT_SOURCE_DIR}/deb/postrm)
set(CPACK_DEBIAN_PROGRAMS_DESCRIPTION "record and analyse pressure-mat sessions of foam rolling
rollmat records the frames of a pressure mat (a grid of force-sensing
resistors between a foam roller and the body) into HDF5 files and turns
them into what a physiotherapist puts in a report: where the roller went,
how hard it pressed, how long it stayed on each spot, as CSV, JSON, plots
and PDF reports, and trends across sessions.
.
This package holds the programs rollmat (record, analyse, report),
rollmatd (the acquisition daemon, with its systemd unit and udev rule),
rollmat-sim (a virtual mat for trying it without hardware) and the mat's
STM32F405 firmware image.")

set(CPACK_DEBIAN_LIB_PACKAGE_NAME ${RMAT_DEB_LIB_NAME})
set(CPACK_DEBIAN_LIB_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
# The linker cache is updated by the ldconfig trigger, as Debian wants
# (cpack's postinst and postrm also call ldconfig: redundant, not wrong).
set(CPACK_DEBIAN_LIB_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_SOURCE_DIR}/deb/triggers)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_LIB_DESCRIPTION "library of rollmat, the pressure-mat recorder and analyser
librollmat reads and writes rollmat's HDF5 recordings, talks to the mat
and analyses sessions of foam rolling (passes, holds, maps, the tissue
response). This package holds the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME librollmat-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "${RMAT_DEB_LIB_NAME} (= ${PROJECT_VERSION}), libhdf5-dev, libfftw3-dev, libserialport-dev, libjansson-dev, zlib1g-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION "library of rollmat, the pressure-mat recorder and analyser (development)
librollmat reads and writes rollmat's HDF5 recordings, talks to the mat
and analyses sessions of foam rolling (passes, holds, maps, the tissue
response). This package holds the headers, the static library and the
pkg-config file (pkg-config --cflags --libs rollmat).")

include(CPack)
