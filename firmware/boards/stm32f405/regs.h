/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: the registers this firmware touches.
 *
 * Written from the reference manual (RM0090) and the Cortex-M4
 * generic user guide; only what the board uses, nothing from a vendor SDK.
 * A register is named RMAT_<PERIPH>_<REG> and is an lvalue (a volatile
 * 32-bit word at base + offset); bits are RMAT_<PERIPH>_<REG>_<FIELD>,
 * multi-bit fields with a _Pos shift. Every address and bit below must
 * match RM0090; none of them is a choice of ours.
 */
#ifndef RMAT_F405_REGS_H
#define RMAT_F405_REGS_H

#include <stdint.h>

#define RMAT_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* --- memory map (RM0090 ch. 2) --------------------------------------------- */
#define RMAT_FLASH_BASE 0x08000000u /* 1 MiB main flash */
#define RMAT_SRAM_BASE  0x20000000u /* 112 KiB SRAM1 + 16 KiB SRAM2, contiguous */
#define RMAT_CCM_BASE   0x10000000u /* 64 KiB core-coupled RAM: CPU only, no DMA */

#define RMAT_TIM2_BASE    0x40000000u
#define RMAT_PWR_BASE     0x40007000u
#define RMAT_IWDG_BASE    0x40003000u
#define RMAT_USART1_BASE  0x40011000u
#define RMAT_ADC1_BASE    0x40012000u
#define RMAT_ADCC_BASE    0x40012300u /* registers common to ADC1..3 */
#define RMAT_GPIOA_BASE   0x40020000u
#define RMAT_GPIOB_BASE   0x40020400u
#define RMAT_GPIOC_BASE   0x40020800u
#define RMAT_RCC_BASE     0x40023800u
#define RMAT_FLASHIF_BASE 0x40023C00u /* the flash interface registers */
#define RMAT_DMA2_BASE    0x40026400u

/* --- RCC (RM0090 ch. 7) ------------------------------------------------------ */
#define RMAT_RCC_CR      RMAT_REG(RMAT_RCC_BASE + 0x00u)
#define RMAT_RCC_PLLCFGR RMAT_REG(RMAT_RCC_BASE + 0x04u)
#define RMAT_RCC_CFGR    RMAT_REG(RMAT_RCC_BASE + 0x08u)
#define RMAT_RCC_AHB1ENR RMAT_REG(RMAT_RCC_BASE + 0x30u)
#define RMAT_RCC_APB1ENR RMAT_REG(RMAT_RCC_BASE + 0x40u)
#define RMAT_RCC_APB2ENR RMAT_REG(RMAT_RCC_BASE + 0x44u)

#define RMAT_RCC_CR_HSION  (1u << 0)
#define RMAT_RCC_CR_HSIRDY (1u << 1)
#define RMAT_RCC_CR_HSEON  (1u << 16)
#define RMAT_RCC_CR_HSERDY (1u << 17)
#define RMAT_RCC_CR_HSEBYP (1u << 18)
#define RMAT_RCC_CR_PLLON  (1u << 24)
#define RMAT_RCC_CR_PLLRDY (1u << 25)

#define RMAT_RCC_PLLCFGR_PLLM_Pos   0  /* 6 bits: input divider, 2..63 */
#define RMAT_RCC_PLLCFGR_PLLN_Pos   6  /* 9 bits: VCO multiplier, 50..432 */
#define RMAT_RCC_PLLCFGR_PLLP_Pos   16 /* 2 bits: 0 = /2, 1 = /4, 2 = /6, 3 = /8 */
#define RMAT_RCC_PLLCFGR_PLLSRC_HSE (1u << 22)
#define RMAT_RCC_PLLCFGR_PLLQ_Pos   24 /* 4 bits: USB/SDIO divider, 2..15 */
#define RMAT_RCC_PLLCFGR_FIELDS_Msk                                                                \
    ((0x3Fu << 0) | (0x1FFu << 6) | (3u << 16) | (1u << 22) | (0xFu << 24))

#define RMAT_RCC_CFGR_SW_Pos    0 /* 2 bits: 0 HSI, 1 HSE, 2 PLL */
#define RMAT_RCC_CFGR_SW_Msk    (3u << 0)
#define RMAT_RCC_CFGR_SWS_Pos   2 /* 2 bits: the clock actually in use */
#define RMAT_RCC_CFGR_SWS_Msk   (3u << 2)
#define RMAT_RCC_CFGR_SW_HSI    0u
#define RMAT_RCC_CFGR_SW_PLL    2u
#define RMAT_RCC_CFGR_HPRE_Pos  4  /* 4 bits: 0 = AHB /1 */
#define RMAT_RCC_CFGR_PPRE1_Pos 10 /* 3 bits: 0 = /1, 4 = /2, 5 = /4 */
#define RMAT_RCC_CFGR_PPRE2_Pos 13 /* 3 bits: 0 = /1, 4 = /2, 5 = /4 */
#define RMAT_RCC_CFGR_PPRE_DIV1 0u
#define RMAT_RCC_CFGR_PPRE_DIV2 4u
#define RMAT_RCC_CFGR_PPRE_DIV4 5u

#define RMAT_RCC_AHB1ENR_GPIOAEN  (1u << 0)
#define RMAT_RCC_AHB1ENR_GPIOBEN  (1u << 1)
#define RMAT_RCC_AHB1ENR_GPIOCEN  (1u << 2)
#define RMAT_RCC_AHB1ENR_DMA2EN   (1u << 22)
#define RMAT_RCC_APB1ENR_TIM2EN   (1u << 0)
#define RMAT_RCC_APB1ENR_PWREN    (1u << 28)
#define RMAT_RCC_APB2ENR_USART1EN (1u << 4)
#define RMAT_RCC_APB2ENR_ADC1EN   (1u << 8)

/* --- TIM2, a 32-bit general-purpose timer (RM0090 ch. 18) ---------------- */
#define RMAT_TIM2_CR1    RMAT_REG(RMAT_TIM2_BASE + 0x00u)
#define RMAT_TIM2_EGR    RMAT_REG(RMAT_TIM2_BASE + 0x14u)
#define RMAT_TIM2_CNT    RMAT_REG(RMAT_TIM2_BASE + 0x24u)
#define RMAT_TIM2_PSC    RMAT_REG(RMAT_TIM2_BASE + 0x28u)
#define RMAT_TIM2_ARR    RMAT_REG(RMAT_TIM2_BASE + 0x2Cu)
#define RMAT_TIM_CR1_CEN (1u << 0)
#define RMAT_TIM_EGR_UG  (1u << 0) /* update: loads PSC now, clears the count */

/* --- PWR (RM0090 ch. 5) ------------------------------------------------------ */
#define RMAT_PWR_CR     RMAT_REG(RMAT_PWR_BASE + 0x00u)
#define RMAT_PWR_CR_VOS (1u << 14) /* regulator scale 1: needed for 168 MHz */

/* --- flash interface (RM0090 ch. 3) -------------------------------------------- */
#define RMAT_FLASH_ACR             RMAT_REG(RMAT_FLASHIF_BASE + 0x00u)
#define RMAT_FLASH_ACR_LATENCY_Msk (7u << 0)
#define RMAT_FLASH_ACR_PRFTEN      (1u << 8)
#define RMAT_FLASH_ACR_ICEN        (1u << 9)
#define RMAT_FLASH_ACR_DCEN        (1u << 10)

/* --- GPIO (RM0090 ch. 8); ports are addressed by base ------------------------ */
#define RMAT_GPIO_MODER(port)   RMAT_REG((port) + 0x00u)
#define RMAT_GPIO_OTYPER(port)  RMAT_REG((port) + 0x04u)
#define RMAT_GPIO_OSPEEDR(port) RMAT_REG((port) + 0x08u)
#define RMAT_GPIO_PUPDR(port)   RMAT_REG((port) + 0x0Cu)
#define RMAT_GPIO_IDR(port)     RMAT_REG((port) + 0x10u)
#define RMAT_GPIO_ODR(port)     RMAT_REG((port) + 0x14u)
/* BSRR: writing 1 to bit n sets pin n, to bit n+16 resets it; one store
 * changes any set of pins of a port at the same instant. */
#define RMAT_GPIO_BSRR(port) RMAT_REG((port) + 0x18u)
#define RMAT_GPIO_AFRL(port) RMAT_REG((port) + 0x20u)
#define RMAT_GPIO_AFRH(port) RMAT_REG((port) + 0x24u)

/* Two-bit fields of MODER, OSPEEDR and PUPDR. */
#define RMAT_GPIO_MODE_INPUT  0u
#define RMAT_GPIO_MODE_OUTPUT 1u
#define RMAT_GPIO_MODE_AF     2u
#define RMAT_GPIO_MODE_ANALOG 3u
#define RMAT_GPIO_SPEED_LOW   0u
#define RMAT_GPIO_SPEED_HIGH  2u
#define RMAT_GPIO_PULL_NONE   0u
#define RMAT_GPIO_PULL_UP     1u

/* --- USART1 (RM0090 ch. 30) -------------------------------------------------- */
#define RMAT_USART1_SR      RMAT_REG(RMAT_USART1_BASE + 0x00u)
#define RMAT_USART1_DR      RMAT_REG(RMAT_USART1_BASE + 0x04u)
#define RMAT_USART1_BRR     RMAT_REG(RMAT_USART1_BASE + 0x08u)
#define RMAT_USART1_CR1     RMAT_REG(RMAT_USART1_BASE + 0x0Cu)
#define RMAT_USART1_CR2     RMAT_REG(RMAT_USART1_BASE + 0x10u)
#define RMAT_USART1_CR3     RMAT_REG(RMAT_USART1_BASE + 0x14u)
#define RMAT_USART1_DR_ADDR (RMAT_USART1_BASE + 0x04u)

#define RMAT_USART_SR_PE      (1u << 0)
#define RMAT_USART_SR_FE      (1u << 1)
#define RMAT_USART_SR_NF      (1u << 2)
#define RMAT_USART_SR_ORE     (1u << 3)
#define RMAT_USART_SR_RXNE    (1u << 5)
#define RMAT_USART_SR_TC      (1u << 6)
#define RMAT_USART_SR_TXE     (1u << 7)
#define RMAT_USART_CR1_RE     (1u << 2)
#define RMAT_USART_CR1_TE     (1u << 3)
#define RMAT_USART_CR1_RXNEIE (1u << 5)
#define RMAT_USART_CR1_UE     (1u << 13)
#define RMAT_USART_CR1_OVER8  (1u << 15)
#define RMAT_USART_CR3_EIE    (1u << 0)
#define RMAT_USART_CR3_DMAT   (1u << 7)

/* --- ADC1 and the common ADC registers (RM0090 ch. 13) ---------------------- */
#define RMAT_ADC1_SR    RMAT_REG(RMAT_ADC1_BASE + 0x00u)
#define RMAT_ADC1_CR1   RMAT_REG(RMAT_ADC1_BASE + 0x04u)
#define RMAT_ADC1_CR2   RMAT_REG(RMAT_ADC1_BASE + 0x08u)
#define RMAT_ADC1_SMPR1 RMAT_REG(RMAT_ADC1_BASE + 0x0Cu) /* channels 10..18 */
#define RMAT_ADC1_SMPR2 RMAT_REG(RMAT_ADC1_BASE + 0x10u) /* channels 0..9 */
#define RMAT_ADC1_SQR1  RMAT_REG(RMAT_ADC1_BASE + 0x2Cu)
#define RMAT_ADC1_SQR3  RMAT_REG(RMAT_ADC1_BASE + 0x34u)
#define RMAT_ADC1_DR    RMAT_REG(RMAT_ADC1_BASE + 0x4Cu)
#define RMAT_ADC_CCR    RMAT_REG(RMAT_ADCC_BASE + 0x04u)

#define RMAT_ADC_SR_EOC         (1u << 1)
#define RMAT_ADC_SR_OVR         (1u << 5)
#define RMAT_ADC_CR1_RES_Pos    24 /* 2 bits: 0 = 12-bit */
#define RMAT_ADC_CR2_ADON       (1u << 0)
#define RMAT_ADC_CR2_SWSTART    (1u << 30)
#define RMAT_ADC_SMPR_SMP_56    3u /* 3-bit sample-time code: 56 ADC clock cycles */
#define RMAT_ADC_CCR_ADCPRE_Pos 16 /* 2 bits: 0 = PCLK2/2, 1 = /4, 2 = /6, 3 = /8 */

/* --- DMA2 (RM0090 ch. 10); stream x at 0x10 + 0x18 * x ----------------------- */
#define RMAT_DMA2_HISR     RMAT_REG(RMAT_DMA2_BASE + 0x04u) /* streams 4..7 */
#define RMAT_DMA2_HIFCR    RMAT_REG(RMAT_DMA2_BASE + 0x0Cu)
#define RMAT_DMA2_SCR(x)   RMAT_REG(RMAT_DMA2_BASE + 0x10u + 0x18u * (x))
#define RMAT_DMA2_SNDTR(x) RMAT_REG(RMAT_DMA2_BASE + 0x14u + 0x18u * (x))
#define RMAT_DMA2_SPAR(x)  RMAT_REG(RMAT_DMA2_BASE + 0x18u + 0x18u * (x))
#define RMAT_DMA2_SM0AR(x) RMAT_REG(RMAT_DMA2_BASE + 0x1Cu + 0x18u * (x))
#define RMAT_DMA2_SFCR(x)  RMAT_REG(RMAT_DMA2_BASE + 0x24u + 0x18u * (x))

#define RMAT_DMA_SCR_EN        (1u << 0)
#define RMAT_DMA_SCR_DIR_M2P   (1u << 6) /* DIR = 01: memory to peripheral */
#define RMAT_DMA_SCR_MINC      (1u << 10)
#define RMAT_DMA_SCR_PL_HIGH   (2u << 16)
#define RMAT_DMA_SCR_CHSEL_Pos 25
/* Stream 7's flags in HISR / HIFCR: FEIF 22, DMEIF 24, TEIF 25, HTIF 26,
 * TCIF 27. */
#define RMAT_DMA_HISR_TEIF7 (1u << 25)
#define RMAT_DMA_HIFCR_ALL7 ((1u << 22) | (1u << 24) | (1u << 25) | (1u << 26) | (1u << 27))

/* --- independent watchdog (RM0090 ch. 21) ------------------------------------ */
#define RMAT_IWDG_KR         RMAT_REG(RMAT_IWDG_BASE + 0x00u)
#define RMAT_IWDG_PR         RMAT_REG(RMAT_IWDG_BASE + 0x04u)
#define RMAT_IWDG_RLR        RMAT_REG(RMAT_IWDG_BASE + 0x08u)
#define RMAT_IWDG_KEY_START  0xCCCCu
#define RMAT_IWDG_KEY_UNLOCK 0x5555u
#define RMAT_IWDG_KEY_RELOAD 0xAAAAu

/* --- Cortex-M4 system control space ---------------------------------------- */
#define RMAT_SYST_CSR           RMAT_REG(0xE000E010u)
#define RMAT_SYST_RVR           RMAT_REG(0xE000E014u)
#define RMAT_SYST_CVR           RMAT_REG(0xE000E018u)
#define RMAT_SYST_CSR_ENABLE    (1u << 0)
#define RMAT_SYST_CSR_TICKINT   (1u << 1)
#define RMAT_SYST_CSR_CLKSOURCE (1u << 2) /* 1 = the core clock, not HCLK/8 */

#define RMAT_NVIC_ISER(n) RMAT_REG(0xE000E100u + 4u * (n))
/* Interrupt priority bytes; the STM32F4 implements the top 4 bits. */
#define RMAT_NVIC_IPR(irq) (*(volatile uint8_t *)(uintptr_t)(0xE000E400u + (irq)))

#define RMAT_SCB_VTOR                 RMAT_REG(0xE000ED08u)
#define RMAT_SCB_SHPR3                RMAT_REG(0xE000ED20u) /* bits 31:24 SysTick priority */
#define RMAT_SCB_CPACR                RMAT_REG(0xE000ED88u)
#define RMAT_SCB_CPACR_CP10_CP11_FULL (0xFu << 20)

/* Debug MCU freeze register: stop the watchdog while a debugger halts the
 * core, so a breakpoint does not reset the board. */
#define RMAT_DBGMCU_APB1_FZ           RMAT_REG(0xE0042008u)
#define RMAT_DBGMCU_APB1_FZ_IWDG_STOP (1u << 12)

/* --- interrupt numbers (RM0090's vector table of the F405/407) -----------------------------------
 */
#define RMAT_IRQ_USART1       37
#define RMAT_IRQ_DMA2_STREAM7 70
#define RMAT_IRQ_COUNT        82 /* IRQ 0..81 (FPU is the last) */

#endif
