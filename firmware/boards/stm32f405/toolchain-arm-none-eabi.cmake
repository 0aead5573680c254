# SPDX-License-Identifier: GPL-3.0-or-later
# rollmat: CMake toolchain file for bare-metal Cortex-M with Debian's
# gcc-arm-none-eabi (apt-get install gcc-arm-none-eabi).
#
#   cmake -S firmware/boards/stm32f405 -B build-fw \
#     -DCMAKE_TOOLCHAIN_FILE=firmware/boards/stm32f405/toolchain-arm-none-eabi.cmake
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_OBJCOPY arm-none-eabi-objcopy CACHE FILEPATH "objcopy of the cross toolchain")
set(CMAKE_SIZE arm-none-eabi-size CACHE FILEPATH "size of the cross toolchain")

# There is no C library or start-up code to link a test program against:
# CMake's compiler checks build a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Look for programs on the host, for libraries and headers only in the
# target's (empty) root.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
