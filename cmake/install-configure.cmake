# SPDX-License-Identifier: GPL-3.0-or-later
# Included by install(CODE) rules (packaging/CMakeLists.txt): writes a file
# that must name absolute installed paths (the systemd unit, rollmat.pc)
# from its template, at install time, with the prefix in force then. So
# `cmake --install build --prefix /opt/rollmat` gives a unit that runs
# /opt/rollmat/sbin/rollmatd, though the build was configured for
# /usr/local; a path fixed at configure time would not.
#
# In: RMAT_IC_TEMPLATE, RMAT_IC_OUT, RMAT_IC_DIRS (NAME=dir pairs, each dir
# relative to the prefix or absolute, as GNUInstallDirs gives them), and
# whatever else the template names. Out: RMAT_PREFIX and RMAT_FULL_<NAME>.
set(RMAT_PREFIX "${CMAKE_INSTALL_PREFIX}")
foreach(pair ${RMAT_IC_DIRS})
  string(REGEX REPLACE "=.*" "" name "${pair}")
  string(REGEX REPLACE "^[^=]*=" "" dir "${pair}")
  if(IS_ABSOLUTE "${dir}")
    set(RMAT_FULL_${name} "${dir}")
  else()
    set(RMAT_FULL_${name} "${CMAKE_INSTALL_PREFIX}/${dir}")
  endif()
endforeach()
configure_file("${RMAT_IC_TEMPLATE}" "${RMAT_IC_OUT}" @ONLY)
