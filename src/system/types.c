/* system/types.c -- MPMD type tables: which rank hosts which actor type.
 *
 * Owns:       g_node.hosts.
 * Invariants: every rank ends with the same table, built from an
 *             allgather of each rank's registrations; a name registered
 *             with different definitions on two ranks (or two names with
 *             one id) fails rap_init on every rank alike.
 * Threads:    rap_init's thread, before the workers start.
 * Uses:       MPI, msg/registry.h.
 */
#include <stdlib.h>
#include <string.h>

#include "actor/atype.h"
#include "system/node.h"

/* One record: class (0 message, 1 actor), id, check hash, size, flags. */
enum { REC_WORDS = 5 };

static int cmp_host(const void *a, const void *b)
{
    const rap_host *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Records sorted by (class, id) then compared neighbour to neighbour. */
static int cmp_rec(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    for (int i = 0; i < 2; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

int rap__types_exchange(void)
{
    size_t nm = rap__msgtype_count(), na = rap__atype_count(), n = 0;
    uint32_t *mine, *all = NULL, *sorted = NULL;
    int *counts = NULL, *displs = NULL, total = 0, err = RAP_ENOMEM, mycount;

    mine = calloc((nm + na + 1) * REC_WORDS, sizeof(*mine));
    counts = calloc((size_t)g_node.size, sizeof(*counts));
    displs = calloc((size_t)g_node.size, sizeof(*displs));
    if (mine == NULL || counts == NULL || displs == NULL)
        goto out;
    for (size_t i = 0; i < nm; i++) {
        const rap_msg_type *m = rap__msgtype_at(i);
        if (m->id < RAP_TYPE_USER_MIN)
            continue;
        uint32_t *r = &mine[n++ * REC_WORDS];
        r[0] = 0, r[1] = m->id, r[2] = m->check, r[3] = (uint32_t)m->size, r[4] = m->flags;
    }
    for (size_t i = 0; i < na; i++) {
        const rap_actor_type *a = rap__atype_at(i);
        if (a->id < RAP_TYPE_USER_MIN)
            continue;
        uint32_t *r = &mine[n++ * REC_WORDS];
        r[0] = 1, r[1] = a->id, r[2] = a->check, r[3] = 0, r[4] = 0;
    }
    mycount = (int)(n * REC_WORDS);
    if (MPI_Allgather(&mycount, 1, MPI_INT, counts, 1, MPI_INT, g_node.comm) != MPI_SUCCESS) {
        err = RAP_EMPI;
        goto out;
    }
    for (int r = 0; r < g_node.size; r++) {
        displs[r] = total;
        total += counts[r];
    }
    all = malloc(((size_t)total + 1) * sizeof(*all));
    sorted = malloc(((size_t)total + 1) * sizeof(*sorted) + (size_t)total / REC_WORDS * sizeof(uint32_t));
    if (all == NULL || sorted == NULL)
        goto out;
    if (MPI_Allgatherv(mine, mycount, MPI_UINT32_T, all, counts, displs, MPI_UINT32_T,
                       g_node.comm) != MPI_SUCCESS) {
        err = RAP_EMPI;
        goto out;
    }

    /* Consistency: equal (class, id) must have equal check, size, flags. */
    memcpy(sorted, all, (size_t)total * sizeof(*all));
    qsort(sorted, (size_t)total / REC_WORDS, REC_WORDS * sizeof(uint32_t), cmp_rec);
    for (int i = REC_WORDS; i < total; i += REC_WORDS) {
        const uint32_t *p = &sorted[i - REC_WORDS], *q = &sorted[i];
        if (p[0] == q[0] && p[1] == q[1] && memcmp(p, q, REC_WORDS * sizeof(uint32_t)) != 0) {
            if (g_node.rank == 0)
                fprintf(stderr,
                        "raptors: %s type id %08x has different names or sizes on different "
                        "ranks of this job\n", q[0] ? "actor" : "message", q[1]);
            err = RAP_ECOLLIDE;
            goto out;
        }
    }

    /* Host table: one pair per actor record. */
    size_t nh = 0;
    for (int r = 0; r < g_node.size; r++)
        for (int i = displs[r]; i < displs[r] + counts[r]; i += REC_WORDS)
            nh += all[i] == 1;
    g_node.hosts = calloc(nh + 1, sizeof(*g_node.hosts));
    if (g_node.hosts == NULL)
        goto out;
    nh = 0;
    for (int r = 0; r < g_node.size; r++)
        for (int i = displs[r]; i < displs[r] + counts[r]; i += REC_WORDS)
            if (all[i] == 1)
                g_node.hosts[nh++] = (rap_host){ all[i + 1], r };
    qsort(g_node.hosts, nh, sizeof(*g_node.hosts), cmp_host);
    g_node.nhosts = nh;
    err = RAP_OK;
out:
    free(mine);
    free(all);
    free(sorted);
    free(counts);
    free(displs);
    return err;
}

void rap__types_free(void)
{
    free(g_node.hosts);
    g_node.hosts = NULL;
    g_node.nhosts = 0;
}

size_t rap__types_hosts(uint32_t type, const rap_host **first_out)
{
    size_t lo = 0, hi = g_node.nhosts, first;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g_node.hosts[mid].type < type)
            lo = mid + 1;
        else
            hi = mid;
    }
    first = lo;
    while (lo < g_node.nhosts && g_node.hosts[lo].type == type)
        lo++;
    *first_out = &g_node.hosts[first];
    return lo - first;
}
