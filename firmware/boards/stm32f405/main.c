/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: the firmware's main loop.
 *
 * Clocks, board, device core, INFO at power-up, then forever: received
 * bytes to the core, the core's due work, and a sleep when nothing is due
 * for a while. All the protocol lives in the core (firmware/core); this
 * file only wires it to the board.
 */
#include <stddef.h>
#include <stdint.h>

#include "board_config.h"
#include "clock.h"
#include "port.h"
#include "rollmat/device.h"
#include "startup.h"

_Static_assert(RMAT_BOARD_ROWS *RMAT_BOARD_COLS <= RMAT_DEV_MAX_SENSELS,
               "RMAT_DEV_MAX_SENSELS (CMakeLists.txt) is smaller than the grid");
_Static_assert(RMAT_BOARD_ROWS <= RMAT_BOARD_MAX_ROWS && RMAT_BOARD_COLS <= RMAT_BOARD_MAX_COLS,
               "the board's address lines reach 32 rows and 32 columns");
_Static_assert(RMAT_BOARD_ROWS <= 255 && RMAT_BOARD_COLS <= 255, "INFO carries rows in a u8");
_Static_assert(sizeof RMAT_BOARD_FW_VERSION <= RMAT_FW_VERSION_LEN + 1, "fw_version is 16 bytes");
_Static_assert(sizeof RMAT_BOARD_MODEL <= RMAT_MODEL_LEN + 1, "model is 24 bytes");
/* A dense frame must fit the transmit queue, or every frame would drop. */
_Static_assert(RMAT_DEV_TXQ_CAP >= 2 * RMAT_DEV_WIRE_CAP, "the queue holds two dense frames");

/* When the core has nothing due for at least one SysTick period, sleeping
 * until the next interrupt (the tick, or a received byte) costs no
 * lateness; for shorter waits the loop spins, so a frame starts on time. */
#define IDLE_MIN_US 1000u

static const struct rmat_board_config board_cfg = {
    .rows = RMAT_BOARD_ROWS,
    .cols = RMAT_BOARD_COLS,
    .row_port = RMAT_BOARD_ROW_PORT,
    .row_addr_pins = {RMAT_BOARD_ROW_A0_PIN, RMAT_BOARD_ROW_A1_PIN, RMAT_BOARD_ROW_A2_PIN,
                      RMAT_BOARD_ROW_A3_PIN},
    .row_inh_lo_pin = RMAT_BOARD_ROW_INH_LO_PIN,
    .row_inh_hi_pin = RMAT_BOARD_ROW_INH_HI_PIN,
    .col_port = RMAT_BOARD_COL_PORT,
    .col_addr_pins = {RMAT_BOARD_COL_A0_PIN, RMAT_BOARD_COL_A1_PIN, RMAT_BOARD_COL_A2_PIN,
                      RMAT_BOARD_COL_A3_PIN, RMAT_BOARD_COL_A4_PIN},
    .col_en_pin = RMAT_BOARD_COL_EN_PIN,
    .adc_port = RMAT_BOARD_ADC_PORT,
    .adc_pin = RMAT_BOARD_ADC_PIN,
    .adc_channel = RMAT_BOARD_ADC_CHANNEL,
    .uart_port = RMAT_BOARD_UART_PORT,
    .uart_tx_pin = RMAT_BOARD_UART_TX_PIN,
    .uart_rx_pin = RMAT_BOARD_UART_RX_PIN,
    .uart_af = RMAT_BOARD_UART_AF,
    .baud = RMAT_BOARD_BAUD,
};

static const struct rmat_dev_config dev_cfg = {
    .info =
        {
            .rows = RMAT_BOARD_ROWS,
            .cols = RMAT_BOARD_COLS,
            .adc_bits = RMAT_BOARD_ADC_BITS,
            /* Dense and sparse: the core sends whichever is smaller when
             * the host allows sparse. */
            .encodings = (1u << RMAT_ENC_DENSE) | (1u << RMAT_ENC_SPARSE),
            .pitch_x_um = RMAT_BOARD_PITCH_UM,
            .pitch_y_um = RMAT_BOARD_PITCH_UM,
            .max_rate_hz = RMAT_BOARD_MAX_RATE_HZ,
            .rate_hz = RMAT_BOARD_DEFAULT_RATE_HZ,
            .serial = RMAT_BOARD_SERIAL,
            .fw_version = RMAT_BOARD_FW_VERSION,
            .model = RMAT_BOARD_MODEL,
        },
    .settle_us = RMAT_BOARD_SETTLE_US,
};

void rmat_fw_main(void)
{
    /* Static: the device state is about 14 KiB (frame, packet and wire
     * buffers, transmit queue), more than the stack should hold; and the
     * board state holds the DMA buffer, which must not move. Neither is
     * visible outside this function. */
    static struct rmat_board board;
    static struct rmat_dev dev;
    struct rmat_clock clock;
    struct rmat_dev_port port;

    rmat_clock_init(&clock, RMAT_BOARD_HSE_HZ);
    rmat_board_init(&board, &board_cfg, &clock);
    rmat_board_port(&board, &port);
    rmat_dev_init(&dev, &dev_cfg, &port);
    rmat_board_watchdog_start();
    /* docs/protocol.md: INFO once at power-up. The queue is empty, so it fits. */
    (void)rmat_dev_send_info(&dev);

    for (;;) {
        uint8_t rx[64];
        size_t n;

        rmat_board_watchdog_kick();
        while ((n = rmat_board_rx(&board, rx, sizeof rx)) > 0)
            rmat_dev_rx(&dev, rx, n);
        if (rmat_dev_poll(&dev) >= IDLE_MIN_US)
            rmat_board_idle(&board);
    }
}
