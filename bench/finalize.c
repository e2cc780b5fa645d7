/* bench/finalize.c -- ending a job with many live actors, and the first
 * rap_run after a long quiet phase, in a fresh process (one rank):
 *   the main thread spawns N actors of a type without state or fini (a
 *   quiet phase for the workers, 0.5 s at a million), then rap_run (the
 *   first: its termination waits for the idle poller, asleep since), a
 *   second rap_run (the same with nothing before it), then rap_finalize.
 * Prints "FIN <n> <first rap_run ms> <second rap_run ms> <rap_finalize s>";
 * run.sh runs it with a million actors and with one (the fixed part of
 * rap_finalize: MPI_Finalize, the threads), alternating.
 *
 *   mpirun -np 1 ./bench/finalize [actors]
 */
#include "bench.h"

static uint32_t EMPTY;

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    rap_aid aid;
    double t0, t1, t2, t3;

    if (n < 1)
        n = 1;
    rap_actor_type_register("fin.empty", 0, NULL, NULL, &EMPTY);
    if (rap_init(&argc, &argv) != RAP_OK)
        return 1;
    for (long i = 0; i < n; i++)
        if (rap_spawn(NULL, EMPTY, NULL, 0, &aid) != RAP_OK) {
            fprintf(stderr, "finalize: spawn %ld failed\n", i);
            return 1;
        }
    t0 = bench_now();
    rap_run();
    t1 = bench_now();
    rap_run();
    t2 = bench_now();
    rap_finalize();
    t3 = bench_now();
    printf("FIN %ld %.3f %.3f %.4f\n", n, (t1 - t0) * 1e3, (t2 - t1) * 1e3, t3 - t2);
    return 0;
}
