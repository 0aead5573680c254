/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: the entry points the vector table names.
 *
 * startup.c owns the table; the handlers that do work live with their
 * driver (port.c). Every slot without a handler of its own points at
 * rmat_isr_default.
 */
#ifndef RMAT_F405_STARTUP_H
#define RMAT_F405_STARTUP_H

/* Reset: enables the FPU, copies .data, zeroes .bss, calls rmat_fw_main. */
void rmat_reset_handler(void);

/* Faults and interrupts nobody expects: stops here. On the board the
 * watchdog then resets it (a host sees INFO again); under a debugger the
 * core halts in place, with the faulting state on the stack. */
void rmat_isr_default(void);

/* SysTick: the 1 ms tick that wakes the main loop (port.c). */
void rmat_isr_systick(void);

/* USART1: received bytes into the receive ring (port.c). */
void rmat_isr_usart1(void);

/* The firmware proper (main.c); never returns. */
void rmat_fw_main(void);

#endif
