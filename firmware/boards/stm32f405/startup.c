/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: vector table and reset. See startup.h.
 *
 * Plain C, no assembler: the Cortex-M loads the stack pointer from the
 * table's first word and calls the reset vector as an ordinary function,
 * and saves the caller-saved registers itself on every exception, so
 * handlers are plain C functions too.
 */
#include "startup.h"

#include <stdint.h>

#include "regs.h"

/* Defined by stm32f405.ld. */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern uint32_t _estack[];

/* The table as the core reads it: the initial stack
 * pointer, then 15 system exception vectors, then the 82 interrupts of
 * the STM32F405 (RM0090's vector table of the F405/407). A struct, so the stack pointer is an
 * object pointer and the rest function pointers, with no cast between
 * them; both are 4 bytes, so there is no padding. */
struct vector_table {
    void *initial_sp;
    void (*system[15])(void);
    void (*irq[RMAT_IRQ_COUNT])(void);
};

#define DEF rmat_isr_default

__attribute__((section(".isr_vector"), used)) static const struct vector_table vectors = {
    .initial_sp = _estack,
    .system =
        {
            rmat_reset_handler, /* 1 reset */
            DEF,                /* 2 NMI */
            DEF,                /* 3 HardFault */
            DEF,                /* 4 MemManage */
            DEF,                /* 5 BusFault */
            DEF,                /* 6 UsageFault */
            0,                  /* 7 reserved */
            0,                  /* 8 reserved */
            0,                  /* 9 reserved */
            0,                  /* 10 reserved */
            DEF,                /* 11 SVCall */
            DEF,                /* 12 DebugMonitor */
            0,                  /* 13 reserved */
            DEF,                /* 14 PendSV */
            rmat_isr_systick,   /* 15 SysTick */
        },
    .irq =
        {
            /* 0..31 */
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            /* 32..36 */
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            /* 37: USART1 */
            rmat_isr_usart1,
            /* 38..63 */
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            /* 64..81 */
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
            DEF,
        },
};

_Static_assert(sizeof(struct vector_table) == 4 * (1 + 15 + RMAT_IRQ_COUNT),
               "the vector table must be packed words");

void rmat_isr_default(void)
{
    for (;;) {
    }
}

/* Everything after the FPU is on. Kept out of line, so the compiler cannot
 * schedule a floating-point instruction (with -mfloat-abi=hard it may use
 * FP registers for any code) before the enable in rmat_reset_handler. */
__attribute__((noinline, noreturn)) static void reset_continue(void)
{
    const uint32_t *src = _sidata;

    for (uint32_t *dst = _sdata; dst < _edata; dst++)
        *dst = *src++;
    for (uint32_t *dst = _sbss; dst < _ebss; dst++)
        *dst = 0;
    /* The table is at the start of flash; the core found it through the
     * boot alias at 0. Point VTOR at the real address, so the table stays
     * found if the alias is remapped (SYSCFG MEMRMP) or a bootloader ran. */
    RMAT_SCB_VTOR = (uint32_t)(uintptr_t)&vectors;
    rmat_fw_main();
    for (;;) {
    }
}

void rmat_reset_handler(void)
{
    /* CP10 and CP11 (the FPU) full access; an FP instruction before this
     * is a UsageFault. The barriers make the enable take effect before the
     * next instruction. */
    RMAT_SCB_CPACR |= RMAT_SCB_CPACR_CP10_CP11_FULL;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    reset_continue();
}
