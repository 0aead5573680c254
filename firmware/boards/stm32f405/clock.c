/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: clock bring-up. See clock.h. */
#include "clock.h"

#include "regs.h"

#define MHZ 1000000u

/* The PLL: VCO input 2 MHz (RM0090 recommends 2 MHz to limit jitter; the
 * allowed range is 1..2), VCO 336 MHz, /2 for the 168 MHz system clock,
 * /7 for the 48 MHz USB clock. */
#define PLL_IN_HZ     (2u * MHZ)
#define PLL_N         168u
#define PLL_P_DIV2    0u
#define PLL_Q         7u
#define SYSCLK_PLL_HZ (168u * MHZ)
#define HSI_HZ        (16u * MHZ)
/* With the PLL: APB1 = 42 MHz, divided by 4, so the APB1 timers run at
 * twice that (RM0090, timer clocks). */
#define TIM_PLL_HZ (84u * MHZ)
/* QEMU 7.2's STM32F405 gives its timer models a fixed 1 GHz clock, whatever
 * RCC says: measured, TIM2 with PSC = 83 counts 11.9 million a second. */
#define TIM_QEMU_HZ (1000u * MHZ)

/* Bounds of the waits, in polls of a register. Before the PLL runs the
 * core is on the 16 MHz HSI and a poll of an RCC register takes about half
 * a microsecond, so: the crystal gets about 50 ms (data sheet: 2 ms
 * typical), the PLL about 5 ms (typically 0.1 ms), a switch of the system
 * clock, which takes a few cycles, the same. Counting polls needs no
 * timer, which is not running yet. */
#define HSE_POLLS    100000u
#define PLL_POLLS    10000u
#define SWITCH_POLLS 10000u

/* 168 MHz at 2.7..3.6 V needs 5 flash wait states (RM0090, flash wait states by clock and voltage).
 */
#define FLASH_LATENCY_168MHZ 5u

/* Waits until (reg & mask) == want, at most polls reads. Returns 1 if it
 * got there. */
static int wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t want, uint32_t polls)
{
    while (polls-- > 0) {
        if ((*reg & mask) == want)
            return 1;
    }
    return 0;
}

/* Configures and starts the PLL from src_hz (HSE if from_hse, else HSI);
 * returns 1 once it has locked. */
static int pll_start(uint32_t src_hz, int from_hse)
{
    const uint32_t m = src_hz / PLL_IN_HZ;

    RMAT_RCC_CR &= ~RMAT_RCC_CR_PLLON; /* PLLCFGR may only change while it is off */
    (void)wait_bits(&RMAT_RCC_CR, RMAT_RCC_CR_PLLRDY, 0, PLL_POLLS);
    /* Reserved bits keep their reset values (bit 29 resets to 1). */
    RMAT_RCC_PLLCFGR =
        (RMAT_RCC_PLLCFGR & ~RMAT_RCC_PLLCFGR_FIELDS_Msk) | (m << RMAT_RCC_PLLCFGR_PLLM_Pos) |
        (PLL_N << RMAT_RCC_PLLCFGR_PLLN_Pos) | (PLL_P_DIV2 << RMAT_RCC_PLLCFGR_PLLP_Pos) |
        (from_hse ? RMAT_RCC_PLLCFGR_PLLSRC_HSE : 0u) | (PLL_Q << RMAT_RCC_PLLCFGR_PLLQ_Pos);
    RMAT_RCC_CR |= RMAT_RCC_CR_PLLON;
    return wait_bits(&RMAT_RCC_CR, RMAT_RCC_CR_PLLRDY, RMAT_RCC_CR_PLLRDY, PLL_POLLS);
}

/* Switches the system clock to the running PLL: flash wait states first
 * (the flash cannot keep up at 168 MHz with fewer), bus prescalers next
 * (APB1 may not exceed 42 MHz, APB2 84 MHz), then the switch. Returns 1
 * once the clock in use (SWS) is the PLL. */
static int switch_to_pll(void)
{
    RMAT_FLASH_ACR =
        FLASH_LATENCY_168MHZ | RMAT_FLASH_ACR_PRFTEN | RMAT_FLASH_ACR_ICEN | RMAT_FLASH_ACR_DCEN;
    /* RM0090: check that the new latency is in force before raising
     * the clock. */
    if (!wait_bits(&RMAT_FLASH_ACR, RMAT_FLASH_ACR_LATENCY_Msk, FLASH_LATENCY_168MHZ, SWITCH_POLLS))
        return 0;
    RMAT_RCC_CFGR = (0u << RMAT_RCC_CFGR_HPRE_Pos) |
                    (RMAT_RCC_CFGR_PPRE_DIV4 << RMAT_RCC_CFGR_PPRE1_Pos) |
                    (RMAT_RCC_CFGR_PPRE_DIV2 << RMAT_RCC_CFGR_PPRE2_Pos) |
                    (RMAT_RCC_CFGR_SW_HSI << RMAT_RCC_CFGR_SW_Pos);
    RMAT_RCC_CFGR =
        (RMAT_RCC_CFGR & ~RMAT_RCC_CFGR_SW_Msk) | (RMAT_RCC_CFGR_SW_PLL << RMAT_RCC_CFGR_SW_Pos);
    if (wait_bits(&RMAT_RCC_CFGR, RMAT_RCC_CFGR_SWS_Msk,
                  RMAT_RCC_CFGR_SW_PLL << RMAT_RCC_CFGR_SWS_Pos, SWITCH_POLLS))
        return 1;
    /* Did not switch: back to the HSI with undivided buses. */
    RMAT_RCC_CFGR = RMAT_RCC_CFGR_SW_HSI << RMAT_RCC_CFGR_SW_Pos;
    return 0;
}

void rmat_clock_init(struct rmat_clock *out, uint32_t hse_hz)
{
    int hse_ok;

    /* QEMU's netduinoplus2 does not model the RCC: its registers read 0
     * and ignore writes, so every ready bit below would time out and we
     * would wrongly conclude "16 MHz". Real silicon can never read RCC_CR
     * as 0: the core runs from some oscillator, whose ON bit is then set
     * (reset value 0x0000XX83). QEMU's CPU and SysTick run at a fixed
     * 168 MHz on this machine whatever the guest programs, its USART
     * ignores the baud rate, and its timers count at 1 GHz: those are the
     * figures to use. */
    if (RMAT_RCC_CR == 0) {
        out->source = RMAT_CLOCK_ASSUMED;
        out->hclk_hz = SYSCLK_PLL_HZ;
        out->pclk2_hz = SYSCLK_PLL_HZ / 2;
        out->tim_hz = TIM_QEMU_HZ;
        return;
    }

    /* Regulator scale 1 (the reset value, set anyway: a bootloader may have
     * lowered it), needed above 144 MHz. */
    RMAT_RCC_APB1ENR |= RMAT_RCC_APB1ENR_PWREN;
    (void)RMAT_RCC_APB1ENR; /* the clock is on two cycles after the write */
    RMAT_PWR_CR |= RMAT_PWR_CR_VOS;

    /* Run from the HSI while the PLL is reconfigured. */
    RMAT_RCC_CR |= RMAT_RCC_CR_HSION;
    (void)wait_bits(&RMAT_RCC_CR, RMAT_RCC_CR_HSIRDY, RMAT_RCC_CR_HSIRDY, SWITCH_POLLS);
    RMAT_RCC_CFGR = RMAT_RCC_CFGR_SW_HSI << RMAT_RCC_CFGR_SW_Pos;
    (void)wait_bits(&RMAT_RCC_CFGR, RMAT_RCC_CFGR_SWS_Msk,
                    RMAT_RCC_CFGR_SW_HSI << RMAT_RCC_CFGR_SWS_Pos, SWITCH_POLLS);

    RMAT_RCC_CR = (RMAT_RCC_CR & ~RMAT_RCC_CR_HSEBYP) | RMAT_RCC_CR_HSEON;
    hse_ok = wait_bits(&RMAT_RCC_CR, RMAT_RCC_CR_HSERDY, RMAT_RCC_CR_HSERDY, HSE_POLLS);
    if (hse_ok && pll_start(hse_hz, 1) && switch_to_pll()) {
        out->source = RMAT_CLOCK_HSE_PLL;
        out->hclk_hz = SYSCLK_PLL_HZ;
        out->pclk2_hz = SYSCLK_PLL_HZ / 2;
        out->tim_hz = TIM_PLL_HZ;
        return;
    }
    /* No crystal (not fitted, broken, or a board without one): the factory
     * trimmed HSI (1% at 25 C) through the same PLL still gives 168 MHz and
     * 3 Mbaud within the UART's tolerance at room temperature. */
    RMAT_RCC_CR &= ~RMAT_RCC_CR_HSEON;
    if (pll_start(HSI_HZ, 0) && switch_to_pll()) {
        out->source = RMAT_CLOCK_HSI_PLL;
        out->hclk_hz = SYSCLK_PLL_HZ;
        out->pclk2_hz = SYSCLK_PLL_HZ / 2;
        out->tim_hz = TIM_PLL_HZ;
        return;
    }
    RMAT_RCC_CR &= ~RMAT_RCC_CR_PLLON;
    out->source = RMAT_CLOCK_HSI;
    out->hclk_hz = HSI_HZ;
    out->pclk2_hz = HSI_HZ;
    out->tim_hz = HSI_HZ; /* APB1 undivided: the timers run at PCLK1 */
}
