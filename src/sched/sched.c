/* sched/sched.c -- workers and run queues (see sched.h).
 *
 * Queues: a task a worker makes runnable goes to that worker's `next` slot,
 * which only the worker itself reads, and the task that was in the slot
 * moves to the worker's own FIFO.  So an actor that sends to an idle actor
 * hands it to the same worker, which runs it next: no cross-core hand-off,
 * no wake-up, and no idle worker can steal it in between (a stealable
 * hand-off made two workers slower than one at a same-rank ping-pong:
 * docs/PERFORMANCE.md).  Tasks pushed by other threads go to a shared
 * injection queue.  A worker takes its slot (after RAP_SCHED_STREAK
 * hand-offs in a row, one waiting task runs first), every eighth round the
 * injection queue and then its own queue, its parked tasks that have work,
 * its own queue, the injection queue, then steals from the other workers'
 * queues (try-lock, never waiting).  A push wakes a sleeping worker only
 * when it leaves a stealable task behind.  A yielding task goes behind
 * everything that was runnable before it: the injection queue's tasks and
 * the parked tasks with work move to the worker's queue ahead of it.
 *
 * The slot and the parked tasks are not stealable, so the watchdog
 * (watchdog.c) takes them from a worker that runs one task too long; the
 * worker touches them only inside owner_enter .. owner_exit (sched_int.h).
 *
 * Idle policy, per worker: after its last work it keeps trying the run
 * queue and hooks.poll for spin_us (pausing; with RAP_SCHED_SPIN_YIELD
 * also yielding the core every few rounds, so that threads sharing cores
 * get their turn), then sleeps on the condition variable.  One sleeping
 * worker (the poller) instead sleeps on the doorbell (util/bell.h) for a
 * time that doubles from 16 us up to hooks.max_sleep_ns between polls,
 * and starts from 16 us again after each ring; a push from a thread that
 * is not a worker, a stealable task left while no worker waits on the
 * condition variable, and (through the node) a message from another rank
 * of the node, rap_run's start, or a new timer ring it.  The workers are
 * the only threads that poll while any is awake: a second spinning thread
 * on the core would only halve the worker's share of it.  Waking a sleeping
 * thread costs tens of microseconds on the target VMs, which is why
 * workers spin first.
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched/sched_int.h"
#include "util/clock.h"

static _Thread_local int tl_worker RAP_TLS_IE = -1;
static _Thread_local worker *tl_self RAP_TLS_IE;
static _Atomic bool never_preempted;
_Thread_local _Atomic bool *rap__sched_preempt RAP_TLS_IE = &never_preempted;

int rap__sched_self(void) { return tl_worker; }

rap_sched *rap__sched_current(void) { return tl_self != NULL ? tl_self->s : NULL; }
uint64_t rap__sched_now(void) { return tl_self != NULL ? tl_self->now : 0; }

void rap__sched_task_end(uint64_t now_ns)
{
    if (tl_self != NULL)
        tl_self->task_end = now_ns;
}
int rap__sched_workers(const rap_sched *s) { return s->nworkers; }
rap_bell *rap__sched_bell(rap_sched *s) { return s->hooks.bell; }

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

/* Move everything in `from` to the tail of `to`, in order. */
static void queue_move_all(task_queue *from, task_queue *to)
{
    rap_task *head, *tail;
    size_t n;

    if (atomic_load_explicit(&from->n, memory_order_relaxed) == 0)
        return;
    pthread_mutex_lock(&from->lock);
    head = from->head;
    tail = from->tail;
    n = atomic_load_explicit(&from->n, memory_order_relaxed);
    from->head = from->tail = NULL;
    atomic_store_explicit(&from->n, 0, memory_order_relaxed);
    pthread_mutex_unlock(&from->lock);
    if (head == NULL)
        return;
    pthread_mutex_lock(&to->lock);
    if (to->tail != NULL)
        to->tail->next = head;
    else
        to->head = head;
    to->tail = tail;
    atomic_fetch_add_explicit(&to->n, n, memory_order_relaxed);
    pthread_mutex_unlock(&to->lock);
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

static void unpark_at(worker *w, int i)
{
    int last = atomic_load_explicit(&w->nparked, memory_order_relaxed) - 1;

    w->parked[i] = w->parked[last];
    w->parked_at[i] = w->parked_at[last];
    atomic_store_explicit(&w->nparked, last, memory_order_relaxed);
}

/* A parked task that has work (taken off the list), releasing on the way
 * those parked longer than PARK_NS (all of them when `all`); a release
 * that finds work after all returns that task.  Owner section. */
static rap_task *unpark(rap_sched *s, worker *w, bool all)
{
    for (int i = 0; i < atomic_load_explicit(&w->nparked, memory_order_relaxed);) {
        rap_task *t = w->parked[i];
        bool ready = s->hooks.ready(t);
        if (!ready && !all && w->now - w->parked_at[i] < PARK_NS) {
            i++;
            continue;
        }
        unpark_at(w, i);
        if (ready || !s->hooks.release(t))
            return t;
    }
    return NULL;
}

bool rap__sched_park(rap_sched *s, rap_task *task)
{
    worker *w = tl_self;
    int n;

    if (w == NULL || w->s != s || s->hooks.ready == NULL)
        return false;
    owner_enter(w);
    n = atomic_load_explicit(&w->nparked, memory_order_relaxed);
    if (n == PARK_MAX) {
        owner_exit(w);
        return false;
    }
    w->parked[n] = task;
    w->parked_at[n] = w->now;
    atomic_store_explicit(&w->nparked, n + 1, memory_order_relaxed);
    owner_exit(w);
    return true;
}

static bool others_wait(rap_sched *s, worker *w)
{
    return atomic_load_explicit(&w->q.n, memory_order_relaxed) != 0 ||
           atomic_load_explicit(&s->inject.n, memory_order_relaxed) != 0 ||
           atomic_load_explicit(&w->nparked, memory_order_relaxed) != 0;
}

static rap_task *try_pop(rap_sched *s, worker *w)
{
    rap_task *t;

    owner_enter(w);
    t = atomic_load_explicit(&w->next, memory_order_relaxed);
    if (t != NULL) {
        /* A long chain of hand-offs lets one waiting task run first; the
         * chain keeps its place (and its worker). */
        if (++w->streak > RAP_SCHED_STREAK && others_wait(s, w)) {
            rap_task *u = atomic_load_explicit(&w->nparked, memory_order_relaxed) > 0
                              ? unpark(s, w, false)
                              : NULL;
            if (u == NULL && (u = queue_pop(&s->inject)) == NULL)
                u = queue_pop(&w->q);
            if (u != NULL) {
                w->streak = 0;
                owner_exit(w);
                return u;
            }
        }
        atomic_store_explicit(&w->next, NULL, memory_order_relaxed);
        owner_exit(w);
        return t;
    }
    w->streak = 0;
    /* Every eighth round the queues go first, the shared one first of
     * all, so that parked tasks talking to each other, or a busy queue,
     * cannot keep the others waiting. */
    if ((++w->tick & 7) == 0 &&
        ((t = queue_pop(&s->inject)) != NULL || (t = queue_pop(&w->q)) != NULL)) {
        owner_exit(w);
        return t;
    }
    if (atomic_load_explicit(&w->nparked, memory_order_relaxed) > 0 &&
        (t = unpark(s, w, false)) != NULL) {
        owner_exit(w);
        return t;
    }
    owner_exit(w);
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

/* A task from a thread that is not a worker.  The count is raised before
 * sleepers is read (both seq_cst), and a worker raises sleepers before its
 * last look at the counts: so either it sees the task, or we see it and
 * signal it under the lock it holds until it waits. */
void rap__sched_inject(rap_sched *s, rap_task *task)
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
        rap__sched_inject(s, task);
        return;
    }
    owner_enter(w);
    old = atomic_load_explicit(&w->next, memory_order_relaxed);
    /* release: the watchdog may take it (acquire in its rescue). */
    atomic_store_explicit(&w->next, task, memory_order_release);
    owner_exit(w);
    if (old != NULL) {
        queue_append(&w->q, old);
        wake_one(s);
    }
}

void rap__sched_yield(rap_sched *s, rap_task *task)
{
    worker *w = tl_self;
    rap_task *ready[PARK_MAX];
    int nready = 0;

    if (w == NULL || w->s != s) {
        rap__sched_inject(s, task);
        return;
    }
    owner_enter(w);
    /* Nothing else runnable here: keep running it on this worker,
     * unstealable (handing a streaming actor to an idle worker every turn
     * moves its mailbox and state between cores each time). */
    if (atomic_load_explicit(&w->next, memory_order_relaxed) == NULL && !others_wait(s, w)) {
        atomic_store_explicit(&w->next, task, memory_order_relaxed);
        owner_exit(w);
        return;
    }
    /* Behind everything that became runnable before it: parked tasks with
     * work, then the injection queue, go to this worker's queue first. */
    for (int i = 0; i < atomic_load_explicit(&w->nparked, memory_order_relaxed);) {
        if (s->hooks.ready(w->parked[i])) {
            ready[nready++] = w->parked[i];
            unpark_at(w, i);
        } else {
            i++;
        }
    }
    owner_exit(w);
    for (int i = 0; i < nready; i++)
        queue_append(&w->q, ready[i]);
    queue_move_all(&s->inject, &w->q);
    queue_append(&w->q, task);
    /* Others may take it; the yielding worker runs its slot and queue first. */
    if (atomic_load_explicit(&w->q.n, memory_order_relaxed) > 1 ||
        atomic_load_explicit(&w->next, memory_order_relaxed) != NULL)
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

static bool stopped(rap_sched *s)
{
    bool stop;

    pthread_mutex_lock(&s->lock);
    stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

/* The sleeping poller: announce the sleep on the bell, look for work one
 * last time (queues, poll, stop), sleep until rung or timed out; again,
 * with a longer sleep (a short one again after a ring), until work turns
 * up or it is stopped.  A ring says a message was handed to MPI for this
 * rank: a poll that finds nothing then gets a second one, since a poll may
 * take in a message without seeing it complete (Open MPI's MPI_Testsome
 * runs the progress engine only after finding nothing complete, and does
 * not look again), and the next ring may be far off (the sender's next
 * poll). */
static void run_poller(rap_sched *s)
{
    uint64_t d = 16000;
    bool rung = false;

    for (;;) {
        uint64_t cap;
        atomic_store(s->hooks.bell, RAP_BELL_SLEEPING); /* seq_cst: before the last look */
        if (any_queued(s))
            break;
        if (s->hooks.poll(s->hooks.arg) > 0 || (rung && s->hooks.poll(s->hooks.arg) > 0))
            break;
        if (stopped(s))
            break;
        /* Asked after the poll, which may have started something that
         * needs polling (a termination wave). */
        cap = s->hooks.max_sleep_ns != NULL ? s->hooks.max_sleep_ns(s->hooks.arg)
                                            : (uint64_t)s->poll_max_us * 1000u;
        if (d > cap)
            d = cap;
        rap__bell_wait(s->hooks.bell, d);
        rung = atomic_load(s->hooks.bell) == RAP_BELL_AWAKE;
        /* A ring says something changed here (rap_run began, a wave or a
         * timer is due): the sleeps start short again.  Doubling on from
         * where a long quiet phase left them (up to hooks.max_sleep_ns,
         * 100 ms) made the first rap_run after one wait that long before
         * its termination wave could start. */
        d = rung ? 16000 : d * 2;
    }
    atomic_store(s->hooks.bell, RAP_BELL_AWAKE);
    atomic_store_explicit(&s->poller_taken, false, memory_order_release);
}

/* The worker goes to sleep (as the poller, or on the condition variable)
 * and comes back: the watchdog sleeps while no worker is awake. */
static void sleep_worker(rap_sched *s, worker *w)
{
    bool expect = false;

    if (s->hooks.worker_idle != NULL)
        s->hooks.worker_idle(s->first_index + w->index);
    atomic_fetch_sub(&s->awake, 1);
    if (atomic_compare_exchange_strong(&s->poller_taken, &expect, true)) {
        run_poller(s);
    } else {
        pthread_mutex_lock(&s->lock);
        if (!s->stop) {
            atomic_fetch_add(&s->sleepers, 1); /* before the last look: see inject() */
            if (!any_queued(s))
                pthread_cond_wait(&s->cond, &s->lock);
            atomic_fetch_sub(&s->sleepers, 1);
        }
        pthread_mutex_unlock(&s->lock);
    }
    w->now = rap__now_ns(); /* the next task's start, for the watchdog */
    if (atomic_fetch_add(&s->awake, 1) == 0)
        rap__watchdog_wake(s);
}

/* Run one task: the watchdog sees when it started, and a turn it says is
 * too long ends at the task's next check (rap__sched_preempted). */
static void run_task(worker *w, rap_task *t)
{
    if (atomic_load_explicit(&w->preempt, memory_order_relaxed))
        atomic_store_explicit(&w->preempt, false, memory_order_relaxed);
    atomic_store_explicit(&w->run_since, w->now != 0 ? w->now : 1, memory_order_relaxed);
    t->run(t, w->s->first_index + w->index);
    atomic_store_explicit(&w->run_since, 0, memory_order_relaxed);
    /* The task's own clock read at its end stands for the worker's. */
    w->now = w->task_end != 0 ? w->task_end : rap__now_ns();
    w->task_end = 0;
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

    tl_worker = s->first_index + w->index;
    tl_self = w;
    rap__sched_preempt = &w->preempt;
    w->now = last_work;
    if (s->binder != NULL)
        rap__binder_bind_self(s->binder, w->index);
    if (s->hooks.worker_start != NULL)
        s->hooks.worker_start(s->first_index + w->index);
    bool stale = false; /* w->now is older than the work done since (a poll, a spin) */
    for (;;) {
        rap_task *t = try_pop(s, w);
        if (t != NULL) {
            uint64_t now;
            if (stale) /* the task starts now, not when the idle round did */
                w->now = rap__now_ns();
            stale = false;
            run_task(w, t);
            last_work = 0;
            now = w->now;
            if (now - last_poll >= BUSY_POLL_NS) {
                last_poll = now;
                s->hooks.poll(s->hooks.arg);
                stale = true;
            }
            continue;
        }
        /* One clock read per idle round, at its start. */
        uint64_t now = last_poll = w->now = rap__now_ns();
        int done = s->hooks.poll(s->hooks.arg);
        stale = true;
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
        if (atomic_load_explicit(&w->nparked, memory_order_relaxed) > 0) {
            owner_enter(w);
            t = unpark(s, w, true);
            if (t != NULL) /* it had work after all: run it, do not sleep */
                atomic_store_explicit(&w->next, t, memory_order_relaxed);
            owner_exit(w);
            continue;
        }
        if (stopped(s))
            break;
        sleep_worker(s, w);
        last_work = 0;
        if (stopped(s))
            break;
    }
    if (s->hooks.worker_end != NULL)
        s->hooks.worker_end(s->first_index + w->index);
    rap__sched_preempt = &never_preempted;
    tl_self = NULL;
    tl_worker = -1;
    return NULL;
}

static void free_sched(rap_sched *s)
{
    rap__binder_destroy(s->binder);
    for (int i = 0; s->workers != NULL && i < s->nworkers; i++)
        pthread_mutex_destroy(&s->workers[i].q.lock);
    free(s->workers);
    pthread_mutex_destroy(&s->inject.lock);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

int rap__sched_create(const rap_sched_params *p, const rap_sched_hooks *hooks,
                      rap_sched **sched_out)
{
    rap_sched *s;

    if (p == NULL || p->workers <= 0 || hooks == NULL || hooks->poll == NULL || sched_out == NULL)
        return RAP_EINVAL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return RAP_ENOMEM;
    s->hooks = *hooks;
    if (s->hooks.bell == NULL)
        s->hooks.bell = &s->own_bell;
    atomic_init(&s->own_bell, RAP_BELL_AWAKE);
    atomic_init(&s->wd_bell, RAP_BELL_AWAKE);
    s->spin_us = p->spin_us;
    s->poll_max_us = p->poll_max_us > 0 ? p->poll_max_us : 1;
    s->nworkers = p->workers;
    s->first_index = p->first_index;
    s->spin_yield = (p->flags & RAP_SCHED_SPIN_YIELD) != 0;
    s->wd_period_ns = (uint64_t)p->watchdog_us * 1000u;
    atomic_init(&s->awake, p->workers);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    queue_init(&s->inject);
    if ((p->flags & RAP_SCHED_BIND) != 0)
        s->binder = rap__binder_create(); /* NULL: run unpinned */
    s->workers = aligned_alloc(RAP_CACHELINE, (size_t)p->workers * sizeof(*s->workers));
    if (s->workers == NULL) {
        s->nworkers = 0;
        free_sched(s);
        return RAP_ENOMEM;
    }
    memset(s->workers, 0, (size_t)p->workers * sizeof(*s->workers));
    for (int i = 0; i < p->workers; i++) {
        s->workers[i].s = s;
        s->workers[i].index = i;
        queue_init(&s->workers[i].q);
    }
    /* Before the workers start: their hooks may read it (pthread_create
     * orders this store before everything they do). */
    *sched_out = s;
    if (rap__watchdog_start(s) != RAP_OK) {
        free_sched(s);
        *sched_out = NULL;
        return RAP_ENOMEM;
    }
    for (int i = 0; i < p->workers; i++) {
        if (pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]) != 0) {
            s->nworkers = i;
            rap__sched_destroy(s);
            *sched_out = NULL;
            return RAP_ENOMEM;
        }
    }
    return RAP_OK;
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
    rap__watchdog_stop(s);
    free_sched(s);
}
