/* mpi-examples/feed.c -- publish / subscribe: a ticker on rank 0
 * publishes N prices on the topic "prices"; two watchers on every rank
 * subscribe (rap_subscribe) and keep a running mean; the publication goes
 * once to each rank and is fanned out there.  When a watcher has all N it
 * unsubscribes and reports to a collector on rank 0.  Its messages are
 * typed (RAP_MESSAGE): sends and handlers take their payload's C type.
 *
 *   mpirun -np 4 ./mpi-examples/feed [prices]
 */
#include <stdio.h>
#include <stdlib.h>

#include "raptors.h"

static uint32_t TICKER, WATCHER, COLLECTOR;
static int nprices = 100;

typedef struct price { int64_t seq; double value; } price;
typedef struct report { int got, in_order; double mean; } report;
typedef struct start { rap_aid collector; } start;
typedef struct watcher { rap_aid collector; int64_t next; double sum; int in_order; } watcher;
typedef struct collector { int reports, all_in_order; double mean; } collector;

/* Typed messages: each send and handler below takes its payload's type. */
RAP_MESSAGE(price_msg, "feed.price", price);
RAP_MESSAGE(report_msg, "feed.report", report);
RAP_MESSAGE(start_msg, "feed.start", start);

static int ticker_start(rap_ctx *ctx, void *state, rap_aid from, const start *s)
{
    for (int64_t i = 0; i < nprices; i++) {
        price p = { i, 100.0 + (double)(i % 10) };
        int rc = price_msg_publish(ctx, "prices", &p);
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}
RAP_HANDLER(start_msg, void, ticker_start);

static int watcher_start(rap_ctx *ctx, watcher *w, rap_aid from, const start *s)
{
    w->collector = s->collector;
    w->in_order = 1;
    return rap_subscribe(ctx, "prices");
}
RAP_HANDLER(start_msg, watcher, watcher_start);

static int watcher_price(rap_ctx *ctx, watcher *w, rap_aid from, const price *p)
{
    w->in_order &= p->seq == w->next;
    w->sum += p->value;
    if (++w->next < nprices)
        return RAP_OK;
    report r = { (int)w->next, w->in_order, w->sum / (double)w->next };
    rap_unsubscribe(ctx, "prices");
    return report_msg_send(ctx, w->collector, &r);
}
RAP_HANDLER(price_msg, watcher, watcher_price);

static int collector_report(rap_ctx *ctx, collector *c, rap_aid from, const report *r)
{
    if (c->reports++ == 0)
        c->all_in_order = 1;
    c->all_in_order &= r->in_order && r->got == nprices;
    c->mean = r->mean;
    if (c->reports == 2 * rap_size())
        printf("feed: %d ranks, %d prices published to %d watchers: %s, mean %.2f\n", rap_size(), nprices,
               c->reports, c->all_in_order ? "all got all in order" : "SOME MISSED", c->mean);
    return RAP_OK;
}
RAP_HANDLER(report_msg, collector, collector_report);

int main(int argc, char **argv)
{
    rap_aid w, ticker;
    start st = { RAP_AID_NONE };

    if (argc > 1)
        nprices = atoi(argv[1]);
    RAP_REGISTER(price_msg);
    RAP_REGISTER(report_msg);
    RAP_REGISTER(start_msg);
    rap_actor_type_register("feed.ticker", 0, NULL, NULL, &TICKER);
    RAP_ON(TICKER, start_msg, ticker_start);
    rap_actor_type_register("feed.watcher", sizeof(watcher), NULL, NULL, &WATCHER);
    RAP_ON(WATCHER, start_msg, watcher_start);
    RAP_ON(WATCHER, price_msg, watcher_price);
    rap_actor_type_register("feed.collector", sizeof(collector), NULL, NULL, &COLLECTOR);
    RAP_ON(COLLECTOR, report_msg, collector_report);
    if (rap_init(&argc, &argv) != RAP_OK || nprices < 1)
        return 1;
    if (rap_rank() == 0)
        rap_spawn(NULL, COLLECTOR, NULL, 0, &st.collector);
    MPI_Bcast(&st.collector, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
    for (int i = 0; i < 2; i++) {
        rap_spawn(NULL, WATCHER, NULL, 0, &w);
        start_msg_send(NULL, w, &st);
    }
    rap_run(); /* every rank has heard of every subscription */
    if (rap_rank() == 0) {
        rap_spawn(NULL, TICKER, NULL, 0, &ticker);
        start_msg_send(NULL, ticker, &st);
    }
    int rc = rap_run();
    rap_finalize();
    return rc == RAP_OK ? 0 : 1;
}
