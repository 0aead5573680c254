/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: clock bring-up.
 *
 * Runs the core at 168 MHz from the 8 MHz crystal through the PLL (AHB
 * 168 MHz, APB1 42 MHz, APB2 84 MHz, 48 MHz for USB), with every wait
 * bounded, so a board whose crystal does not start still comes up: on the
 * 16 MHz internal oscillator through the same PLL, and failing that on the
 * bare 16 MHz oscillator.
 */
#ifndef RMAT_F405_CLOCK_H
#define RMAT_F405_CLOCK_H

#include <stdint.h>

enum rmat_clock_source {
    RMAT_CLOCK_HSE_PLL = 0, /* crystal through the PLL: 168 MHz, the normal case */
    RMAT_CLOCK_HSI_PLL,     /* no crystal: internal RC oscillator through the PLL */
    RMAT_CLOCK_HSI,         /* the PLL did not lock either: 16 MHz */
    RMAT_CLOCK_ASSUMED,     /* RCC does not respond (QEMU): 168 MHz assumed */
};

struct rmat_clock {
    enum rmat_clock_source source;
    uint32_t hclk_hz;  /* core, AHB and SysTick */
    uint32_t pclk2_hz; /* APB2: USART1, ADC1 */
    uint32_t tim_hz;   /* the counting clock of TIM2..5 (twice PCLK1 when APB1 is divided) */
};

/* Brings the clocks up from reset state and says what it got. */
void rmat_clock_init(struct rmat_clock *out, uint32_t hse_hz);

#endif
