/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: the one place for its compile-time configuration.
 *
 * What the mat is (grid, pitch, ADC), what INFO reports, how fast it may
 * stream, and which pin drives what. docs/firmware.md shows the same pin
 * map as a wiring table; keep the two in step. Values marked "override"
 * may be set from the build (-DRMAT_BOARD_SERIAL=1234) without editing
 * this file.
 */
#ifndef RMAT_BOARD_CONFIG_H
#define RMAT_BOARD_CONFIG_H

#include "regs.h"

/* --- the grid ----------------------------------------------------------- */
#define RMAT_BOARD_ROWS     32
#define RMAT_BOARD_COLS     32
#define RMAT_BOARD_PITCH_UM 12700 /* 0.5 in, both directions */
#define RMAT_BOARD_ADC_BITS 12    /* ADC1 at 12-bit resolution: counts 0..4095 */

/* --- what INFO reports -------------------------------------------------- */
/* A dense 32x32 frame is at most 2080 bytes on the wire; 3 Mbaud 8N1
 * carries 300,000 bytes/s, so 100 Hz dense takes 70% of the link and
 * leaves room for STATUS, ACKs and a late frame. Sparse frames (the
 * default when the host allows them) are far smaller. */
#define RMAT_BOARD_MAX_RATE_HZ     100
#define RMAT_BOARD_DEFAULT_RATE_HZ 100
#ifndef RMAT_BOARD_SERIAL /* override: each mat's own number */
#define RMAT_BOARD_SERIAL 1u
#endif
/* At most 16 and 24 bytes (the INFO fields); checked in main.c. */
#ifndef RMAT_BOARD_FW_VERSION /* override: the build passes the project's version */
#define RMAT_BOARD_FW_VERSION "0.1.0"
#endif
#define RMAT_BOARD_MODEL "rollmat-f405-32x32"

/* --- timing ------------------------------------------------------------- */
/* After a row is switched on, every column line must settle before it is
 * sampled: the row decoder switches in well under 1 us, and a column line
 * (about 100 pF of trace and sensel capacitance against its 10 kOhm load)
 * has a time constant near 1 us, so 20 us is 20 time constants, far below
 * half an LSB of 12 bits. With 3.2 us per conversion (port.c) a 32x32
 * scan takes about 32 x (20 + 32 x 3.2) us = 3.9 ms, 40% of a frame at
 * 100 Hz; the DMA sends the previous frame meanwhile. */
#define RMAT_BOARD_SETTLE_US 20

/* --- clocks ------------------------------------------------------------- */
#define RMAT_BOARD_HSE_HZ 8000000u /* the crystal on PH0/PH1 */
#define RMAT_BOARD_BAUD   3000000u /* USART1, 8N1, no flow control (docs/protocol.md) */

/* --- pin map ------------------------------------------------------------- */
/* Rows: two CD74HC4514 4-to-16 decoders. Their outputs are push-pull and
 * active high: the addressed output is driven to 3.3 V and every other
 * output is driven to ground, which is what holds the unselected rows at
 * ground (see port.c). A0..A3 go to both decoders; each decoder has its
 * own INHIBIT (high = every output low), so rows 0..15 are the first
 * decoder with INH_LO low, rows 16..31 the second with INH_HI low, and
 * both high grounds all 32 rows. All six lines sit on one port so one BSRR
 * store switches rows without a glitch through a third row. */
#define RMAT_BOARD_ROW_PORT       RMAT_GPIOC_BASE
#define RMAT_BOARD_ROW_A0_PIN     0 /* PC0 */
#define RMAT_BOARD_ROW_A1_PIN     1 /* PC1 */
#define RMAT_BOARD_ROW_A2_PIN     2 /* PC2 */
#define RMAT_BOARD_ROW_A3_PIN     3 /* PC3 */
#define RMAT_BOARD_ROW_INH_LO_PIN 4 /* PC4: INHIBIT of the decoder of rows 0..15 */
#define RMAT_BOARD_ROW_INH_HI_PIN 5 /* PC5: INHIBIT of the decoder of rows 16..31 */

/* Columns: one ADG732 32:1 analog multiplexer (CS and WR tied low, so its
 * address latch is transparent). Each column line has its own 10 kOhm
 * load to ground; the multiplexer's output goes through a rail-to-rail
 * op-amp follower to PA0, so the ADC's sampling capacitor never loads the
 * column. A0..A4 and EN (active low) sit on one port for the same reason
 * as the rows. */
#define RMAT_BOARD_COL_PORT   RMAT_GPIOB_BASE
#define RMAT_BOARD_COL_A0_PIN 5  /* PB5 */
#define RMAT_BOARD_COL_A1_PIN 6  /* PB6 */
#define RMAT_BOARD_COL_A2_PIN 7  /* PB7 */
#define RMAT_BOARD_COL_A3_PIN 8  /* PB8 */
#define RMAT_BOARD_COL_A4_PIN 9  /* PB9 */
#define RMAT_BOARD_COL_EN_PIN 10 /* PB10, active low */

/* The multiplexed column voltage: PA0 = ADC1 channel 0 (ADC123_IN0). */
#define RMAT_BOARD_ADC_PORT    RMAT_GPIOA_BASE
#define RMAT_BOARD_ADC_PIN     0
#define RMAT_BOARD_ADC_CHANNEL 0

/* The host link: USART1 on PA9 (TX) and PA10 (RX), alternate function 7.
 * QEMU's first -serial is USART1 too. */
#define RMAT_BOARD_UART_PORT   RMAT_GPIOA_BASE
#define RMAT_BOARD_UART_TX_PIN 9
#define RMAT_BOARD_UART_RX_PIN 10
#define RMAT_BOARD_UART_AF     7

#endif
