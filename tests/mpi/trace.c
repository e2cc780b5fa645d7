/* The trace (RAPTORS_TRACE): on 2 ranks, one actor per rank handles 50
 * messages of one type and 30 of another, each of those with a named part.
 * Rank 0 reads the file back (jansson) and checks that it is Chrome trace
 * JSON with a process per rank and a thread per worker, one complete event
 * per handler run and per named part (each inside its handler's event),
 * named by workload, with the actor's id; and as trace_tiny_np2
 * (RAPTORS_TRACE_EVENTS=16) that the events that did not fit are counted:
 * recorded + dropped is every handler run, exactly.  Each tr.x handler
 * sends the other rank's actor a tr.z: every eighth of those a worker sends
 * is a flow, whose start ("s") on the sender has exactly one end ("f") on
 * the other rank, at the start of a tr.z handler run there; the counter
 * tracks (mailboxes, MPI MB/s) are there for each rank. */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "support/mpitest.h"

#ifndef TRACE_TINY
#define TRACE_TINY 0 /* trace_tiny_np2: RAPTORS_TRACE_EVENTS=16 */
#endif

enum { NX = 50, NY = 30, RUNS = NX + NY + NY + 1 /* the destroy */ + NX /* tr.z */ };
static uint32_t X, Y, Z, ACTOR;

static rap_aid aid_of(int rank, uint64_t serial) { return (uint64_t)rank << RAP_AID_SERIAL_BITS | serial; }

static int on_x(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data, (void)len;
    MT_OK(rap_send(ctx, aid_of(1 - rap_rank(), 16), Z, NULL, 0));
    return RAP_OK;
}

static int on_z(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)ctx, (void)state, (void)from, (void)data, (void)len;
    return RAP_OK;
}

static int on_y(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    (void)state, (void)from, (void)data;
    MT_OK(rap_workload_begin(ctx, "tr.part"));
    usleep(20);
    MT_OK(rap_workload_end(ctx, len));
    return RAP_OK;
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return v != NULL && json_is_string(v) ? json_string_value(v) : "";
}

static double num(json_t *o, const char *k) { return json_number_value(json_object_get(o, k)); }

static void check(const char *path, bool tiny, int workers)
{
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err), *ev, *e, *other;
    size_t i, j;
    int count[2][5] = { { 0 } }, procs = 0, threads = 0, flows[2] = { 0 }, ctrs[2] = { 0 };

    if (root == NULL) {
        fprintf(stderr, "FAIL: %s does not parse: %s (line %d)\n", path, err.text, err.line);
        exit(1);
    }
    ev = json_object_get(root, "traceEvents");
    other = json_object_get(root, "otherData");
    MT_CHECK_AFTER(json_is_array(ev) && json_is_object(other));
    MT_CHECK_AFTER(num(other, "raptors_trace") == 2 && num(other, "ranks") == 2);
    double err_us = num(json_array_get(json_object_get(other, "clocks"), 1), "error_ns") / 1e3;
    json_array_foreach(ev, i, e) {
        const char *ph = str(e, "ph"), *name = str(e, "name");
        int pid = (int)num(e, "pid");
        MT_CHECK_AFTER(pid == 0 || pid == 1);
        if (strcmp(ph, "M") == 0) {
            procs += strcmp(name, "process_name") == 0;
            threads += strcmp(name, "thread_name") == 0;
            continue;
        }
        if (strcmp(ph, "C") == 0) { /* the counter tracks */
            json_t *args = json_object_get(e, "args");
            if (strcmp(name, "mailboxes") == 0) {
                MT_CHECK_AFTER(json_is_integer(json_object_get(args, "messages")));
                ctrs[pid]++;
            } else {
                MT_CHECK_AFTER(strcmp(name, "MPI MB/s") == 0 && num(args, "sent") >= 0 && num(args, "received") >= 0);
            }
            continue;
        }
        if (strcmp(ph, "s") == 0) { /* a flow: one end, on the other rank, at a tr.z run's start */
            int ends = 0;
            json_t *o, *x;
            size_t k;
            MT_CHECK_AFTER(strcmp(str(e, "cat"), "flow") == 0 && num(e, "id") > 0);
            json_array_foreach(ev, j, o) {
                if (strcmp(str(o, "ph"), "f") != 0 || num(o, "id") != num(e, "id"))
                    continue;
                ends++;
                MT_CHECK_AFTER(num(o, "pid") == 1 - pid && strcmp(str(o, "bp"), "e") == 0);
                MT_CHECK_AFTER(num(o, "ts") >= num(e, "ts") - err_us - 1);
                bool at_run = false;
                json_array_foreach(ev, k, x)
                    at_run |= strcmp(str(x, "name"), "tr.actor/tr.z") == 0 && num(x, "pid") == num(o, "pid") &&
                              num(x, "tid") == num(o, "tid") && num(x, "ts") == num(o, "ts");
                MT_CHECK_AFTER(at_run || tiny);
            }
            MT_CHECK_AFTER(ends == 1 || (tiny && ends == 0));
            flows[pid]++;
            continue;
        }
        if (strcmp(ph, "f") == 0)
            continue; /* checked from its start */
        MT_CHECK_AFTER(strcmp(ph, "X") == 0);
        MT_CHECK_AFTER(num(e, "dur") >= 0 && num(e, "tid") >= 0 && num(e, "tid") < workers);
        char want[32];
        snprintf(want, sizeof(want), "%d:16", pid);
        MT_CHECK_AFTER(strcmp(str(json_object_get(e, "args"), "actor"), want) == 0);
        if (strcmp(name, "tr.actor/tr.x") == 0) {
            MT_CHECK_AFTER(strcmp(str(e, "cat"), "handler") == 0);
            count[pid][0]++;
        } else if (strcmp(name, "tr.actor/tr.y") == 0) {
            count[pid][1]++;
        } else if (strcmp(name, "tr.actor/tr.part") == 0) {
            MT_CHECK_AFTER(strcmp(str(e, "cat"), "named") == 0);
            count[pid][2]++;
            /* Inside a tr.y event of the same rank and worker. */
            bool inside = false;
            json_t *o;
            json_array_foreach(ev, j, o) {
                if (strcmp(str(o, "name"), "tr.actor/tr.y") == 0 && num(o, "pid") == pid &&
                    num(o, "tid") == num(e, "tid") && num(o, "ts") <= num(e, "ts") + 0.002 &&
                    num(e, "ts") + num(e, "dur") <= num(o, "ts") + num(o, "dur") + 0.002)
                    inside = true;
            }
            MT_CHECK_AFTER(inside || tiny); /* tiny: its handler's event may be the one dropped */
        } else if (strcmp(name, "tr.actor/tr.z") == 0) {
            count[pid][4]++;
        } else if (strcmp(name, "tr.actor/rap.destroy") == 0) {
            MT_CHECK_AFTER(strcmp(str(e, "cat"), "runtime") == 0);
            count[pid][3]++;
        } else {
            fprintf(stderr, "FAIL: unexpected event %s\n", name);
            exit(1);
        }
    }
    MT_CHECK_AFTER(procs == 2 && threads == 2 * workers);
    for (int r = 0; r < 2; r++) {
        long long dropped = (long long)json_integer_value(json_array_get(json_object_get(other, "dropped_per_rank"), (size_t)r));
        int got = count[r][0] + count[r][1] + count[r][2] + count[r][3] + count[r][4];
        MT_CHECK_AFTER(ctrs[r] >= 2); /* at least the first and the last look */
        if (!tiny) {
            MT_CHECK_AFTER(count[r][0] == NX && count[r][1] == NY && count[r][2] == NY && count[r][3] == 1 &&
                   count[r][4] == NX);
            MT_CHECK_AFTER(dropped == 0);
            /* One tr.z in 8 of each worker: at least 50/8 - workers + 1 (each
             * worker may leave up to 7 unmarked), at most 50/8. */
            MT_CHECK_AFTER(flows[r] <= NX / 8 && flows[r] >= NX / 8 - workers + 1);
        } else {
            MT_CHECK_AFTER(got <= 16 * workers && dropped > 0);
            MT_CHECK_AFTER(got + dropped == RUNS); /* every run recorded or counted */
        }
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    char path[1024];
    bool tiny = TRACE_TINY;
    rap_aid a;
    int rank, workers;

    snprintf(path, sizeof(path), "%s%s.json", argv[0], tiny ? "-tiny" : "");
    setenv("RAPTORS_TRACE", path, 1);
    setenv("RAPTORS_PROFILE_INTERVAL_MS", "3600000", 1); /* no samples: only the actor's runs */
    if (tiny)
        setenv("RAPTORS_TRACE_EVENTS", "16", 1);
    MT_OK(rap_msg_type_register("tr.x", 0, RAP_MSG_VAR, &X));
    MT_OK(rap_msg_type_register("tr.y", 8, RAP_MSG_VAR, &Y));
    MT_OK(rap_msg_type_register("tr.z", 0, RAP_MSG_VAR, &Z));
    MT_OK(rap_actor_type_register("tr.actor", 0, NULL, NULL, &ACTOR));
    MT_OK(rap_actor_type_on(ACTOR, X, on_x));
    MT_OK(rap_actor_type_on(ACTOR, Y, on_y));
    MT_OK(rap_actor_type_on(ACTOR, Z, on_z));
    MT_OK(rap_init(&argc, &argv));
    if (rap_size() != 2)
        MT_SKIP("needs 2 ranks");
    rank = rap_rank();
    workers = rap_workers();
    MT_OK(rap_spawn(NULL, ACTOR, NULL, 0, &a));
    MT_CHECK(RAP_AID_SERIAL(a) == 16);
    MPI_Barrier(MPI_COMM_WORLD); /* both actors exist before either sends the other a tr.z */
    for (int i = 0; i < NX + NY; i++)
        MT_OK(i % 8 < 5 ? rap_send(NULL, a, X, NULL, 0) : rap_send(NULL, a, Y, "12345678", 8));
    MT_OK(rap_run());
    rap_stats st;
    MT_OK(rap_stats_get(&st));
    MT_CHECK(st.queued == 0); /* quiescent: every message put in a mailbox was taken out */
    /* The same worker count on both ranks (the file has 2 x workers threads). */
    int w0 = workers;
    MPI_Bcast(&w0, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MT_CHECK(w0 == workers);
    /* The destroy is a runtime event of the actor's (rap_finalize itself
     * ends an actor without a fini by no message, so no event). */
    MT_OK(rap_destroy(NULL, a));
    MT_OK(rap_run());
    MT_OK(rap_finalize());
    if (rank == 0) {
        check(path, tiny, workers);
        unlink(path);
        printf("trace: every handler run %s\n", tiny ? "recorded or counted as dropped" : "recorded");
    }
    return 0;
}
