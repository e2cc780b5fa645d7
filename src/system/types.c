/* system/types.c -- the job's types: which rank hosts which actor type,
 * and every type's name, in every executable of an MPMD job.
 *
 * Owns:       g_node.hosts and the job's name table.
 * Invariants: every rank ends with the same tables, built from an
 *             allgather of each rank's registrations (ids, check hashes,
 *             sizes, flags and names); a name registered with different
 *             definitions on two ranks, or two names with one id, fails
 *             rap_init on every rank alike, and rank 0 says which names,
 *             which ranks and what differs.  After rap_init the tables are
 *             read-only: lookups take no lock.
 * Threads:    built on rap_init's thread, before the workers start; read
 *             from any thread.
 * Uses:       MPI, msg/msgtype.h, actor/atype.h, system/node.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/atype.h"
#include "system/node.h"

/* One record: class (0 message, 1 actor), id, check hash, size, flags. */
enum { REC_WORDS = 5 };

typedef struct job_type {
    uint32_t cls, id, check, size, flags;
    int first_rank, nranks; /* the lowest rank that registered it, and how many did */
    char *name;
} job_type;

static job_type *jtypes;
static size_t njtypes;

static int cmp_host(const void *a, const void *b)
{
    const rap_host *x = a, *y = b;
    if (x->type != y->type)
        return x->type < y->type ? -1 : 1;
    return (x->rank > y->rank) - (x->rank < y->rank);
}

static int cmp_jtype(const void *a, const void *b)
{
    const job_type *x = a, *y = b;
    if (x->cls != y->cls)
        return x->cls < y->cls ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    return (x->first_rank > y->first_rank) - (x->first_rank < y->first_rank);
}

/* This rank's records and names (NUL-terminated, in record order). */
static int pack_mine(uint32_t **rec_out, int *nwords_out, char **names_out, int *nchars_out)
{
    size_t nm = rap__msgtype_count(), na = rap__atype_count(), n = 0, chars = 0;
    uint32_t *rec = calloc((nm + na + 1) * REC_WORDS, sizeof(*rec));
    char *names, *p;

    if (rec == NULL)
        return RAP_ENOMEM;
    for (size_t i = 0; i < nm; i++)
        chars += strlen(rap__msgtype_at(i)->name) + 1;
    for (size_t i = 0; i < na; i++)
        chars += strlen(rap__atype_at(i)->name) + 1;
    names = p = malloc(chars + 1);
    if (names == NULL) {
        free(rec);
        return RAP_ENOMEM;
    }
    for (size_t i = 0; i < nm; i++) {
        const rap_msg_type *m = rap__msgtype_at(i);
        uint32_t *r = &rec[n++ * REC_WORDS];
        r[0] = 0, r[1] = m->id, r[2] = m->check, r[3] = (uint32_t)m->size, r[4] = m->flags;
        p = stpcpy(p, m->name) + 1;
    }
    for (size_t i = 0; i < na; i++) {
        const rap_actor_type *a = rap__atype_at(i);
        uint32_t *r = &rec[n++ * REC_WORDS];
        r[0] = 1, r[1] = a->id, r[2] = a->check, r[3] = 0, r[4] = a->movable ? 1u : 0u;
        p = stpcpy(p, a->name) + 1;
    }
    *rec_out = rec;
    *nwords_out = (int)(n * REC_WORDS);
    *names_out = names;
    *nchars_out = (int)(p - names);
    return RAP_OK;
}

/* Allgather of a variable number of `type` items per rank. */
static int gather(void *mine, int count, MPI_Datatype type, size_t elem, void **all_out,
                  int **counts_out, int **displs_out)
{
    int size = g_node.size, total = 0;
    int *counts = calloc((size_t)size, sizeof(int)), *displs = calloc((size_t)size, sizeof(int));
    void *all = NULL;

    if (counts == NULL || displs == NULL)
        goto nomem;
    if (MPI_Allgather(&count, 1, MPI_INT, counts, 1, MPI_INT, g_node.comm) != MPI_SUCCESS)
        goto mpi;
    for (int r = 0; r < size; r++) {
        displs[r] = total;
        total += counts[r];
    }
    all = malloc(((size_t)total + 1) * elem);
    if (all == NULL)
        goto nomem;
    if (MPI_Allgatherv(mine, count, type, all, counts, displs, type, g_node.comm) != MPI_SUCCESS)
        goto mpi;
    *all_out = all;
    *counts_out = counts;
    *displs_out = displs;
    return RAP_OK;
mpi:
    free(all);
    free(counts);
    free(displs);
    return RAP_EMPI;
nomem:
    free(all);
    free(counts);
    free(displs);
    return RAP_ENOMEM;
}

static const char *cls_name(uint32_t cls) { return cls ? "actor" : "message"; }

/* Two registrations of one id that must agree.  Rank 0 says why not. */
static int compare(const job_type *a, const job_type *b)
{
    if (strcmp(a->name, b->name) != 0) {
        if (g_node.rank == 0)
            fprintf(stderr,
                    "raptors: %s types \"%s\" (rank %d) and \"%s\" (rank %d) have the same id "
                    "%08x: rename one of them\n",
                    cls_name(a->cls), a->name, a->first_rank, b->name, b->first_rank, a->id);
        return RAP_ECOLLIDE;
    }
    if (a->cls == 1 && a->flags != b->flags) {
        const job_type *m = a->flags ? a : b, *o = a->flags ? b : a;
        if (g_node.rank == 0)
            fprintf(stderr,
                    "raptors: actor type \"%s\" is movable on rank %d but not on rank %d: every "
                    "executable must declare it alike (rap_actor_type_movable)\n",
                    a->name, m->first_rank, o->first_rank);
        return RAP_ECOLLIDE;
    }
    if (a->size != b->size || a->flags != b->flags) {
        if (g_node.rank == 0)
            fprintf(stderr,
                    "raptors: message type \"%s\" is registered as %s %u bytes on rank %d but as "
                    "%s %u bytes on rank %d: every executable must register it alike\n",
                    a->name, a->flags == RAP_MSG_FIXED ? "exactly" : "at most", a->size,
                    a->first_rank, b->flags == RAP_MSG_FIXED ? "exactly" : "at most", b->size,
                    b->first_rank);
        return RAP_ECOLLIDE;
    }
    if (a->check != b->check)
        return RAP_ECOLLIDE; /* same name, other hash: never (the hash is of the name) */
    return RAP_OK;
}

/* The job table from every rank's records: one entry per (class, id),
 * checked for agreement, with the lowest rank and the count of ranks. */
static int build_table(const uint32_t *rec, const int *counts, const int *displs, const char *names,
                       const int *ncounts, const int *ndispls)
{
    size_t total = 0, n = 0;
    job_type *all;
    int rc = RAP_OK;

    for (int r = 0; r < g_node.size; r++)
        total += (size_t)counts[r] / REC_WORDS;
    all = calloc(total + 1, sizeof(*all));
    if (all == NULL)
        return RAP_ENOMEM;
    for (int r = 0; r < g_node.size; r++) {
        const char *p = names + ndispls[r], *end = p + ncounts[r];
        for (int i = displs[r]; i < displs[r] + counts[r]; i += REC_WORDS) {
            const uint32_t *w = &rec[i];
            all[n] = (job_type){ w[0], w[1], w[2], w[3], w[4], r, 1, (char *)p };
            p += strnlen(p, (size_t)(end - p)) + 1;
            n++;
        }
    }
    qsort(all, n, sizeof(*all), cmp_jtype);
    njtypes = 0;
    for (size_t i = 0; i < n && rc == RAP_OK; i++) {
        job_type *last = njtypes > 0 ? &all[njtypes - 1] : NULL;
        if (last != NULL && last->cls == all[i].cls && last->id == all[i].id) {
            rc = compare(last, &all[i]);
            last->nranks++;
            continue;
        }
        all[njtypes++] = all[i];
    }
    if (rc != RAP_OK) { /* names still point into the gathered buffer */
        free(all);
        njtypes = 0;
        return rc;
    }
    jtypes = all;
    for (size_t i = 0; i < njtypes; i++) {
        if ((all[i].name = strdup(all[i].name)) == NULL) {
            njtypes = i; /* the ones before are ours to free */
            return RAP_ENOMEM;
        }
    }
    return RAP_OK;
}

/* The host table: one (type, rank) pair per rank that registered a user
 * actor type, sorted. */
static int build_hosts(const uint32_t *rec, const int *counts, const int *displs)
{
    size_t nh = 0;

    for (int r = 0; r < g_node.size; r++)
        for (int i = displs[r]; i < displs[r] + counts[r]; i += REC_WORDS)
            nh += rec[i] == 1 && rec[i + 1] >= RAP_TYPE_USER_MIN;
    g_node.hosts = calloc(nh + 1, sizeof(*g_node.hosts));
    if (g_node.hosts == NULL)
        return RAP_ENOMEM;
    nh = 0;
    for (int r = 0; r < g_node.size; r++)
        for (int i = displs[r]; i < displs[r] + counts[r]; i += REC_WORDS)
            if (rec[i] == 1 && rec[i + 1] >= RAP_TYPE_USER_MIN)
                g_node.hosts[nh++] = (rap_host){ rec[i + 1], r };
    qsort(g_node.hosts, nh, sizeof(*g_node.hosts), cmp_host);
    g_node.nhosts = nh;
    return RAP_OK;
}

int rap__types_exchange(void)
{
    uint32_t *mine = NULL, *all = NULL;
    char *mynames = NULL, *allnames = NULL;
    int *counts = NULL, *displs = NULL, *ncounts = NULL, *ndispls = NULL, nwords, nchars, rc;

    rc = pack_mine(&mine, &nwords, &mynames, &nchars);
    if (rc == RAP_OK)
        rc = gather(mine, nwords, MPI_UINT32_T, sizeof(uint32_t), (void **)&all, &counts, &displs);
    if (rc == RAP_OK)
        rc = gather(mynames, nchars, MPI_CHAR, 1, (void **)&allnames, &ncounts, &ndispls);
    if (rc == RAP_OK)
        rc = build_table(all, counts, displs, allnames, ncounts, ndispls);
    if (rc == RAP_OK)
        rc = build_hosts(all, counts, displs);
    if (rc != RAP_OK)
        rap__types_free();
    free(mine);
    free(all);
    free(mynames);
    free(allnames);
    free(counts);
    free(displs);
    free(ncounts);
    free(ndispls);
    return rc;
}

void rap__types_free(void)
{
    for (size_t i = 0; jtypes != NULL && i < njtypes; i++)
        free(jtypes[i].name);
    free(jtypes);
    jtypes = NULL;
    njtypes = 0;
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

static const job_type *find(uint32_t cls, uint32_t id);

bool rap__types_movable(uint32_t type)
{
    const job_type *t = find(1, type);
    return t != NULL && t->flags != 0;
}

static const job_type *find(uint32_t cls, uint32_t id)
{
    size_t lo = 0, hi = njtypes;

    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const job_type *t = &jtypes[mid];
        if (t->cls == cls && t->id == id)
            return t;
        if (t->cls < cls || (t->cls == cls && t->id < id))
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *rap__msg_name(uint32_t id, char *buf, size_t n)
{
    const rap_msg_type *mt = rap__msgtype_find(id);
    const job_type *t;

    if (mt != NULL)
        snprintf(buf, n, "%s", mt->name);
    else if ((t = find(0, id)) != NULL)
        snprintf(buf, n, "%s (registered on %d rank%s of this job, not this one)", t->name,
                 t->nranks, t->nranks == 1 ? "" : "s");
    else
        snprintf(buf, n, "#%08x (registered nowhere in this job)", id);
    return buf;
}

const char *rap__type_name(int cls, uint32_t id)
{
    const job_type *t;

    if (cls == 0) {
        const rap_msg_type *mt = rap__msgtype_find(id);
        if (mt != NULL)
            return mt->name;
    } else {
        const rap_actor_type *at = rap__atype_find(id);
        if (at != NULL)
            return at->name;
    }
    t = find((uint32_t)cls, id);
    return t != NULL ? t->name : NULL;
}

uint32_t rap__actor_type_of(rap_aid aid)
{
    uint32_t type = 0;
    rap_actor *a;

    if (aid != RAP_AID_NONE && g_node.table != NULL &&
        (a = rap__table_acquire(g_node.table, aid)) != NULL) { /* here: at home, or a guest */
        type = a->type->id;
        rap__table_release(a);
    }
    return type;
}

const char *rap__actor_name_typed(rap_aid aid, uint32_t type, char *buf, size_t n)
{
    const rap_actor_type *at = rap__atype_find(type);
    const job_type *t = at == NULL ? find(1, type) : NULL;
    char id[RAP_AID_STR_MAX];

    if (at == NULL && t == NULL)
        return rap__actor_name(aid, buf, n);
    snprintf(buf, n, "%s (%s)", rap__aid_str(aid, id, sizeof(id)), at != NULL ? at->name : t->name);
    return buf;
}

const char *rap__actor_name(rap_aid aid, char *buf, size_t n)
{
    char id[RAP_AID_STR_MAX];
    rap_actor *a;

    rap__aid_str(aid, id, sizeof(id));
    if (aid == RAP_AID_NONE || RAP_AID_SERIAL(aid) == RAP_SERIAL_OUTSIDE || g_node.table == NULL ||
        (a = rap__table_acquire(g_node.table, aid)) == NULL) {
        snprintf(buf, n, "%s", aid == RAP_AID_NONE || RAP_AID_SERIAL(aid) == RAP_SERIAL_OUTSIDE
                                   ? "outside actors" : id);
        return buf;
    }
    snprintf(buf, n, "%s (%s)", id, a->type->name);
    rap__table_release(a);
    return buf;
}
