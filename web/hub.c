/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The hub (live.h): the latest snapshot, shared by one producer and the
 * HTTP clients. Nothing queues: a client that comes back takes whatever is
 * latest, so memory is one snapshot per client at most, whatever the
 * client does. */
#include "rollmat/live.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct rmat_live_hub {
    pthread_mutex_t mu;
    struct rmat_live_snap *latest;
    uint64_t seq;
    void (*listen)(void *ctx);
    void *listen_ctx;
};

int rmat_live_hub_new(struct rmat_live_hub **out)
{
    struct rmat_live_hub *h = calloc(1, sizeof *h);
    *out = NULL;
    if (!h)
        return RMAT_E_NOMEM;
    pthread_mutex_init(&h->mu, NULL);
    *out = h;
    return RMAT_OK;
}

static void drop(struct rmat_live_snap *b)
{
    if (b && --b->refs == 0)
        free(b);
}

void rmat_live_hub_free(struct rmat_live_hub *h)
{
    if (!h)
        return;
    drop(h->latest);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

int rmat_live_hub_publish(struct rmat_live_hub *h, const char *text, size_t len)
{
    struct rmat_live_snap *b = malloc(sizeof *b + len + 1);
    void (*fn)(void *);
    void *ctx;

    if (!b)
        return -1;
    b->refs = 1;
    b->len = len;
    memcpy(b->text, text, len);
    b->text[len] = 0;
    pthread_mutex_lock(&h->mu);
    b->seq = ++h->seq;
    drop(h->latest);
    h->latest = b;
    fn = h->listen;
    ctx = h->listen_ctx;
    pthread_mutex_unlock(&h->mu);
    if (fn)
        fn(ctx);
    return 0;
}

struct rmat_live_snap *rmat_live_hub_get(struct rmat_live_hub *h)
{
    struct rmat_live_snap *s = NULL;
    pthread_mutex_lock(&h->mu);
    if (h->latest) {
        h->latest->refs++;
        s = h->latest;
    }
    pthread_mutex_unlock(&h->mu);
    return s;
}

void rmat_live_hub_put(struct rmat_live_hub *h, struct rmat_live_snap *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&h->mu);
    drop(s);
    pthread_mutex_unlock(&h->mu);
}

uint64_t rmat_live_hub_seq(struct rmat_live_hub *h)
{
    uint64_t s;
    pthread_mutex_lock(&h->mu);
    s = h->seq;
    pthread_mutex_unlock(&h->mu);
    return s;
}

void rmat_live_hub_listen(struct rmat_live_hub *h, void (*fn)(void *ctx), void *ctx)
{
    pthread_mutex_lock(&h->mu);
    h->listen = fn;
    h->listen_ctx = ctx;
    pthread_mutex_unlock(&h->mu);
}
