/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: the device core's port on this board.
 *
 * struct rmat_dev_port over the board's hardware: the device clock
 * (TIM2), the row decoders and column multiplexer (GPIO), ADC1, and the
 * host link (USART1, transmit by DMA2 stream 7, receive by interrupt).
 * Also the receive ring the main loop drains into rmat_dev_rx(), the idle
 * wait, and the watchdog.
 *
 * Call order: rmat_clock_init(), rmat_board_init(), rmat_board_port(),
 * then the main loop. Every function here runs in thread mode.
 */
#ifndef RMAT_F405_PORT_H
#define RMAT_F405_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "clock.h"
#include "rollmat/device.h"

/* Row and column address lines: 4 + 2 inhibits, 5 + enable; so at most
 * 32 rows and 32 columns. */
#define RMAT_BOARD_ROW_ADDR_LINES 4
#define RMAT_BOARD_COL_ADDR_LINES 5
#define RMAT_BOARD_MAX_ROWS       32
#define RMAT_BOARD_MAX_COLS       32

/* The DMA transmit buffer: one dense 32x32 frame (2080 wire bytes) and
 * then some, so a whole frame leaves in one transfer. */
#define RMAT_BOARD_DMA_BUF 4096

/* Pins and numbers; const, in flash (main.c fills it from board_config.h). */
struct rmat_board_config {
    uint8_t rows, cols;
    uint32_t row_port; /* GPIO base */
    uint8_t row_addr_pins[RMAT_BOARD_ROW_ADDR_LINES];
    uint8_t row_inh_lo_pin; /* inhibits the decoder of rows 0..15 when high */
    uint8_t row_inh_hi_pin; /* inhibits the decoder of rows 16..31 when high */
    uint32_t col_port;
    uint8_t col_addr_pins[RMAT_BOARD_COL_ADDR_LINES];
    uint8_t col_en_pin; /* active low */
    uint32_t adc_port;
    uint8_t adc_pin, adc_channel;
    uint32_t uart_port;
    uint8_t uart_tx_pin, uart_rx_pin, uart_af;
    uint32_t baud;
};

/* Mutable state. Must be in SRAM, not CCM: DMA reads dma_buf. */
struct rmat_board {
    const struct rmat_board_config *cfg;
    struct rmat_clock clock;
    uint32_t clock_last; /* TIM2's count at the last read of the device clock */
    uint64_t clock_high; /* the device clock's wraps of TIM2, in units of 2^32 us */
    int dma;             /* 1: DMA2 answers, transmit by DMA; 0: polled USART */
    int adc_eoc;         /* 1: the ADC reports end of conversion (0 under QEMU) */
    unsigned row;        /* the selected row */
    uint32_t row_bsrr[RMAT_BOARD_MAX_ROWS]; /* one store selects row i */
    uint32_t col_bsrr[RMAT_BOARD_MAX_COLS]; /* one store selects column i */
    uint32_t rows_off_bsrr;                 /* grounds every row, column mux off */
    uint32_t adc_timeouts;                  /* conversions that never ended */
    uint32_t dma_errors;                    /* DMA transfer errors seen */
    uint8_t dma_buf[RMAT_BOARD_DMA_BUF];
};

/* Brings up the board's peripherals from reset for the clock clk: GPIO
 * (rows grounded, column multiplexer off), TIM2 as the microsecond clock,
 * SysTick at 1 ms, ADC1, USART1
 * at cfg->baud 8N1 with its receive interrupt, and DMA2 stream 7 if it
 * responds. cfg must outlive b. */
void rmat_board_init(struct rmat_board *b, const struct rmat_board_config *cfg,
                     const struct rmat_clock *clk);

/* Fills the device core's port with b's functions (ctx = b). */
void rmat_board_port(struct rmat_board *b, struct rmat_dev_port *port);

/* The device clock: microseconds since rmat_board_init(). Thread mode
 * only (it extends the 32-bit timer in b). */
uint64_t rmat_board_now_us(struct rmat_board *b);

/* Moves up to cap received bytes into buf; returns how many. */
size_t rmat_board_rx(struct rmat_board *b, uint8_t *buf, size_t cap);

/* Receive errors (overrun, framing, noise, parity) and bytes lost to a
 * full ring, since init. */
uint32_t rmat_board_rx_errors(const struct rmat_board *b);

/* Sleeps until the next interrupt (at most the 1 ms tick) unless received
 * bytes are waiting. */
void rmat_board_idle(struct rmat_board *b);

/* Starts the independent watchdog (about 250 ms, frozen while a debugger
 * halts the core); rmat_board_watchdog_kick() must then run more often. */
void rmat_board_watchdog_start(void);
void rmat_board_watchdog_kick(void);

#endif
