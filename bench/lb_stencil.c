/* bench/lb_stencil.c -- communication-heavy: a 3-D stencil of NX*NY*NZ
 * actors (one block each), every iteration sending a halo of FACE bytes to
 * each of its (up to) six neighbours and computing COMPUTE us once it has
 * all of them, hash-placed over the ranks at the start (about
 * (ranks - 1) / ranks of the halo bytes cross ranks).  A round is ITERS
 * iterations; after the rounds before, the program calls rap_rebalance
 * (strategy from argv, metis by default: bytes between actors from the
 * Profiler's pairs, load from the handlers' times), then runs the rounds
 * after.  Printed: the share of halo bytes that cross ranks and the
 * imbalance (blocks per rank: every block costs the same) before and
 * after, the iteration time before (the first round of the process, and
 * the median of the warm rounds) and after, and the moves.
 *
 *   RAPTORS_PROFILE_INTERVAL_MS=50 mpirun -np 2 ./bench/lb_stencil [strategy] [nx ny nz] [face bytes] [compute us]
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "bench.h"

enum { ITERS = 10, ROUNDS = 5, MAXN = 32 * 32 * 32 };

static uint32_t SETUP, GO, HALO, BLOCK;
static int nx = 8, ny = 8, nz = 8, face = 2048;
static double compute_us = 20;
static int *where; /* [n]: the rank each block ran its last iteration on (this process's view) */

typedef struct nbrs {
    int n;
    rap_aid aid[6];
} nbrs;

typedef struct block {
    int idx, iter, left, got[2]; /* halos got for iterations of each parity */
    nbrs nb;
} block;

static void busy_us(double us)
{
    double t0 = bench_now();
    while ((bench_now() - t0) * 1e6 < us)
        ;
}

static int block_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    block *b = state;
    (void)ctx, (void)len;
    memset(b, 0, sizeof(*b));
    memcpy(&b->idx, arg, sizeof(int));
    return RAP_OK;
}

static int send_halos(rap_ctx *ctx, block *b)
{
    static _Thread_local char buf[65536];
    memcpy(buf, &b->iter, sizeof(int));
    for (int k = 0; k < b->nb.n; k++) {
        int rc = rap_send(ctx, b->nb.aid[k], HALO, buf, (size_t)face);
        if (rc != RAP_OK)
            return rc;
    }
    return RAP_OK;
}

/* Every iteration whose halos are all in: compute, then the next. */
static int step(rap_ctx *ctx, block *b)
{
    while (b->left > 0 && b->got[b->iter & 1] == b->nb.n) {
        b->got[b->iter & 1] = 0;
        busy_us(compute_us);
        where[b->idx] = rap_rank();
        b->iter++;
        if (--b->left > 0) {
            int rc = send_halos(ctx, b);
            if (rc != RAP_OK)
                return rc;
        }
    }
    return RAP_OK;
}

static int block_setup(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)from, (void)len;
    memcpy(&((block *)state)->nb, data, sizeof(nbrs));
    return RAP_OK;
}

static int block_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    block *b = state;
    (void)from, (void)len;
    memcpy(&b->left, data, sizeof(int));
    int rc = send_halos(ctx, b);
    return rc != RAP_OK ? rc : step(ctx, b);
}

static int block_halo(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    block *b = state;
    int it;
    (void)from, (void)len;
    memcpy(&it, data, sizeof(int));
    b->got[it & 1]++;
    return step(ctx, b);
}

static int idx_of(int x, int y, int z) { return (z * ny + y) * nx + x; }

/* One round of ITERS iterations: its time per iteration (ms), and where
 * every block ran (on every rank). */
static double round_of(const rap_aid *all, int n)
{
    int iters = ITERS, *mine = malloc((size_t)n * sizeof(int));
    for (int i = 0; i < n; i++)
        where[i] = -1;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = bench_now(), t1;
    /* Each rank starts the blocks it made (they may have moved since). */
    for (int i = 0; i < n; i++)
        if (RAP_AID_RANK(all[i]) == rap_rank())
            rap_send(NULL, all[i], GO, &iters, sizeof(iters));
    rap_run();
    t1 = bench_now();
    MPI_Bcast(&t1, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    memcpy(mine, where, (size_t)n * sizeof(int));
    MPI_Allreduce(mine, where, n, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    free(mine);
    return (t1 - t0) * 1e3 / ITERS;
}

/* The share of halo bytes crossing ranks, and blocks per rank (max / mean). */
static void placement(int n, int size, double *cut, double *imb)
{
    long edges = 0, crossing = 0;
    int count[1024] = { 0 }, most = 0;
    for (int z = 0; z < nz; z++)
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++) {
                int i = idx_of(x, y, z), nb[3] = { x + 1 < nx ? idx_of(x + 1, y, z) : -1,
                                                   y + 1 < ny ? idx_of(x, y + 1, z) : -1,
                                                   z + 1 < nz ? idx_of(x, y, z + 1) : -1 };
                for (int k = 0; k < 3; k++)
                    if (nb[k] >= 0) {
                        edges++;
                        crossing += where[i] != where[nb[k]];
                    }
                if (where[i] >= 0 && where[i] < 1024 && ++count[where[i]] > most)
                    most = count[where[i]];
            }
    *cut = edges ? (double)crossing / (double)edges : 0;
    *imb = (double)most * size / n;
}

int main(int argc, char **argv)
{
    const char *strategy = argc > 1 ? argv[1] : "metis";
    int provided, rank, size;
    rap_rebalance_info info;

    if (argc > 4)
        nx = atoi(argv[2]), ny = atoi(argv[3]), nz = atoi(argv[4]);
    if (argc > 5)
        face = atoi(argv[5]);
    if (argc > 6)
        compute_us = atof(argv[6]);
    if (nx < 1 || ny < 1 || nz < 1 || nx * ny * nz > MAXN || face < (int)sizeof(int) || face > 65536) {
        fprintf(stderr, "lb_stencil: bad sizes\n");
        return 2;
    }
    int n = nx * ny * nz;
    setenv("RAPTORS_LB", strategy, 1);
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    rap_msg_type_register("stencil.setup", sizeof(nbrs), RAP_MSG_FIXED, &SETUP);
    rap_msg_type_register("stencil.go", sizeof(int), RAP_MSG_FIXED, &GO);
    rap_msg_type_register("stencil.halo", 65536, RAP_MSG_VAR, &HALO);
    rap_actor_type_register("stencil.block", sizeof(block), block_init, NULL, &BLOCK);
    rap_actor_type_on(BLOCK, SETUP, block_setup);
    rap_actor_type_on(BLOCK, GO, block_go);
    rap_actor_type_on(BLOCK, HALO, block_halo);
    rap_actor_type_movable(BLOCK, NULL, NULL);
    if (size < 2 || size > 1024 || rap_init_comm(MPI_COMM_WORLD) != RAP_OK) {
        if (rank == 0)
            fprintf(stderr, "lb_stencil needs 2 to 1024 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    where = malloc((size_t)n * sizeof(int));
    rap_aid *all = calloc((size_t)n, sizeof(rap_aid)), *mine = calloc((size_t)n, sizeof(rap_aid));
    /* Hash placement: block i on rank hash(i) % size. */
    for (int i = 0; i < n; i++) {
        uint64_t h = (uint64_t)i * 0x9e3779b97f4a7c15ull;
        h ^= h >> 31, h *= 0xbf58476d1ce4e5b9ull, h ^= h >> 29;
        if ((int)(h % (uint64_t)size) == rank && rap_spawn(NULL, BLOCK, &i, sizeof(i), &mine[i]) != RAP_OK)
            MPI_Abort(MPI_COMM_WORLD, 3);
    }
    MPI_Allreduce(mine, all, n, MPI_UINT64_T, MPI_MAX, MPI_COMM_WORLD);
    for (int z = 0; z < nz; z++)
        for (int y = 0; y < ny; y++)
            for (int x = 0; x < nx; x++) {
                int i = idx_of(x, y, z);
                nbrs nb = { 0 };
                if (RAP_AID_RANK(all[i]) != rank)
                    continue;
                if (x > 0) nb.aid[nb.n++] = all[idx_of(x - 1, y, z)];
                if (x + 1 < nx) nb.aid[nb.n++] = all[idx_of(x + 1, y, z)];
                if (y > 0) nb.aid[nb.n++] = all[idx_of(x, y - 1, z)];
                if (y + 1 < ny) nb.aid[nb.n++] = all[idx_of(x, y + 1, z)];
                if (z > 0) nb.aid[nb.n++] = all[idx_of(x, y, z - 1)];
                if (z + 1 < nz) nb.aid[nb.n++] = all[idx_of(x, y, z + 1)];
                rap_send(NULL, all[i], SETUP, &nb, sizeof(nb));
            }
    rap_run();

    double before[ROUNDS], after[ROUNDS], lo, hi, cut0, imb0, cut1, imb1;
    double first = round_of(all, n);
    for (int r = 0; r < ROUNDS; r++)
        before[r] = round_of(all, n);
    placement(n, size, &cut0, &imb0);
    memset(&info, 0, sizeof(info));
    int rc = rap_rebalance(&info);
    for (int r = 0; r < ROUNDS; r++)
        after[r] = round_of(all, n);
    placement(n, size, &cut1, &imb1);
    if (rank == 0) {
        double tb = bench_median(before, ROUNDS, &lo, &hi), ta = bench_median(after, ROUNDS, &lo, &hi);
        printf("# 3-D stencil (%s), %d ranks, %dx%dx%d blocks, %d B halos, %.0f us a block: an iteration, ms\n",
               strategy, size, nx, ny, nz, face, compute_us);
        if (rc != RAP_OK)
            printf("rap_rebalance: %s\n", rap_strerror(rc));
        printf("before: %.1f %% of halo bytes cross ranks, imbalance %.3f; %.3f ms (first round %.3f)\n",
               100 * cut0, imb0, tb, first);
        printf("after:  %.1f %% cross ranks, imbalance %.3f (predicted %.3f); %.3f ms: %.2fx faster; %llu moves "
               "(%.1f ms)\n",
               100 * cut1, imb1, info.imbalance_after, ta, tb / ta, (unsigned long long)info.moves,
               info.seconds * 1e3);
        printf("ROW|stencil %dx%dx%d np%d %s bytes crossing|%%|%.1f|before|%.1f\n", nx, ny, nz, size, strategy,
               100 * cut1, 100 * cut0);
        printf("ROW|stencil %dx%dx%d np%d %s imbalance|max/mean|%.3f|before|%.3f\n", nx, ny, nz, size, strategy,
               imb1, imb0);
        printf("ROW|stencil %dx%dx%d np%d %s iteration|ms|%.3f|before|%.3f\n", nx, ny, nz, size, strategy, ta, tb);
    }
    free(all);
    free(mine);
    free(where);
    rap_finalize();
    MPI_Finalize();
    return 0;
}
