/* util/typetab.h -- a table of named entries found by id: the common part
 * of the message-type and actor-type registries.
 *
 * Owns:       its entries (in registration order), their copied names and
 *             the id index.
 * Invariants: ids are unique; an entry's name is a `char *` at
 *             `name_offset` inside it; entries do not move once the table
 *             is frozen (rap__typetab_freeze), so lookups then take no lock.
 * Threads:    one writer before freeze; readers after.
 * Uses:       util/idmap.h.
 */
#ifndef RAP_UTIL_TYPETAB_H
#define RAP_UTIL_TYPETAB_H

#include "util/common.h"
#include "util/idmap.h"

typedef struct rap_typetab {
    char *items;
    size_t n, cap, elem, name_offset;
    rap_idmap index;
    bool frozen;
} rap_typetab;

#define RAP_TYPETAB_INIT(type, name_member)                                                   \
    { .elem = sizeof(type), .name_offset = offsetof(type, name_member) }

/* A new entry for `id` named `name`: zeroed, with its name (copied) set;
 * the caller fills the rest.  RAP_OK and *entry_out; RAP_EEXIST (the id is
 * this name's already), RAP_ECOLLIDE (another name's), RAP_ESTATE
 * (frozen), RAP_ENOMEM. */
int rap__typetab_add(rap_typetab *t, uint32_t id, const char *name, void **entry_out);
void *rap__typetab_find(const rap_typetab *t, uint32_t id);
void *rap__typetab_at(const rap_typetab *t, size_t i);
/* Forget every entry; `fini` (NULL: none) frees what an entry owns beyond its name. */
void rap__typetab_reset(rap_typetab *t, void (*fini)(void *entry));

#endif
