/* sched/sched.c -- workers and run queue (see sched.h).
 *
 * Queues: a task a worker makes runnable goes to that worker's `next` slot,
 * which only the worker itself reads, and the task that was in the slot
 * moves to the worker's own FIFO.  So an actor that sends to an idle actor
 * hands it to the same worker, which runs it next: no cross-core hand-off,
 * no wake-up, and no idle worker can steal it in between (a stealable
 * hand-off made two workers slower than one at a same-rank ping-pong:
 * docs/PERFORMANCE.md).  Tasks pushed by other threads go to
 * a shared injection queue.  A worker takes its slot, then its own queue,
 * then the injection queue, then steals from the other workers' queues
 * (try-lock, never waiting).  A push wakes a sleeping worker only when it
 * leaves a stealable task behind.
 *
 * Idle policy, per worker: after its last work it keeps trying the run
 * queue and hooks.poll for spin_us (pausing; with RAP_SCHED_SPIN_YIELD
 * also yielding the core every few rounds, so that threads sharing cores
 * get their turn), then sleeps on the
 * condition variable.  One sleeping worker (the poller) instead sleeps on
 * the doorbell (util/bell.h) for a time that doubles from 16 us up to
 * hooks.max_sleep_ns between polls; a push from a thread that is not a
 * worker, a stealable task left while no worker waits on the condition
 * variable, and (through the node) a message from another rank of the
 * node ring it.  The
 * workers are the only threads that poll: a second spinning thread on the
 * core would only halve the worker's share of it.  Waking a sleeping thread
 * costs tens of microseconds on the target VMs, which is why workers spin
 * first.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched.h"
#include "sched/topo.h"
#include "util/clock.h"

typedef struct task_queue {
    pthread_mutex_t lock;
    rap_task *head, *tail;
    _Atomic size_t n; /* read without the lock as a hint */
} task_queue;

/* Parking: at most PARK_MAX tasks per worker, each for about PARK_NS
 * without work (see rap__sched_park). */
#define PARK_MAX 16
#define PARK_NS 20000u

typedef struct worker {
    alignas(RAP_CACHELINE) task_queue q;
    rap_task *next; /* owned by the worker alone: never stolen */
    rap_sched *s;
    int index;
    pthread_t thread;
    /* Owned by the worker alone. */
    uint64_t now;   /* its clock, read once per loop round */
    unsigned tick;
    int nparked;
    rap_task *parked[PARK_MAX];
    uint64_t parked_at[PARK_MAX];
} worker;

struct rap_sched {
    task_queue inject;    /* tasks pushed by threads that are not workers */
    pthread_mutex_t lock; /* with cond: sleeping workers, and stop */
    pthread_cond_t cond;
    _Atomic int sleepers;
    bool stop;
    _Atomic bool poller_taken;
    rap_bell own_bell;    /* when hooks.bell is NULL */

    rap_sched_hooks hooks;
    unsigned spin_us, poll_max_us;
    bool spin_yield;
    rap_binder *binder;   /* NULL: workers are not pinned */
    int nworkers;
    worker *workers;
};

static _Thread_local int tl_worker RAP_TLS_IE = -1;
static _Thread_local worker *tl_self RAP_TLS_IE;

int rap__sched_self(void) { return tl_worker; }
int rap__sched_workers(const rap_sched *s) { return s->nworkers; }

static void queue_init(task_queue *q)
{
    pthread_mutex_init(&q->lock, NULL);
    q->head = q->tail = NULL;
    atomic_init(&q->n, 0);
}

static rap_task *queue_pop_locked(task_queue *q)
{
    rap_task *t = q->head;
    if (t != NULL) {
        q->head = t->next;
        if (q->head == NULL)
            q->tail = NULL;
        atomic_fetch_sub_explicit(&q->n, 1, memory_order_relaxed);
    }
    return t;
}

static void queue_append(task_queue *q, rap_task *task)
{
    task->next = NULL;
    pthread_mutex_lock(&q->lock);
    if (q->tail != NULL)
        q->tail->next = task;
    else
        q->head = task;
    q->tail = task;
    atomic_fetch_add_explicit(&q->n, 1, memory_order_relaxed);
    pthread_mutex_unlock(&q->lock);
}

/* Pop the head of `q` unless it is (nearly certainly) empty. */
static rap_task *queue_pop(task_queue *q)
{
    rap_task *t;

    if (atomic_load_explicit(&q->n, memory_order_relaxed) == 0)
        return NULL;
    pthread_mutex_lock(&q->lock);
    t = queue_pop_locked(q);
    pthread_mutex_unlock(&q->lock);
    return t;
}

static rap_task *steal(rap_sched *s, worker *self)
{
    for (int i = 1; i < s->nworkers; i++) {
        worker *v = &s->workers[(self->index + i) % s->nworkers];
        rap_task *t;
        if (atomic_load_explicit(&v->q.n, memory_order_relaxed) == 0 ||
            pthread_mutex_trylock(&v->q.lock) != 0)
            continue;
        t = queue_pop_locked(&v->q);
        pthread_mutex_unlock(&v->q.lock);
        if (t != NULL)
            return t;
    }
    return NULL;
}

/* A parked task that has work (taken off the list), releasing on the way
 * those parked longer than PARK_NS (all of them when `all`); a release
 * that finds work after all returns that task. */
static rap_task *unpark(rap_sched *s, worker *w, bool all)
{
    for (int i = 0; i < w->nparked;) {
        rap_task *t = w->parked[i];
        bool ready = s->hooks.ready(t);
        if (!ready && !all && w->now - w->parked_at[i] < PARK_NS) {
            i++;
            continue;
        }
        w->nparked--;
        w->parked[i] = w->parked[w->nparked];
        w->parked_at[i] = w->parked_at[w->nparked];
        if (ready || !s->hooks.release(t))
            return t;
    }
    return NULL;
}

bool rap__sched_park(rap_sched *s, rap_task *task)
{
    worker *w = tl_self;

    if (w == NULL || w->s != s || s->hooks.ready == NULL || w->nparked == PARK_MAX)
        return false;
    w->parked[w->nparked] = task;
    w->parked_at[w->nparked] = w->now;
    w->nparked++;
    return true;
}

static rap_task *try_pop(rap_sched *s, worker *w)
{
    rap_task *t = w->next;

    if (t != NULL) {
        w->next = NULL;
        return t;
    }
    /* Parked tasks with work go before the queues, except every eighth
     * round, so that two parked actors talking to each other cannot keep
     * queued tasks waiting. */
    if ((++w->tick & 7) == 0 && ((t = queue_pop(&w->q)) != NULL || (t = queue_pop(&s->inject)) != NULL))
        return t;
    if (w->nparked > 0 && (t = unpark(s, w, false)) != NULL)
        return t;
    if ((t = queue_pop(&w->q)) != NULL || (t = queue_pop(&s->inject)) != NULL)
        return t;
    return steal(s, w);
}

static bool any_queued(rap_sched *s)
{
    if (atomic_load(&s->inject.n) != 0) /* seq_cst: see inject() */
        return true;
    for (int i = 0; i < s->nworkers; i++)
        if (atomic_load_explicit(&s->workers[i].q.n, memory_order_relaxed) != 0)
            return true;
    return false;
}

/* A hint that a stealable task waits: wake a worker that sleeps on the
 * condition variable, or else the poller (the pusher runs the task itself
 * if nobody comes). */
static void wake_one(rap_sched *s)
{
    if (atomic_load_explicit(&s->sleepers, memory_order_relaxed) > 0) {
        pthread_mutex_lock(&s->lock);
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
    } else if (atomic_load_explicit(s->hooks.bell, memory_order_relaxed) == RAP_BELL_SLEEPING) {
        rap__bell_ring(s->hooks.bell);
    }
}

rap_bell *rap__sched_bell(rap_sched *s) { return s->hooks.bell; }

/* A task from a thread that is not a worker.  The count is raised before
 * sleepers is read (both seq_cst), and a worker raises sleepers before its
 * last look at the counts: so either it sees the task, or we see it and
 * signal it under the lock it holds until it waits. */
static void inject(rap_sched *s, rap_task *task)
{
    queue_append(&s->inject, task);
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load(&s->sleepers) > 0) {
        pthread_mutex_lock(&s->lock);
        pthread_cond_signal(&s->cond);
        pthread_mutex_unlock(&s->lock);
    }
    rap__bell_ring(s->hooks.bell); /* the poller: it does not wait on cond */
}

void rap__sched_push(rap_sched *s, rap_task *task)
{
    worker *w = tl_self;
    rap_task *old;

    if (w == NULL || w->s != s) {
        inject(s, task);
        return;
    }
    old = w->next;
    w->next = task;
    if (old != NULL) {
        queue_append(&w->q, old);
        wake_one(s);
    }
}

void rap__sched_yield(rap_sched *s, rap_task *task)
{
    worker *w = tl_self;

    if (w == NULL || w->s != s) {
        inject(s, task);
        return;
    }
    /* Nothing else waits here or in the injection queue: keep running it on
     * this worker, unstealable.  Handing a streaming actor to an idle
     * worker every batch moves its mailbox and state between cores each
     * time. */
    if (w->next == NULL && atomic_load_explicit(&w->q.n, memory_order_relaxed) == 0 &&
        atomic_load_explicit(&s->inject.n, memory_order_relaxed) == 0) {
        w->next = task;
        return;
    }
    queue_append(&w->q, task);
    /* Others may take it; the yielding worker runs its slot and queue first. */
    if (atomic_load_explicit(&w->q.n, memory_order_relaxed) > 1 || w->next != NULL)
        wake_one(s);
}

/* The end of one round of the spin phase.  A worker whose poll ran goes
 * straight to its next round: a message waits for the next poll, and
 * pauses there add to every message's latency.  A worker that found
 * another one polling pauses, so as not to pull the lines that worker
 * writes. */
#define SPIN_PAUSES 4
static void spin_pause(const rap_sched *s, unsigned round, bool ran_poll)
{
    if (s->spin_yield && (round & 15) == 15)
        sched_yield();
    else if (!ran_poll)
        for (int i = 0; i < SPIN_PAUSES; i++)
            rap__cpu_relax();
}

/* The sleeping poller: announce the sleep on the bell, look for work one
 * last time (queues, poll, stop), sleep until rung or timed out; again,
 * with a longer sleep, until work turns up or it is stopped. */
static void run_poller(rap_sched *s)
{
    uint64_t d = 16000;

    for (;;) {
        uint64_t cap;
        atomic_store(s->hooks.bell, RAP_BELL_SLEEPING); /* seq_cst: before the last look */
        if (any_queued(s))
            break;
        if (s->hooks.poll(s->hooks.arg) > 0)
            break;
        pthread_mutex_lock(&s->lock);
        bool stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        /* Asked after the poll, which may have started something that
         * needs polling (a termination wave). */
        cap = s->hooks.max_sleep_ns != NULL ? s->hooks.max_sleep_ns(s->hooks.arg)
                                            : (uint64_t)s->poll_max_us * 1000u;
        if (d > cap)
            d = cap;
        rap__bell_wait(s->hooks.bell, d);
        d *= 2;
    }
    atomic_store(s->hooks.bell, RAP_BELL_AWAKE);
    atomic_store_explicit(&s->poller_taken, false, memory_order_release);
}

/* A busy worker still polls between tasks this often, so that a rank whose
 * workers never go idle keeps moving its MPI traffic. */
#define BUSY_POLL_NS 50000

static void *worker_main(void *arg)
{
    worker *w = arg;
    rap_sched *s = w->s;
    uint64_t last_work = rap__now_ns(), last_poll = 0;
    unsigned round = 0;

    tl_worker = w->index;
    tl_self = w;
    if (s->binder != NULL)
        rap__binder_bind_self(s->binder, w->index);
    if (s->hooks.worker_start != NULL)
        s->hooks.worker_start(w->index);
    for (;;) {
        rap_task *t = try_pop(s, w);
        if (t != NULL) {
            uint64_t now;
            t->run(t, w->index);
            last_work = 0;
            now = w->now = rap__now_ns();
            if (now - last_poll >= BUSY_POLL_NS) {
                last_poll = now;
                s->hooks.poll(s->hooks.arg);
            }
            continue;
        }
        /* One clock read per idle round: the poll's start stands for its
         * end. */
        uint64_t now = last_poll = w->now = rap__now_ns();
        int done = s->hooks.poll(s->hooks.arg);
        if (done > 0) {
            last_work = 0;
            continue;
        }
        if (last_work == 0)
            last_work = now;
        if (now - last_work < (uint64_t)s->spin_us * 1000u) {
            spin_pause(s, round++, done == 0);
            continue;
        }
        /* Sleep phase: nothing may stay parked on a sleeping worker. */
        if (w->nparked > 0) {
            if ((t = unpark(s, w, true)) != NULL)
                w->next = t; /* it had work after all: run it, do not sleep */
            continue;
        }
        bool expect = false;
        if (atomic_compare_exchange_strong(&s->poller_taken, &expect, true)) {
            run_poller(s);
            last_work = 0;
        } else {
            pthread_mutex_lock(&s->lock);
            if (s->stop) {
                pthread_mutex_unlock(&s->lock);
                break;
            }
            atomic_fetch_add(&s->sleepers, 1); /* before the last look: see inject() */
            if (!any_queued(s))
                pthread_cond_wait(&s->cond, &s->lock);
            atomic_fetch_sub(&s->sleepers, 1);
            pthread_mutex_unlock(&s->lock);
            last_work = 0;
        }
        pthread_mutex_lock(&s->lock);
        bool stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
    }
    if (s->hooks.worker_end != NULL)
        s->hooks.worker_end(w->index);
    return NULL;
}

int rap__sched_create(int nworkers, unsigned flags, unsigned spin_us, unsigned poll_max_us,
                      const rap_sched_hooks *hooks, rap_sched **sched_out)
{
    const bool bind = (flags & RAP_SCHED_BIND) != 0;
    rap_sched *s;

    if (nworkers <= 0 || hooks == NULL || hooks->poll == NULL || sched_out == NULL)
        return RAP_EINVAL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return RAP_ENOMEM;
    s->hooks = *hooks;
    if (s->hooks.bell == NULL)
        s->hooks.bell = &s->own_bell;
    atomic_init(&s->own_bell, RAP_BELL_AWAKE);
    s->spin_us = spin_us;
    s->poll_max_us = poll_max_us > 0 ? poll_max_us : 1;
    s->nworkers = nworkers;
    s->spin_yield = (flags & RAP_SCHED_SPIN_YIELD) != 0;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    queue_init(&s->inject);
    if (bind)
        s->binder = rap__binder_create(); /* NULL: run unpinned */
    s->workers = aligned_alloc(RAP_CACHELINE, (size_t)nworkers * sizeof(*s->workers));
    if (s->workers != NULL)
        memset(s->workers, 0, (size_t)nworkers * sizeof(*s->workers));
    if (s->workers == NULL)
        goto free_binder;
    for (int i = 0; i < nworkers; i++) {
        s->workers[i].s = s;
        s->workers[i].index = i;
        queue_init(&s->workers[i].q);
    }
    /* Before the workers start: their hooks may read it (pthread_create
     * orders this store before everything they do). */
    *sched_out = s;
    for (int i = 0; i < nworkers; i++) {
        if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) != 0) {
            s->nworkers = i;
            rap__sched_destroy(s);
            *sched_out = NULL;
            return RAP_ENOMEM;
        }
    }
    return RAP_OK;

free_binder:
    rap__binder_destroy(s->binder);
    pthread_mutex_destroy(&s->inject.lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return RAP_ENOMEM;
}

void rap__sched_destroy(rap_sched *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->lock);
    rap__bell_ring(s->hooks.bell);
    for (int i = 0; i < s->nworkers; i++)
        pthread_join(s->workers[i].thread, NULL);
    for (int i = 0; i < s->nworkers; i++)
        pthread_mutex_destroy(&s->workers[i].q.lock);
    free(s->workers);
    rap__binder_destroy(s->binder);
    pthread_mutex_destroy(&s->inject.lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
