/* util/typetab.c -- see typetab.h. */
#include <stdlib.h>
#include <string.h>

#include "util/typetab.h"

static char **name_of(const rap_typetab *t, void *entry)
{
    return (char **)(void *)((char *)entry + t->name_offset);
}

int rap__typetab_add(rap_typetab *t, uint32_t id, const char *name, void **entry_out)
{
    long at;
    char *copy;
    void *e;
    int err;

    if (t->frozen)
        return RAP_ESTATE;
    at = rap__idmap_get(&t->index, id);
    if (at >= 0)
        return strcmp(*name_of(t, t->items + (size_t)at * t->elem), name) == 0 ? RAP_EEXIST
                                                                               : RAP_ECOLLIDE;
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        char *p = realloc(t->items, ncap * t->elem);
        if (p == NULL)
            return RAP_ENOMEM;
        t->items = p;
        t->cap = ncap;
    }
    copy = strdup(name);
    if (copy == NULL)
        return RAP_ENOMEM;
    err = rap__idmap_put(&t->index, id, (uint32_t)t->n);
    if (err != RAP_OK) {
        free(copy);
        return err;
    }
    e = t->items + t->n++ * t->elem;
    memset(e, 0, t->elem);
    *name_of(t, e) = copy;
    *entry_out = e;
    return RAP_OK;
}

void *rap__typetab_find(const rap_typetab *t, uint32_t id)
{
    long at = rap__idmap_get(&t->index, id);
    return at < 0 ? NULL : t->items + (size_t)at * t->elem;
}

void *rap__typetab_at(const rap_typetab *t, size_t i)
{
    return i < t->n ? t->items + i * t->elem : NULL;
}

void rap__typetab_reset(rap_typetab *t, void (*fini)(void *entry))
{
    for (size_t i = 0; i < t->n; i++) {
        void *e = t->items + i * t->elem;
        if (fini != NULL)
            fini(e);
        free(*name_of(t, e));
    }
    free(t->items);
    rap__idmap_free(&t->index);
    t->items = NULL;
    t->n = t->cap = 0;
    t->frozen = false;
}
