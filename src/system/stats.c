/* system/stats.c -- the rank's counters for the program (rap_stats_get)
 * and for RAPTORS_STATS.
 *
 * Owns:       nothing: a view of util/counters.h and the actor table.
 * Threads:    any.
 * Uses:       system/node.h, util/counters.h.
 */
#include <stdio.h>

#include "system/node.h"

int rap_stats_get(rap_stats *out)
{
    if (out == NULL)
        return RAP_EINVAL;
    if (!rap__node_up())
        return RAP_ESTATE;
    *out = (rap_stats){
        .sent_local = rap__ctr_sum(RAP_CTR_SENT_LOCAL),
        .sent_remote = rap__ctr_sum(RAP_CTR_SENT_REMOTE),
        .bytes_sent_local = rap__ctr_sum(RAP_CTR_BYTES_SENT_LOCAL),
        .bytes_sent_remote = rap__ctr_sum(RAP_CTR_BYTES_SENT_REMOTE),
        .recv_remote = rap__ctr_sum(RAP_CTR_RECV_REMOTE),
        .batches_sent = rap__ctr_sum(RAP_CTR_BATCHES_SENT),
        .bytes_recv_remote = rap__ctr_sum(RAP_CTR_BYTES_RECV_REMOTE),
        .handled = rap__ctr_sum(RAP_CTR_HANDLED),
        .dead_letters = rap__ctr_sum(RAP_CTR_DEAD_LETTERS),
        .unhandled = rap__ctr_sum(RAP_CTR_UNHANDLED),
        .malformed = rap__ctr_sum(RAP_CTR_MALFORMED),
        .dropped_stopped = rap__ctr_sum(RAP_CTR_DROPPED_STOPPED),
        .actors_live = rap__table_live(g_node.table),
        .flow_blocked = rap__ctr_sum(RAP_CTR_FLOW_BLOCKED),
        .migrated_out = rap__ctr_sum(RAP_CTR_MIGRATED_OUT),
        .migrated_in = rap__ctr_sum(RAP_CTR_MIGRATED_IN),
        .forwarded = rap__ctr_sum(RAP_CTR_FORWARDED),
    };
    /* Read out first: a message read in before its arrival would be
     * counted out of the mailbox it was never seen in. */
    uint64_t out_n = rap__ctr_sum(RAP_CTR_MAILBOX_OUT), in_n = rap__ctr_sum(RAP_CTR_MAILBOX_IN);
    out->queued = in_n > out_n ? in_n - out_n : 0;
    return RAP_OK;
}

void rap__stats_print(void)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "raptors stats rank %d:", g_node.rank);

    for (int i = 0; i < RAP_CTR_COUNT && n > 0 && (size_t)n < sizeof(line); i++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %s=%llu", rap__ctr_name(i),
                      (unsigned long long)rap__ctr_sum(i));
    if (n > 0 && (size_t)n < sizeof(line))
        snprintf(line + n, sizeof(line) - (size_t)n, " actors_live=%llu",
                 (unsigned long long)rap__table_live(g_node.table));
    fprintf(stderr, "%s\n", line);
}
