#!/bin/sh
# Typed messages (RAP_MESSAGE, RAP_MESSAGE_TAIL, RAP_HANDLER): a program
# whose handlers and sends match their message types compiles cleanly; a
# handler taking another payload type, a send (or broadcast) of another
# payload type and a tail handler without its count each fail to compile.
set -u
cc=${CC:-cc}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
compile() { # compile NAME: 0 if $tmp/NAME.c compiles with warnings as errors
    $cc -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -fsyntax-only \
        -I"${top_srcdir:-.}/include" ${MPI_CFLAGS:-} "$tmp/$1.c" 2> "$tmp/$1.err"
}
head() {
    cat <<'C'
#include "raptors.h"
typedef struct price { long seq; double value; } price;
typedef struct other { int x; } other;
typedef struct halo { int from; double v[]; } halo;
typedef struct st { int n; } st;
RAP_MESSAGE(price_msg, "t.price", price);
RAP_MESSAGE(other_msg, "t.other", other);
RAP_MESSAGE_TAIL(halo_msg, "t.halo", halo, double, 1024);
C
}
{ head; cat <<'C'
static int on_price(rap_ctx *ctx, st *s, rap_aid from, const price *p) { s->n += (int)p->seq; return RAP_OK; }
RAP_HANDLER(price_msg, st, on_price);
static int on_halo(rap_ctx *ctx, void *s, rap_aid from, const halo *h, size_t n) { return n > 0 && h->v[0] > 0; }
RAP_HANDLER_TAIL(halo_msg, void, on_halo);
int setup(uint32_t type);
int setup(uint32_t type)
{
    price p = { 1, 2.0 };
    union { halo h; char room[sizeof(halo) + 4 * sizeof(double)]; } u = { .h.from = 1 };
    int rc = RAP_REGISTER(price_msg);
    rc |= RAP_REGISTER(halo_msg) | RAP_ON(type, price_msg, on_price) | RAP_ON(type, halo_msg, on_halo);
    rap_group g = { 0 };
    rc |= price_msg_broadcast(NULL, &g, &p) | price_msg_contribute(NULL, 1, RAP_SUM_F64, &p, RAP_GROUP_ALL);
    return rc | price_msg_send(NULL, 1, &p) | halo_msg_send(NULL, 1, &u.h, 4) | halo_msg_broadcast(NULL, &g, &u.h, 4);
}
C
} > "$tmp/good.c"
if ! compile good; then
    echo "FAIL: a matching program does not compile:"; cat "$tmp/good.err"; exit 1
fi
{ head; cat <<'C'
static int on_price(rap_ctx *ctx, st *s, rap_aid from, const other *p) { return p->x; }
RAP_HANDLER(price_msg, st, on_price);
C
} > "$tmp/bad_handler.c"
{ head; cat <<'C'
int f(void);
int f(void) { other o = { 1 }; return price_msg_send(NULL, 1, &o); }
C
} > "$tmp/bad_send.c"
{ head; cat <<'C'
int f(void);
int f(void) { other o = { 1 }; rap_group g = { 0 }; return price_msg_broadcast(NULL, &g, &o); }
C
} > "$tmp/bad_broadcast.c"
{ head; cat <<'C'
static int on_halo(rap_ctx *ctx, void *s, rap_aid from, const halo *h) { return h->from; }
RAP_HANDLER_TAIL(halo_msg, void, on_halo);
C
} > "$tmp/bad_tail.c"
for bad in bad_handler bad_send bad_broadcast bad_tail; do
    if compile $bad; then
        echo "FAIL: $bad compiled, but its payload type does not match its message type"; exit 1
    fi
    echo "$bad: refused as it should be: $(grep -m1 -E 'error' "$tmp/$bad.err")"
done
echo "typed messages: the matching program compiles; 4 mismatches refused"
