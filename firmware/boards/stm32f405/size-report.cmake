# SPDX-License-Identifier: GPL-3.0-or-later
# rollmat: the firmware's size report, run after each link (cmake -P).
#   -DSIZE=arm-none-eabi-size -DELF=rollmat-stm32f405.elf
# Prints the size tool's table and one line a reader can grep:
#   flash: N bytes, RAM: M bytes
# Flash is what the image occupies in flash (code, constants, the initial
# values of .data); RAM is .data + .bss + the stack the linker script
# reserves, so it is the real worst-case static use of the 128 KiB.
execute_process(COMMAND ${SIZE} -A -d ${ELF} OUTPUT_VARIABLE table RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "size-report: '${SIZE} -A -d ${ELF}' failed")
endif()
execute_process(COMMAND ${SIZE} -B ${ELF})

set(flash 0)
set(ram 0)
string(REPLACE "\n" ";" lines "${table}")
foreach(line IN LISTS lines)
  if(line MATCHES "^(\\.[A-Za-z0-9_.]+)[ \t]+([0-9]+)[ \t]+([0-9]+)")
    set(name ${CMAKE_MATCH_1})
    set(bytes ${CMAKE_MATCH_2})
    if(name STREQUAL ".isr_vector" OR name STREQUAL ".text" OR name STREQUAL ".ARM.exidx")
      math(EXPR flash "${flash} + ${bytes}")
    elseif(name STREQUAL ".data")
      math(EXPR flash "${flash} + ${bytes}")
      math(EXPR ram "${ram} + ${bytes}")
    elseif(name STREQUAL ".bss" OR name STREQUAL ".stack")
      math(EXPR ram "${ram} + ${bytes}")
    endif()
  endif()
endforeach()
math(EXPR flash_pm "${flash} * 1000 / 1048576")
math(EXPR ram_pm "${ram} * 1000 / 131072")
execute_process(COMMAND ${CMAKE_COMMAND} -E echo
  "flash: ${flash} bytes, RAM: ${ram} bytes")
execute_process(COMMAND ${CMAKE_COMMAND} -E echo
  "(of 1048576 and 131072: ${flash_pm} and ${ram_pm} per mille; RAM includes the reserved stack)")
