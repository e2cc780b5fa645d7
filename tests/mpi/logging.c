/* The Logger: lines from every rank reach rank 0's log file, each with UTC
 * time, rank, actor and level, in per-rank order, complete when
 * rap_finalize returns; lines below RAPTORS_LOG_LEVEL are dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support/mpitest.h"

enum { LINES = 50 };
static uint32_t GO, CHATTY;

static int chatty_go(rap_ctx *ctx, void *state, rap_aid from, const void *data, size_t len)
{
    char longtext[RAP_LOG_MAX + 500];
    (void)state, (void)from, (void)data, (void)len;
    for (int i = 0; i < LINES; i++) {
        MT_OK(rap_log(ctx, RAP_LOG_INFO, "seq %d of rank %d", i, rap_rank()));
        MT_OK(rap_log(ctx, RAP_LOG_DEBUG, "debug-line %d", i)); /* filtered out */
    }
    memset(longtext, 'x', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    MT_OK(rap_log(ctx, RAP_LOG_WARN, "long %s", longtext));
    return RAP_OK;
}

static int fail(const char *what, int rank, const char *line)
{
    fprintf(stderr, "FAIL: %s (rank %d) line: %.200s\n", what, rank, line ? line : "(none)");
    return 1;
}

int main(int argc, char **argv)
{
    char path[256] = "", line[RAP_LOG_MAX + 512];
    rap_aid me;
    int rank, size;

    unsetenv("RAPTORS_LOG_LEVEL");
    MT_OK(rap_msg_type_register("log.go", 0, RAP_MSG_VAR, &GO));
    MT_OK(rap_actor_type_register("log.chatty", 0, NULL, NULL, &CHATTY));
    MT_OK(rap_actor_type_on(CHATTY, GO, chatty_go));
    /* Only rank 0's setting matters: the Logger lives there. */
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &(int){ 0 });
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        snprintf(path, sizeof(path), "/tmp/raptors-logtest-%ld.log", (long)getpid());
        setenv("RAPTORS_LOG_FILE", path, 1);
    }
    MT_OK(rap_init_comm(MPI_COMM_WORLD));
    size = rap_size();
    MT_CHECK(rap_log(NULL, 9, "bad level") == RAP_EINVAL);
    MT_CHECK(rap_log(NULL, RAP_LOG_INFO, NULL) == RAP_EINVAL);
    MT_OK(rap_log(NULL, RAP_LOG_INFO, "main of rank %d says hello", rank));
    MT_OK(rap_spawn(NULL, CHATTY, NULL, 0, &me));
    MT_OK(rap_send(NULL, me, GO, NULL, 0));
    MT_OK(rap_run());
    MT_OK(rap_finalize());
    MPI_Finalize();
    if (rank != 0)
        return 0;

    /* The log is complete now: check it. */
    FILE *f = fopen(path, "r");
    int *next = calloc((size_t)size, sizeof(int)), hellos = 0, longs = 0;
    if (f == NULL)
        return fail("log file missing", 0, path);
    while (fgets(line, sizeof(line), f) != NULL) {
        int r = -1, seq = -1, r2 = -1;
        char *p = strstr(line, " rank ");
        if (strncmp(line, "20", 2) != 0 || strlen(line) < 28 || line[26] != 'Z' || p == NULL)
            return fail("bad line format", -1, line);
        if (strstr(line, "debug-line") != NULL)
            return fail("DEBUG line not filtered", -1, line);
        if (sscanf(p, " rank %d", &r) != 1 || r < 0 || r >= size)
            return fail("bad rank", r, line);
        char *s = strstr(line, " INFO seq ");
        if (s != NULL) {
            char actor[32];
            snprintf(actor, sizeof(actor), " actor %d:", r);
            if (strstr(line, actor) == NULL)
                return fail("actor id not on the line", r, line);
            if (sscanf(s, " INFO seq %d of rank %d", &seq, &r2) != 2 || r2 != r)
                return fail("unparsable seq line", r, line);
            if (seq != next[r])
                return fail("lines out of per-rank order", r, line);
            next[r]++;
        } else if (strstr(line, " actor - INFO main of rank ") != NULL) {
            hellos++;
        } else if (strstr(line, " WARN long xxx") != NULL) {
            size_t n = strlen(strstr(line, " WARN ") + 6);
            if (n != RAP_LOG_MAX + 1) /* cut at RAP_LOG_MAX, plus the newline */
                return fail("long line not cut at RAP_LOG_MAX", r, line);
            longs++;
        }
    }
    fclose(f);
    for (int r = 0; r < size; r++)
        if (next[r] != LINES)
            return fail("lines missing", r, NULL);
    if (hellos != size || longs != size)
        return fail("hello or long lines missing", -1, NULL);
    unlink(path);
    free(next);
    printf("log checked: %d ranks x %d lines in order\n", size, LINES);
    return 0;
}
