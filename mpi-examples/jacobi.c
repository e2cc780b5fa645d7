/* mpi-examples/jacobi.c -- a 2-D Jacobi stencil on an N x N grid (top edge at
 * 1, the others 0), one actor per block of a BX x BY group.  Each iteration a
 * block sends its edges to its neighbours by index, flushes them, updates its
 * interior while they travel, keeps early halos for later (rap_defer), and
 * contributes its residual to a sum every block gets, which starts the next
 * iteration.  jacobi_mpi.c computes the same in plain MPI (with -np 1: the
 * sequential run make check compares with).
 *
 *   mpirun -np 4 ./mpi-examples/jacobi [N] [BX] [BY] [iterations]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jacobi_sweep.h"
#include "raptors.h"

typedef struct params { int n, bx, by, iters; } params;
typedef struct halo { int32_t iter, side; double v[]; } halo; /* side: where it goes: 0 W, 1 E, 2 N, 3 S */
typedef struct sums { double residual, checksum; } sums;     /* the checksum: last iteration only */
typedef struct block { /* an actor's state: its place, its two grids with halos, this iteration's sums */
    params p; rap_group g; int x, y, nx, ny, iter, got, nnb; double *u, *v; sums s; halo *out;
} block;

RAP_MESSAGE(start_msg, "jac.start", params);
RAP_MESSAGE_TAIL(halo_msg, "jac.halo", halo, double, 1 << 16);
RAP_MESSAGE(sums_msg, "jac.sums", sums);
static uint32_t BLOCK;
static sums result; /* the last iteration's, kept by block (0, 0) on rank 0 */

/* Point (i, j) of u, column i and row j; 0 and n + 1 are the halos. */
#define U(b, i, j) (b)->u[(size_t)(j) * ((b)->nx + 2) + (size_t)(i)]

static int block_init(rap_ctx *ctx, void *state, const void *arg, size_t len)
{
    block *b = state;
    uint32_t idx[3];
    memcpy(&b->p, arg, sizeof(b->p));
    rap_group_self(ctx, &b->g, idx);
    b->x = (int)idx[0], b->y = (int)idx[1], b->nx = b->p.n / b->p.bx, b->ny = b->p.n / b->p.by;
    b->nnb = (b->x > 0) + (b->x < b->p.bx - 1) + (b->y > 0) + (b->y < b->p.by - 1), b->iter = -1; /* not started */
    b->u = calloc((size_t)(b->nx + 2) * (size_t)(b->ny + 2), sizeof(double));
    b->v = calloc((size_t)(b->nx + 2) * (size_t)(b->ny + 2), sizeof(double));
    b->out = malloc(sizeof(halo) + sizeof(double) * (size_t)(b->nx > b->ny ? b->nx : b->ny));
    for (int i = 0; b->u && b->v && b->y == 0 && i < b->nx + 2; i++)
        b->u[i] = b->v[i] = 1.0; /* the top edge */
    return b->u && b->v && b->out ? RAP_OK : RAP_ENOMEM;
}

static void block_fini(rap_ctx *ctx, void *state) { block *b = state; free(b->u), free(b->v), free(b->out); }

/* New values for columns x0..x1 of rows y0..y1 (jacobi_sweep.c, shared with jacobi_mpi). */
static void update(block *b, int x0, int x1, int y0, int y1)
{
    b->s.residual += jacobi_sweep(b->u, b->v, (size_t)b->nx + 2, x0, x1, y0, y1);
}

/* The point k of edge `side` (out: of the halo outside it). */
static double *edge(block *b, int side, int k, int out)
{
    return side == 0 ? &U(b, 1 - out, k + 1) : side == 1 ? &U(b, b->nx + out, k + 1)
         : side == 2 ? &U(b, k + 1, 1 - out) : &U(b, k + 1, b->ny + out);
}

static int send_edge(rap_ctx *ctx, block *b, int side, int dx, int dy)
{
    int n = side < 2 ? b->ny : b->nx;
    for (int k = 0; k < n; k++)
        b->out->v[k] = *edge(b, side, k, 0);
    b->out->iter = b->iter, b->out->side = side ^ 1;
    return halo_msg_send(ctx, rap_group_at(&b->g, (uint32_t)(b->x + dx), (uint32_t)(b->y + dy), 0), b->out, (size_t)n);
}

static int finish(rap_ctx *ctx, block *b) /* all halos in: the edges, then the sum */
{
    update(b, 1, b->nx, 1, 1), update(b, 1, b->nx, b->ny, b->ny);
    update(b, 1, 1, 2, b->ny - 1), update(b, b->nx, b->nx, 2, b->ny - 1);
    double *t = b->u;
    b->u = b->v, b->v = t, b->got = 0;
    for (int j = 1; b->iter == b->p.iters - 1 && j <= b->ny; j++)
        for (int i = 1; i <= b->nx; i++)
            b->s.checksum += U(b, i, j);
    return sums_msg_contribute(ctx, (uint32_t)b->iter, RAP_SUM_F64, &b->s, RAP_GROUP_ALL);
}

static int begin(rap_ctx *ctx, block *b)
{
    b->s = (sums){ 0, 0 };
    if ((b->x > 0 && send_edge(ctx, b, 0, -1, 0)) || (b->x < b->p.bx - 1 && send_edge(ctx, b, 1, 1, 0)) ||
        (b->y > 0 && send_edge(ctx, b, 2, 0, -1)) || (b->y < b->p.by - 1 && send_edge(ctx, b, 3, 0, 1)))
        return RAP_EHANDLER;
    rap_flush(ctx); /* the edges leave now; the interior meanwhile */
    update(b, 2, b->nx - 1, 2, b->ny - 1);
    return b->nnb == 0 ? finish(ctx, b) : rap_redeliver(ctx);
}

static int on_start(rap_ctx *ctx, block *b, rap_aid from, const params *p) { return b->iter = 0, begin(ctx, b); }
RAP_HANDLER(start_msg, block, on_start);

static int on_halo(rap_ctx *ctx, block *b, rap_aid from, const halo *h, size_t n)
{
    if (h->iter != b->iter)
        return rap_defer(ctx); /* the next iteration's (or the first, before the start): after rap_redeliver */
    for (size_t k = 0; k < n; k++)
        *edge(b, h->side, (int)k, 1) = h->v[k];
    return ++b->got == b->nnb ? finish(ctx, b) : RAP_OK;
}
RAP_HANDLER_TAIL(halo_msg, block, on_halo);

static int on_sums(rap_ctx *ctx, block *b, rap_aid from, const sums *s)
{
    if (b->x == 0 && b->y == 0)
        result = (sums){ sqrt(s->residual), s->checksum };
    return ++b->iter < b->p.iters ? begin(ctx, b) : RAP_OK;
}
RAP_HANDLER(sums_msg, block, on_sums);

int main(int argc, char **argv)
{
    params p = { argc > 1 ? atoi(argv[1]) : 256, argc > 2 ? atoi(argv[2]) : 4, argc > 3 ? atoi(argv[3]) : 4,
                 argc > 4 ? atoi(argv[4]) : 100 };
    rap_group g;
    RAP_REGISTER(start_msg), RAP_REGISTER(halo_msg), RAP_REGISTER(sums_msg);
    rap_actor_type_register("jac.block", sizeof(block), block_init, block_fini, &BLOCK);
    RAP_ON(BLOCK, start_msg, on_start), RAP_ON(BLOCK, halo_msg, on_halo), RAP_ON(BLOCK, sums_msg, on_sums);
    if (rap_init(&argc, &argv) != RAP_OK || p.bx < 1 || p.by < 1 || p.n % p.bx || p.n % p.by || p.n / p.bx < 2 ||
        p.n / p.by < 2 || p.iters < 1)
        return fprintf(stderr, "usage: jacobi N BX BY iterations (BX, BY divide N into blocks of 2 x 2 or more)\n"), 1;
    if (rap_rank() == 0)
        rap_group_spawn(NULL, BLOCK, 2, (uint32_t[]){ p.bx, p.by }, RAP_GROUP_BLOCK, &p, sizeof(p), &g);
    rap_run(); /* the blocks are made */
    double t0 = MPI_Wtime();
    if (rap_rank() == 0)
        start_msg_broadcast(NULL, &g, &p);
    int rc = rap_run();
    double t = MPI_Wtime() - t0;
    if (rap_rank() == 0)
        printf("jacobi: %dx%d grid, %dx%d blocks, %d ranks, %d iterations: residual %.9e, checksum %.9e, %.6f s\n",
               p.n, p.n, p.bx, p.by, rap_size(), p.iters, result.residual, result.checksum, t);
    rap_finalize();
    return rc == RAP_OK ? 0 : 1;
}
