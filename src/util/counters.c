/* util/counters.c -- see counters.h. */
#include <stdlib.h>
#include <string.h>

#include "util/counters.h"

rap_ctr_slot *rap__ctr_slots;
int rap__ctr_nworkers;
_Thread_local int rap__ctr_self RAP_TLS_IE = -1;

int rap__ctr_create(int nworkers)
{
    size_t bytes = (size_t)(nworkers + 1) * sizeof(rap_ctr_slot);
    rap_ctr_slot *s = aligned_alloc(RAP_CACHELINE, bytes);

    if (s == NULL)
        return RAP_ENOMEM;
    memset(s, 0, bytes);
    rap__ctr_nworkers = nworkers;
    rap__ctr_slots = s;
    return RAP_OK;
}

void rap__ctr_destroy(void)
{
    free(rap__ctr_slots);
    rap__ctr_slots = NULL;
    rap__ctr_nworkers = 0;
}

void rap__ctr_bind(int i) { rap__ctr_self = i; }

uint64_t rap__ctr_sum(int id)
{
    uint64_t sum = 0;

    for (int i = 0; rap__ctr_slots != NULL && i <= rap__ctr_nworkers; i++)
        sum += RAP_READ(rap__ctr_slots[i].v[id]);
    return sum;
}

const char *rap__ctr_name(int id)
{
    static const char *const names[] = {
#define RAP_CTR_NAME(name, lname, text) #lname,
        RAP_COUNTER_MAP(RAP_CTR_NAME)
#undef RAP_CTR_NAME
    };

    return id >= 0 && id < RAP_CTR_COUNT ? names[id] : "?";
}
