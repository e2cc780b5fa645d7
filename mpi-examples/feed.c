/* mpi-examples/feed.c -- publish / subscribe: a ticker on rank 0
 * publishes N prices on the topic "prices"; two watchers on every rank
 * subscribe (rap_subscribe) and keep a running mean; the publication goes
 * once to each rank and is fanned out there.  When a watcher has all N it
 * unsubscribes and reports to a collector on rank 0.
 *
 *   mpirun -np 4 ./mpi-examples/feed [prices]
 */
#include <stdio.h>
#include <stdlib.h>

#include "raptors.h"

static uint32_t PRICE, REPORT, START, TICKER, WATCHER, COLLECTOR;
static int nprices = 100;

typedef struct price { int64_t seq; double value; } price;
typedef struct report { int got, in_order; double mean; } report;
typedef struct watcher { rap_aid collector; int64_t next; double sum; int in_order; } watcher;
typedef struct collector { int reports, all_in_order; double mean; } collector;

static int ticker_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    for (int64_t i = 0; i < nprices; i++) {
        price p = { i, 100.0 + (double)(i % 10) };
        int rc = rap_publish(ctx, "prices", PRICE, &p, sizeof(p));
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

static int watcher_start(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    watcher *w = state;
    w->collector = *(const rap_aid *)data;
    w->in_order = 1;
    return rap_subscribe(ctx, "prices");
}

static int watcher_price(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    watcher *w = state;
    const price *p = data;
    w->in_order &= p->seq == w->next;
    w->sum += p->value;
    if (++w->next < nprices)
        return RAP_OK;
    report r = { (int)w->next, w->in_order, w->sum / (double)w->next };
    rap_unsubscribe(ctx, "prices");
    return rap_send(ctx, w->collector, REPORT, &r, sizeof(r));
}

static int collector_report(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    collector *c = state;
    const report *r = data;
    if (c->reports++ == 0)
        c->all_in_order = 1;
    c->all_in_order &= r->in_order && r->got == nprices;
    c->mean = r->mean;
    if (c->reports == 2 * rap_size())
        printf("feed: %d ranks, %d prices published to %d watchers: %s, mean %.2f\n", rap_size(), nprices,
               c->reports, c->all_in_order ? "all got all in order" : "SOME MISSED", c->mean);
    return RAP_OK;
}

int main(int argc, char **argv)
{
    rap_aid coll = RAP_AID_NONE, w, ticker;

    if (argc > 1)
        nprices = atoi(argv[1]);
    rap_msg_type_register("feed.price", sizeof(price), RAP_MSG_FIXED, &PRICE);
    rap_msg_type_register("feed.report", sizeof(report), RAP_MSG_FIXED, &REPORT);
    rap_msg_type_register("feed.start", sizeof(rap_aid), RAP_MSG_VAR, &START);
    rap_actor_type_register("feed.ticker", 0, NULL, NULL, &TICKER);
    rap_actor_type_on(TICKER, START, ticker_start);
    rap_actor_type_register("feed.watcher", sizeof(watcher), NULL, NULL, &WATCHER);
    rap_actor_type_on(WATCHER, START, watcher_start);
    rap_actor_type_on(WATCHER, PRICE, watcher_price);
    rap_actor_type_register("feed.collector", sizeof(collector), NULL, NULL, &COLLECTOR);
    rap_actor_type_on(COLLECTOR, REPORT, collector_report);
    if (rap_init(&argc, &argv) != RAP_OK || nprices < 1)
        return 1;
    if (rap_rank() == 0)
        rap_spawn(NULL, COLLECTOR, NULL, 0, &coll);
    MPI_Bcast(&coll, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    for (int i = 0; i < 2; i++) {
        rap_spawn(NULL, WATCHER, NULL, 0, &w);
        rap_send(NULL, w, START, &coll, sizeof(coll));
    }
    rap_run(); /* every rank has heard of every subscription */
    if (rap_rank() == 0) {
        rap_spawn(NULL, TICKER, NULL, 0, &ticker);
        rap_send(NULL, ticker, START, NULL, 0);
    }
    int rc = rap_run();
    rap_finalize();
    return rc == RAP_OK ? 0 : 1;
}
