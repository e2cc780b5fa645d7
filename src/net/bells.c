/* net/bells.c -- see bells.h. */
#include <stdlib.h>

#include "net/bells.h"

void rap__bells_create(MPI_Comm comm, rap_bells *b)
{
    int nlocal = 0, size = 0, rank = 0, *lr = NULL, *gr = NULL, all, both = 0;
    MPI_Group lg = MPI_GROUP_NULL, gg = MPI_GROUP_NULL;
    rap_bell *mine = NULL;
    bool ok = false;

    *b = (rap_bells){ .node_comm = MPI_COMM_NULL, .win = MPI_WIN_NULL };
    MPI_Comm_size(comm, &size);
    MPI_Comm_rank(comm, &rank);
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &b->node_comm) !=
            MPI_SUCCESS ||
        MPI_Win_allocate_shared(RAP_CACHELINE, 1, MPI_INFO_NULL, b->node_comm, &mine, &b->win) !=
            MPI_SUCCESS)
        goto out;
    atomic_init(mine, RAP_BELL_AWAKE);
    MPI_Comm_size(b->node_comm, &nlocal);
    lr = malloc((size_t)nlocal * sizeof(*lr));
    gr = malloc((size_t)nlocal * sizeof(*gr));
    b->of = calloc((size_t)size, sizeof(*b->of));
    if (lr == NULL || gr == NULL || b->of == NULL)
        goto out;
    for (int i = 0; i < nlocal; i++)
        lr[i] = i;
    if (MPI_Comm_group(b->node_comm, &lg) != MPI_SUCCESS || MPI_Comm_group(comm, &gg) != MPI_SUCCESS ||
        MPI_Group_translate_ranks(lg, nlocal, lr, gg, gr) != MPI_SUCCESS)
        goto out;
    ok = true;
    for (int i = 0; i < nlocal && ok; i++) {
        MPI_Aint wsize = 0;
        int disp = 0;
        void *p = NULL;
        if (MPI_Win_shared_query(b->win, i, &wsize, &disp, &p) != MPI_SUCCESS || p == NULL ||
            gr[i] < 0 || gr[i] >= size)
            ok = false;
        else
            b->of[gr[i]] = p;
    }
out:
    if (lg != MPI_GROUP_NULL)
        MPI_Group_free(&lg);
    if (gg != MPI_GROUP_NULL)
        MPI_Group_free(&gg);
    free(lr);
    free(gr);
    all = ok;
    if (MPI_Allreduce(&all, &both, 1, MPI_INT, MPI_LAND, comm) != MPI_SUCCESS)
        both = 0;
    if (!both) {
        free(b->of);
        b->of = NULL;
        b->all = false;
        return;
    }
    b->mine = b->of[rank];
    b->all = nlocal == size;
}

void rap__bells_free(rap_bells *b)
{
    if (b->win != MPI_WIN_NULL)
        MPI_Win_free(&b->win);
    if (b->node_comm != MPI_COMM_NULL)
        MPI_Comm_free(&b->node_comm);
    free(b->of);
    *b = (rap_bells){ .node_comm = MPI_COMM_NULL, .win = MPI_WIN_NULL };
}
