/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rollmat STM32F405 board: the device core's port. See port.h.
 *
 * The grid is a passive FSR matrix: every row crosses every column through
 * one force-sensing resistor. To read sensel (r, c) the firmware drives
 * row r high and measures the voltage column c develops across its load
 * resistor. Left floating, the other rows would carry current from the
 * driven row into every column whose sensel on a floating row is pressed:
 * row r -> sensel (r, c1) -> column c1 -> sensel (r2, c1) -> row r2 ->
 * sensel (r2, c2) -> column c2, so pressing three corners of a rectangle
 * makes the fourth read as pressed (ghosting, crosstalk). The row decoders
 * therefore drive every unselected row to ground: a ghost path then ends
 * at ground at row r2 instead of reaching column c2, and each column reads
 * the selected row's sensel (loaded only by its own pressed neighbours).
 *
 * Interrupt state: the receive ring is the only mutable file-scope
 * object, because an interrupt handler has no context pointer. Everything
 * else is in struct rmat_board.
 */
#include "port.h"

#include <string.h>

#include "regs.h"
#include "startup.h"

/* --- interrupt state ------------------------------------------------------ */

/* Received bytes, from the USART1 interrupt to the main loop. A power of
 * two; commands are at most 30 wire bytes and the main loop drains the
 * ring at least once per frame scan (about 4 ms, 1200 bytes at 3 Mbaud),
 * so 256 bytes hold a burst of eight commands during a scan. The ISR
 * writes only head, the main loop only tail, so neither needs a lock. */
#define RX_RING 256u
static struct {
    volatile uint8_t buf[RX_RING];
    volatile uint32_t head; /* next slot the ISR writes */
    volatile uint32_t tail; /* next slot the main loop reads */
    volatile uint32_t errors;
} rx_ring;

/* --- small helpers ---------------------------------------------------------- */

static void barrier(void)
{
    __asm__ volatile("dsb" ::: "memory");
}

static void field2(volatile uint32_t *reg, unsigned pin, uint32_t value)
{
    const unsigned shift = 2u * pin;
    *reg = (*reg & ~(3u << shift)) | (value << shift);
}

static void gpio_mode(uint32_t port, unsigned pin, uint32_t mode)
{
    field2(&RMAT_GPIO_MODER(port), pin, mode);
}

static void gpio_af(uint32_t port, unsigned pin, uint32_t af)
{
    volatile uint32_t *reg = pin < 8 ? &RMAT_GPIO_AFRL(port) : &RMAT_GPIO_AFRH(port);
    const unsigned shift = 4u * (pin & 7u);
    *reg = (*reg & ~(0xFu << shift)) | (af << shift);
}

/* A BSRR word driving the pins in high to 1 and the other pins in all to 0. */
static uint32_t bsrr_word(uint32_t high, uint32_t all)
{
    return high | ((all & ~high) << 16);
}

/* --- clock ------------------------------------------------------------------ */

/* The device clock is TIM2, a 32-bit timer prescaled to count
 * microseconds, extended to 64 bits in software.
 *
 * Not SysTick with a millisecond interrupt count, which is exact on the
 * board but not under QEMU: there a tick interrupt that fires late (the
 * host did not run the emulator for a while) swallows the ticks in
 * between, and the clock falls behind: measured on QEMU 7.2, about 1% on
 * an idle host and up to 17% on a busy one. QEMU computes TIM2's count
 * from its virtual clock on every read instead, so it cannot lose time; it
 * only counts from a different clock (1 GHz, not the board's 84 MHz),
 * which struct rmat_clock reports and the prescaler absorbs. SysTick
 * stays, as the 1 ms interrupt that wakes the main loop from WFI. */
static void clock_init(struct rmat_board *b)
{
    const uint32_t per_us = b->clock.tim_hz / 1000000u;

    RMAT_RCC_APB1ENR |= RMAT_RCC_APB1ENR_TIM2EN;
    (void)RMAT_RCC_APB1ENR; /* the clock is on two cycles after the write */
    RMAT_TIM2_CR1 = 0;
    RMAT_TIM2_PSC = per_us - 1u; /* 83 on the board, 999 under QEMU */
    RMAT_TIM2_ARR = 0xFFFFFFFFu; /* wraps after 2^32 us, 71.6 minutes */
    RMAT_TIM2_EGR = RMAT_TIM_EGR_UG;
    RMAT_TIM2_CR1 = RMAT_TIM_CR1_CEN;
    b->clock_last = 0;
    b->clock_high = 0;

    RMAT_SYST_CSR = 0;
    RMAT_SYST_RVR = b->clock.hclk_hz / 1000u - 1u; /* 24 bits: 167999 fits */
    RMAT_SYST_CVR = 0;
    /* Priority 8 of 16: below the USART (4), which must not wait. */
    RMAT_SCB_SHPR3 = (RMAT_SCB_SHPR3 & 0x00FFFFFFu) | (0x80u << 24);
    RMAT_SYST_CSR = RMAT_SYST_CSR_CLKSOURCE | RMAT_SYST_CSR_TICKINT | RMAT_SYST_CSR_ENABLE;
}

/* Only wakes the main loop (rmat_board_idle); there is nothing to count. */
void rmat_isr_systick(void) {}

/* A wrap shows as a count below the last one read. The main loop reads
 * the clock every millisecond at least, far more often than once per
 * 71 minutes, so no wrap goes unseen; only thread mode reads it, so the
 * extension needs no lock. */
uint64_t rmat_board_now_us(struct rmat_board *b)
{
    const uint32_t now = RMAT_TIM2_CNT;

    if (now < b->clock_last)
        b->clock_high += (uint64_t)1 << 32;
    b->clock_last = now;
    return b->clock_high | now;
}

static uint64_t port_now_us(void *ctx)
{
    return rmat_board_now_us(ctx);
}

static void port_delay_us(void *ctx, uint32_t us)
{
    struct rmat_board *b = ctx;
    const uint64_t until = rmat_board_now_us(b) + us;

    while (rmat_board_now_us(b) < until) {
    }
}

/* --- rows and columns ------------------------------------------------------- */

static void grid_init(struct rmat_board *b)
{
    const struct rmat_board_config *c = b->cfg;
    uint32_t row_all = (1u << c->row_inh_lo_pin) | (1u << c->row_inh_hi_pin);
    uint32_t col_all = 1u << c->col_en_pin;
    const uint32_t inh_both = row_all;

    for (unsigned k = 0; k < RMAT_BOARD_ROW_ADDR_LINES; k++)
        row_all |= 1u << c->row_addr_pins[k];
    for (unsigned k = 0; k < RMAT_BOARD_COL_ADDR_LINES; k++)
        col_all |= 1u << c->col_addr_pins[k];

    /* Row r: address r mod 16 on A0..A3, its decoder enabled (INHIBIT
     * low), the other inhibited. */
    for (unsigned r = 0; r < RMAT_BOARD_MAX_ROWS; r++) {
        uint32_t high = r < 16 ? 1u << c->row_inh_hi_pin : 1u << c->row_inh_lo_pin;
        for (unsigned k = 0; k < RMAT_BOARD_ROW_ADDR_LINES; k++) {
            if (r & (1u << k))
                high |= 1u << c->row_addr_pins[k];
        }
        b->row_bsrr[r] = bsrr_word(high, row_all);
    }
    /* Column j: address j on A0..A4, EN low. */
    for (unsigned j = 0; j < RMAT_BOARD_MAX_COLS; j++) {
        uint32_t high = 0;
        for (unsigned k = 0; k < RMAT_BOARD_COL_ADDR_LINES; k++) {
            if (j & (1u << k))
                high |= 1u << c->col_addr_pins[k];
        }
        b->col_bsrr[j] = bsrr_word(high, col_all);
    }
    b->rows_off_bsrr = bsrr_word(inh_both, row_all);

    /* Latch the safe levels first (both decoders inhibited: every row at
     * ground; column multiplexer disabled), then make the pins outputs, so
     * they never drive anything else. */
    RMAT_GPIO_BSRR(c->row_port) = b->rows_off_bsrr;
    RMAT_GPIO_BSRR(c->col_port) = bsrr_word(1u << c->col_en_pin, col_all);
    for (unsigned pin = 0; pin < 16; pin++) {
        if (row_all & (1u << pin))
            gpio_mode(c->row_port, pin, RMAT_GPIO_MODE_OUTPUT);
        if (col_all & (1u << pin))
            gpio_mode(c->col_port, pin, RMAT_GPIO_MODE_OUTPUT);
    }
}

static void port_select_row(void *ctx, unsigned row)
{
    struct rmat_board *b = ctx;

    b->row = row;
    RMAT_GPIO_BSRR(b->cfg->row_port) = b->row_bsrr[row];
}

/* --- ADC -------------------------------------------------------------------- */

/* One 12-bit conversion is 56 sampling + 12 conversion cycles of the
 * 21 MHz ADC clock, 3.2 us, about 540 core cycles; a poll of the ADC
 * status is a few cycles, so 2000 polls is several times the longest
 * conversion. The probe at init waits far longer, once. */
#define ADC_EOC_POLLS   2000u
#define ADC_PROBE_POLLS 200000u

static int adc_wait_eoc(uint32_t polls)
{
    while (polls-- > 0) {
        if (RMAT_ADC1_SR & RMAT_ADC_SR_EOC)
            return 1;
    }
    return 0;
}

static void adc_init(struct rmat_board *b)
{
    const struct rmat_board_config *c = b->cfg;
    const unsigned ch = c->adc_channel;

    gpio_mode(c->adc_port, c->adc_pin, RMAT_GPIO_MODE_ANALOG);
    /* ADC clock PCLK2 / 4: 21 MHz from 84 MHz (the limit is 36 MHz). */
    RMAT_ADC_CCR =
        (RMAT_ADC_CCR & ~(3u << RMAT_ADC_CCR_ADCPRE_Pos)) | (1u << RMAT_ADC_CCR_ADCPRE_Pos);
    RMAT_ADC1_CR1 = 0u << RMAT_ADC_CR1_RES_Pos; /* 12-bit, one channel, no scan */
    /* 56 cycles of sampling (2.7 us): the column multiplexer has just
     * switched when a conversion starts, and the op-amp follower behind it
     * (>= 5 V/us) must settle a full-scale step within the sampling
     * window, which is what the sampling capacitor holds at its end. */
    if (ch < 10)
        RMAT_ADC1_SMPR2 =
            (RMAT_ADC1_SMPR2 & ~(7u << (3u * ch))) | (RMAT_ADC_SMPR_SMP_56 << (3u * ch));
    else
        RMAT_ADC1_SMPR1 = (RMAT_ADC1_SMPR1 & ~(7u << (3u * (ch - 10u)))) |
                          (RMAT_ADC_SMPR_SMP_56 << (3u * (ch - 10u)));
    RMAT_ADC1_SQR1 = 0; /* a sequence of one conversion */
    RMAT_ADC1_SQR3 = ch;
    RMAT_ADC1_CR2 = RMAT_ADC_CR2_ADON;
    port_delay_us(b, 3); /* tSTAB: the ADC needs 3 us after power-on */

    /* QEMU's ADC model converts at once on a read of DR, but never sets
     * EOC in SR; waiting for EOC there would cost the whole bound on every
     * sensel. One conversion at power-up tells the two apart: the board's
     * ADC always sets EOC. */
    RMAT_ADC1_CR2 = RMAT_ADC_CR2_ADON | RMAT_ADC_CR2_SWSTART;
    b->adc_eoc = adc_wait_eoc(ADC_PROBE_POLLS);
    (void)RMAT_ADC1_DR; /* clears EOC */
}

static uint16_t port_read_col(void *ctx, unsigned col)
{
    struct rmat_board *b = ctx;
    const struct rmat_board_config *c = b->cfg;
    uint16_t v;

    RMAT_GPIO_BSRR(c->col_port) = b->col_bsrr[col];
    RMAT_ADC1_CR2 = RMAT_ADC_CR2_ADON | RMAT_ADC_CR2_SWSTART;
    if (b->adc_eoc && !adc_wait_eoc(ADC_EOC_POLLS))
        b->adc_timeouts++; /* the previous value is read; counted, never a hang */
    v = (uint16_t)(RMAT_ADC1_DR & 0x0FFFu);
    /* The core scans row-major (device.h), so this was the frame's last
     * sensel: ground every row and switch the column multiplexer off until
     * the next frame, so no sensel carries current between scans. */
    if (b->row + 1u == c->rows && col + 1u == c->cols) {
        RMAT_GPIO_BSRR(c->row_port) = b->rows_off_bsrr;
        RMAT_GPIO_BSRR(c->col_port) = 1u << c->col_en_pin;
    }
    return v;
}

/* --- USART1 and DMA2 stream 7 ---------------------------------------------- */

#define DMA_STREAM  7u
#define DMA_CHANNEL 4u /* USART1_TX is DMA2 stream 7 channel 4 (RM0090, DMA2 request map) */
#define DMA_POLLS   10000u

/* USART1 BRR for baud from pclk. With 16x oversampling (OVER8 = 0) BRR is
 * USARTDIV x 16 = pclk / baud, rounded: 84 MHz / 3 Mbaud = 28 = 0x1C
 * (mantissa 1, fraction 12/16: USARTDIV 1.75), exactly 3,000,000 baud.
 * 8x oversampling (OVER8 = 1, USARTDIV 3.5: mantissa 3, fraction 4/8,
 * BRR 0x34) is exact too, but tolerates less clock error and noise, so it
 * is used only when 16x cannot reach the rate (pclk < 16 x baud); below
 * 8 x baud (the bare 16 MHz HSI) 3 Mbaud is out of reach and the USART
 * runs as fast as it can (2 Mbaud), which no host will understand: that
 * board needs its crystal or PLL fixed. */
static void usart_set_baud(uint32_t pclk, uint32_t baud)
{
    uint32_t div16 = (pclk + baud / 2u) / baud;
    uint32_t div8;

    if (div16 >= 16u) {
        RMAT_USART1_CR1 &= ~RMAT_USART_CR1_OVER8;
        RMAT_USART1_BRR = div16;
        return;
    }
    div8 = (2u * pclk + baud / 2u) / baud; /* USARTDIV x 8 */
    if (div8 < 8u)
        div8 = 8u;
    RMAT_USART1_CR1 |= RMAT_USART_CR1_OVER8;
    /* OVER8: the fraction is 3 bits and BRR bit 3 must stay clear. */
    RMAT_USART1_BRR = ((div8 >> 3) << 4) | (div8 & 7u);
}

void rmat_isr_usart1(void)
{
    const uint32_t sr = RMAT_USART1_SR;

    /* Reading SR then DR clears RXNE and the error flags; RXNEIE also
     * raises this interrupt on overrun, so the read must happen then too. */
    if (sr & (RMAT_USART_SR_RXNE | RMAT_USART_SR_ORE | RMAT_USART_SR_FE | RMAT_USART_SR_NF |
              RMAT_USART_SR_PE)) {
        const uint8_t byte = (uint8_t)RMAT_USART1_DR;
        const uint32_t head = rx_ring.head;

        if (sr & (RMAT_USART_SR_ORE | RMAT_USART_SR_FE | RMAT_USART_SR_NF | RMAT_USART_SR_PE))
            rx_ring.errors = rx_ring.errors + 1u;
        /* A damaged byte is kept: the packet's CRC decides, and the decoder
         * counts the drop. */
        if (sr & RMAT_USART_SR_RXNE) {
            if (head - rx_ring.tail < RX_RING) {
                rx_ring.buf[head % RX_RING] = byte;
                rx_ring.head = head + 1u;
            } else {
                rx_ring.errors = rx_ring.errors + 1u;
            }
        }
    }
}

size_t rmat_board_rx(struct rmat_board *b, uint8_t *buf, size_t cap)
{
    const uint32_t head = rx_ring.head;
    uint32_t tail = rx_ring.tail;
    size_t n = 0;

    (void)b;
    while (tail != head && n < cap)
        buf[n++] = rx_ring.buf[tail++ % RX_RING];
    rx_ring.tail = tail;
    return n;
}

uint32_t rmat_board_rx_errors(const struct rmat_board *b)
{
    (void)b;
    return rx_ring.errors;
}

/* Finds out whether DMA2 is there. QEMU 7.2's netduinoplus2 does not model
 * the DMA controllers: their registers read 0 and ignore writes, and a
 * stream "started" there would never move a byte. A stream's memory
 * address register holds whatever is written while the stream is off, so
 * writing the buffer's address and reading it back answers the question
 * without sending anything. */
static int dma_probe(struct rmat_board *b)
{
    const uint32_t addr = (uint32_t)(uintptr_t)b->dma_buf;
    uint32_t polls = DMA_POLLS;

    RMAT_DMA2_SCR(DMA_STREAM) = 0;
    while ((RMAT_DMA2_SCR(DMA_STREAM) & RMAT_DMA_SCR_EN) && polls-- > 0) {
    }
    RMAT_DMA2_SM0AR(DMA_STREAM) = addr;
    if (RMAT_DMA2_SM0AR(DMA_STREAM) != addr)
        return 0;
    RMAT_DMA2_SPAR(DMA_STREAM) = RMAT_USART1_DR_ADDR;
    RMAT_DMA2_SFCR(DMA_STREAM) = 0; /* direct mode: byte by byte as the USART asks */
    RMAT_DMA2_HIFCR = RMAT_DMA_HIFCR_ALL7;
    return 1;
}

static void usart_init(struct rmat_board *b)
{
    const struct rmat_board_config *c = b->cfg;

    gpio_af(c->uart_port, c->uart_tx_pin, c->uart_af);
    gpio_af(c->uart_port, c->uart_rx_pin, c->uart_af);
    field2(&RMAT_GPIO_OSPEEDR(c->uart_port), c->uart_tx_pin, RMAT_GPIO_SPEED_HIGH);
    /* RX pulled up: an unplugged cable idles high instead of reading
     * framing errors. */
    field2(&RMAT_GPIO_PUPDR(c->uart_port), c->uart_rx_pin, RMAT_GPIO_PULL_UP);
    gpio_mode(c->uart_port, c->uart_tx_pin, RMAT_GPIO_MODE_AF);
    gpio_mode(c->uart_port, c->uart_rx_pin, RMAT_GPIO_MODE_AF);

    RMAT_USART1_CR1 = 0;
    usart_set_baud(b->clock.pclk2_hz, c->baud);
    RMAT_USART1_CR2 = 0; /* 1 stop bit */
    b->dma = dma_probe(b);
    RMAT_USART1_CR3 = b->dma ? RMAT_USART_CR3_DMAT : 0u;
    RMAT_USART1_CR1 |=
        RMAT_USART_CR1_UE | RMAT_USART_CR1_TE | RMAT_USART_CR1_RE | RMAT_USART_CR1_RXNEIE;

    /* Priority 4 of 16, above SysTick: at 3 Mbaud a byte arrives every
     * 3.3 us and the USART holds one. */
    RMAT_NVIC_IPR(RMAT_IRQ_USART1) = 0x40u;
    RMAT_NVIC_ISER(RMAT_IRQ_USART1 / 32) = 1u << (RMAT_IRQ_USART1 % 32);
}

/* DMA: hand over a copy and start the stream, if it is idle. The copy is
 * what lets the core reuse its queue at once; the buffer holds a whole
 * dense frame, so a frame leaves in one transfer while the core scans the
 * next. */
static size_t dma_tx(struct rmat_board *b, const uint8_t *buf, size_t len)
{
    const size_t n = len < sizeof b->dma_buf ? len : sizeof b->dma_buf;

    if (RMAT_DMA2_SCR(DMA_STREAM) & RMAT_DMA_SCR_EN)
        return 0; /* the last transfer is still running */
    if (RMAT_DMA2_HISR & RMAT_DMA_HISR_TEIF7)
        b->dma_errors++;
    /* A stream's flags must be clear before it is enabled again. */
    RMAT_DMA2_HIFCR = RMAT_DMA_HIFCR_ALL7;
    memcpy(b->dma_buf, buf, n);
    RMAT_DMA2_SNDTR(DMA_STREAM) = (uint32_t)n;
    RMAT_DMA2_SM0AR(DMA_STREAM) = (uint32_t)(uintptr_t)b->dma_buf;
    RMAT_DMA2_SCR(DMA_STREAM) = (DMA_CHANNEL << RMAT_DMA_SCR_CHSEL_Pos) | RMAT_DMA_SCR_PL_HIGH |
                                RMAT_DMA_SCR_MINC | RMAT_DMA_SCR_DIR_M2P;
    barrier(); /* the buffer is written before the stream reads it */
    RMAT_DMA2_SCR(DMA_STREAM) |= RMAT_DMA_SCR_EN;
    return n;
}

/* The link: never waits (device.h). */
static size_t port_tx(void *ctx, const uint8_t *buf, size_t len)
{
    struct rmat_board *b = ctx;
    size_t n = 0;

    if (len == 0)
        return 0;
    if (b->dma)
        return dma_tx(b, buf, len);
    /* No DMA (QEMU): feed the data register while it is empty. On silicon
     * that is a byte or two per call; QEMU's USART sends a written byte at
     * once and keeps TXE set, so there the whole chunk goes. */
    while (n < len && (RMAT_USART1_SR & RMAT_USART_SR_TXE))
        RMAT_USART1_DR = buf[n++];
    return n;
}

/* --- board ------------------------------------------------------------------ */

void rmat_board_init(struct rmat_board *b, const struct rmat_board_config *cfg,
                     const struct rmat_clock *clk)
{
    memset(b, 0, sizeof *b);
    b->cfg = cfg;
    b->clock = *clk;

    RMAT_RCC_AHB1ENR |= RMAT_RCC_AHB1ENR_GPIOAEN | RMAT_RCC_AHB1ENR_GPIOBEN |
                        RMAT_RCC_AHB1ENR_GPIOCEN | RMAT_RCC_AHB1ENR_DMA2EN;
    RMAT_RCC_APB2ENR |= RMAT_RCC_APB2ENR_USART1EN | RMAT_RCC_APB2ENR_ADC1EN;
    /* A peripheral is usable two bus cycles after its clock is enabled
     * (RM0090, RCC chapter; also in the errata sheet); reading the register
     * back waits for that. */
    (void)RMAT_RCC_APB2ENR;
    barrier();

    grid_init(b);
    clock_init(b);
    adc_init(b);
    usart_init(b);
}

void rmat_board_port(struct rmat_board *b, struct rmat_dev_port *port)
{
    memset(port, 0, sizeof *port);
    port->ctx = b;
    port->now_us = port_now_us;
    port->begin_frame = NULL;
    port->select_row = port_select_row;
    port->delay_us = port_delay_us;
    port->read_col = port_read_col;
    port->tx = port_tx;
}

void rmat_board_idle(struct rmat_board *b)
{
    (void)b;
    /* Interrupts off while deciding, so a byte arriving between the check
     * and the WFI still wakes it: WFI returns on a pending interrupt even
     * when PRIMASK masks it, and the handler runs at cpsie. */
    __asm__ volatile("cpsid i" ::: "memory");
    if (rx_ring.head == rx_ring.tail) {
        barrier();
        __asm__ volatile("wfi");
    }
    __asm__ volatile("cpsie i" ::: "memory");
}

/* LSI (about 32 kHz, 17..47 kHz over parts and temperature) / 32 =
 * 1 kHz; 250 counts: 250 ms nominal, 170..470 ms. The main loop comes
 * round every few milliseconds (one frame scan at most). */
#define IWDG_PRESCALER_DIV32 3u
#define IWDG_RELOAD          250u

void rmat_board_watchdog_start(void)
{
    RMAT_DBGMCU_APB1_FZ |= RMAT_DBGMCU_APB1_FZ_IWDG_STOP;
    RMAT_IWDG_KR = RMAT_IWDG_KEY_START; /* also starts the LSI */
    RMAT_IWDG_KR = RMAT_IWDG_KEY_UNLOCK;
    RMAT_IWDG_PR = IWDG_PRESCALER_DIV32;
    RMAT_IWDG_RLR = IWDG_RELOAD;
    RMAT_IWDG_KR = RMAT_IWDG_KEY_RELOAD;
}

void rmat_board_watchdog_kick(void)
{
    RMAT_IWDG_KR = RMAT_IWDG_KEY_RELOAD;
}
