/* actor/mailbox.c -- intrusive MPSC queue with an "empty" mark in the head
 * pointer (see mailbox.h).
 *
 * The queue always holds one retired node, the stub, at `tail`; messages
 * are the nodes after it.  Producers swap themselves into `head` and then
 * link the previous head to themselves.  The consumer, finding nothing
 * after the stub, sets bit 0 of `head` with a CAS from the stub's address;
 * the next producer's swap returns that bit and so learns that it must
 * schedule the actor.
 */
#include "actor/mailbox.h"

#define EMPTY_BIT ((uintptr_t)1)
/* `cap` of a stub that lives inside its owner: retired, never freed. */
#define EMBEDDED UINT32_MAX

static void retire(rap_env *env)
{
    if (env->cap != EMBEDDED)
        rap__env_free(env);
}

int rap__mailbox_init(rap_mailbox *mb)
{
    rap_env *stub = &mb->stub;

    atomic_init(&stub->next, NULL);
    stub->cap = EMBEDDED;
    mb->tail = stub;
    atomic_init(&mb->head, (uintptr_t)stub);
    return RAP_OK;
}

int rap__mailbox_init_empty(rap_mailbox *mb)
{
    rap__mailbox_init(mb);
    atomic_init(&mb->head, (uintptr_t)&mb->stub | EMPTY_BIT);
    return RAP_OK;
}

void rap__mailbox_destroy(rap_mailbox *mb)
{
    rap_env *env;

    while ((env = rap__mailbox_pop(mb)) != NULL)
        ;
    retire(mb->tail);
    mb->tail = NULL;
}

bool rap__mailbox_push(rap_mailbox *mb, rap_env *env)
{
    atomic_store_explicit(&env->next, NULL, memory_order_relaxed);
    return rap__mailbox_push_chain(mb, env, env);
}

bool rap__mailbox_push_chain(rap_mailbox *mb, rap_env *first, rap_env *last)
{
    uintptr_t prev;
    rap_env *node;

    /* acq_rel: release publishes the chain's contents and links to the
     * consumer that follows prev->next; acquire pairs with the consumer's
     * CAS in mark_empty, so that the stub we link from is the one it left. */
    prev = atomic_exchange_explicit(&mb->head, (uintptr_t)last, memory_order_acq_rel);
    node = (rap_env *)(prev & ~EMPTY_BIT);
    /* release: pairs with the acquire load of next in pop. */
    atomic_store_explicit(&node->next, first, memory_order_release);
    return (prev & EMPTY_BIT) != 0;
}

rap_env *rap__mailbox_pop(rap_mailbox *mb)
{
    rap_env *tail = mb->tail;
    /* acquire: pairs with the release store of next in push. */
    rap_env *next = atomic_load_explicit(&tail->next, memory_order_acquire);

    rap_env *after;

    if (next == NULL)
        return NULL;
    mb->tail = next;
    retire(tail);
    /* The one after it, if already linked, is likely in the sender's
     * cache: ask for its line while this one is handled. */
    after = atomic_load_explicit(&next->next, memory_order_relaxed);
    if (after != NULL)
        __builtin_prefetch(after, 0, 3);
    return next;
}

bool rap__mailbox_mark_empty(rap_mailbox *mb)
{
    uintptr_t expect = (uintptr_t)mb->tail;

    /* Fails if head moved past the stub (a producer swapped in) or is
     * already marked.  acq_rel pairs with the producers' exchange. */
    return atomic_compare_exchange_strong_explicit(&mb->head, &expect, expect | EMPTY_BIT,
                                                   memory_order_acq_rel, memory_order_relaxed);
}
