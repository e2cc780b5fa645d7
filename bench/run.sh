#!/bin/sh
# bench/run.sh -- make bench: every benchmark with its baseline measured in
# the same run, then one table (ratio = Raptors / baseline), also written to
# bench-results/bench.csv and bench-results/bench.json.
#   REPS     repetitions of each measurement (default 5; figures are medians)
#   WORKERS  worker threads for the same-rank benchmarks, and CAF's threads (default 2)
set -e
: "${MPIEXEC:=mpiexec}"
# Show the human-readable lines; the ROW/BENCH/CAF lines are for the table.
show() { tee -a "$raw" | grep -v -E '^(ROW\||BENCH |CAF |RAPLAT |FJRAP |FJCAF )' || true; }
: "${REPS:=5}"
: "${WORKERS:=2}"
export MPIEXEC
. "$(dirname "$0")/../tools/mpi-env.sh"
# Open MPI passes a variable to its ranks when told (-x NAME); MPICH's hydra
# passes the whole environment and has no -x.
fwd=
[ "$RAP_MPIEXEC_KIND" = openmpi ] && fwd="-x RAPTORS_WORKERS"
out=bench-results
mkdir -p "$out"
raw="$out/raw.txt"
machine="$(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# machine: $machine" | tee "$raw"
# Remote latency: Raptors beside raw MPI in its own process (the ROW
# lines), then against a plain MPI program of its own (bench/mpi_latency,
# MPI_Init, no Raptors), the two alternating, three processes each; the
# medians of their medians; rap_send at 64 KiB and up against the plain
# time plus one memcpy of the payload measured beside it.
for i in 1 2 3; do
    "$MPIEXEC" -np 2 bench/mpi_latency "$REPS" | grep -E '^(PLAINLAT|PLAINFIRST|MEMCPY) ' >> "$raw"
    if [ "$i" = 1 ]; then
        "$MPIEXEC" -np 2 bench/remote_latency "$REPS" | show
    else
        "$MPIEXEC" -np 2 bench/remote_latency "$REPS" | grep '^RAPLAT ' >> "$raw"
    fi
done
awk 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
     /^PLAINLAT / { pl[$2, ++npl[$2]] = $3 } /^PLAINFIRST / { pf[$2, ++npf[$2]] = $3 }
     /^MEMCPY / { mc[$2, ++nmc[$2]] = $3 }
     /^RAPLAT / { k = $2 " " $3; if (!(k in nr)) order[++no] = k; nr[k]++; ra[k, nr[k]] = $4; rf[k, nr[k]] = $5 }
     END {
       print "# remote latency against a plain MPI process (bench/mpi_latency), us one way, medians of 3 processes each"
       for (o = 1; o <= no; o++) {
         k = order[o]; split(k, f, " "); b = f[1]; mode = f[2]
         delete v; for (i = 1; i <= nr[k]; i++) v[i] = ra[k, i]; r = med(v, nr[k])
         delete v; for (i = 1; i <= nr[k]; i++) v[i] = rf[k, i]; r1 = med(v, nr[k])
         delete v; for (i = 1; i <= npl[b]; i++) v[i] = pl[b, i]; p = med(v, npl[b])
         delete v; for (i = 1; i <= npf[b]; i++) v[i] = pf[b, i]; p1 = med(v, npf[b])
         delete v; for (i = 1; i <= nmc[b]; i++) v[i] = mc[b, i]; m = med(v, nmc[b])
         base = (mode == "send" && b >= 65536) ? p + m : p
         bname = (mode == "send" && b >= 65536) ? "plain MPI process + memcpy" : "plain MPI process"
         printf "%8d B %-5s %8.2f (first round %.2f) against %8.2f (first %.2f; memcpy %.2f): %.2fx\n", b, mode, r, r1, p, p1, m, r / base
         printf "ROW|remote latency %d B %s vs plain|us one way|%.3f|%s|%.3f\n", b, mode, r, bname, base
       } }' "$raw" | tee -a "$raw" | grep -v '^ROW|' || true
"$MPIEXEC" -np 2 bench/remote_bw "$REPS" | show
"$MPIEXEC" -np 2 bench/remote_rate "$REPS" | show
"$MPIEXEC" -np 2 bench/remote_ring "$REPS" | show
# A ring of 4 ranks (more ranks than cores on a 2-core machine): Raptors
# against a plain MPI ring program (bench/mpi_ring), alternating, three
# processes each, the medians of their medians.
over=
[ "$RAP_MPIEXEC_KIND" = openmpi ] && over=--oversubscribe
for i in 1 2 3; do
    "$MPIEXEC" $over -np 4 bench/mpi_ring "$REPS" >> "$raw"
    "$MPIEXEC" $over -np 4 bench/remote_ring "$REPS" | sed -n 's/^ROW|ring of 4 ranks|hops\/s|\([0-9.]*\)|.*/RAPRING4 \1/p' >> "$raw"
done
awk 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
     /^PLAINRING 4 / { p[++np] = $3 } /^RAPRING4 / { r[++nr] = $2 }
     END { if (np == 0 || nr == 0) exit
           a = med(r, nr); b = med(p, np)
           printf "ring of 4 ranks %.0f hops/s against a plain MPI ring program %.0f: %.2fx\n", a, b, a / b
           printf "ROW|ring of 4 ranks vs plain|hops/s|%.0f|plain MPI ring process|%.0f\n", a, b }' "$raw" | tee -a "$raw" | grep -v '^ROW|' || true
"$MPIEXEC" -np 2 bench/idle "$REPS" 5 | show
"$MPIEXEC" -np 2 bench/busy_rank "$REPS" | show
RAPTORS_WORKERS="$WORKERS" "$MPIEXEC" --bind-to none $fwd -np 1 bench/local_rate "$REPS" | show
RAPTORS_WORKERS="$WORKERS" "$MPIEXEC" --bind-to none $fwd -np 1 bench/timer | show
# Ending a job with a million live actors (rap_finalize) beside ending one
# (its fixed part), and the first rap_run after the main thread's million
# spawns beside a second one: fresh processes, alternating, three each.
for i in 1 2 3; do
    "$MPIEXEC" -np 1 bench/finalize 1000000 | grep '^FIN ' >> "$raw"
    "$MPIEXEC" -np 1 bench/finalize 1 | grep '^FIN ' >> "$raw"
done
awk 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
     function medk(a, k,   i) { delete v; for (i = 1; i <= c[k]; i++) v[i] = a[k, i]; return med(v, c[k]) }
     /^FIN / { k = $2; c[k]++; r1[k, c[k]] = $3; r2[k, c[k]] = $4; fz[k, c[k]] = $5 }
     END { if (c[1000000] == 0 || c[1] == 0) exit
           big = medk(fz, 1000000); one = medk(fz, 1); first = medk(r1, 1000000); second = medk(r2, 1000000)
           printf "rap_finalize with 1,000,000 live actors %.3f s, with 1 actor %.3f s (target: under 0.2 s)\n", big, one
           printf "first rap_run after 1,000,000 spawns from main %.2f ms, the next rap_run %.2f ms\n", first, second
           printf "ROW|rap_finalize, 1,000,000 live actors|s|%.4f|rap_finalize, 1 actor|%.4f\n", big, one
           printf "ROW|first rap_run after a quiet phase|ms|%.3f|the next rap_run|%.3f\n", first, second }' "$raw" |
    tee -a "$raw" | grep -v '^ROW|' || true
"$MPIEXEC" $over -np 4 bench/pubsub 3 | show
MPIEXEC="$MPIEXEC" RAP_MPIEXEC_KIND="$RAP_MPIEXEC_KIND" sh "$(dirname "$0")/jacobi.sh" | show
# The profile's cost: the same binaries with RAPTORS_PROFILE=off and on,
# alternating, REPS times each (one measured round a run, after a warm-up).
pfwd=
tfwd=
rfwd=
[ "$RAP_MPIEXEC_KIND" = openmpi ] && pfwd="-x RAPTORS_WORKERS -x RAPTORS_PROFILE" && tfwd="$pfwd -x RAPTORS_TRACE" &&
    rfwd="-x RAPTORS_PROFILE" # remote_rate runs with the default workers, as above
echo "# profile cost: RAPTORS_PROFILE=off and on alternating, $REPS runs each" | tee -a "$raw"
# The trace's cost: the same with RAPTORS_TRACE set too (its file written at
# each run's end), against the profile alone.
trace_file="${TMPDIR:-/tmp}/raptors-bench-trace-$$.json"
for i in $(seq 1 "$REPS"); do
    for mode in off on; do
        RAPTORS_PROFILE=$mode RAPTORS_WORKERS="$WORKERS" "$MPIEXEC" --bind-to none $pfwd -np 1 bench/profile cost 1 |
            sed -n "s/^PROF /PROF$mode /p" >> "$raw"
        RAPTORS_PROFILE=$mode "$MPIEXEC" $rfwd -np 2 bench/remote_rate 1 |
            sed -n "s/^ROW|remote rate 8 B|messages\/s|\([0-9.]*\)|.*/PROF$mode RemoteRate \1/p" >> "$raw"
    done
    RAPTORS_PROFILE=on RAPTORS_TRACE="$trace_file" RAPTORS_WORKERS="$WORKERS" "$MPIEXEC" --bind-to none $tfwd \
        -np 1 bench/profile cost 1 | sed -n "s/^PROF /PROFtrace /p" >> "$raw"
done
rm -f "$trace_file"
"$MPIEXEC" -np 1 bench/profile accuracy | show
"$MPIEXEC" $RAP_MPIEXEC_FLAGS -np 4 bench/profile scale 100000 | show
# Migration: latency to moved actors, moves and their state's bytes.
"$MPIEXEC" -np 2 bench/migrate "$REPS" | show
# Skewed compute, 3:1 at the start, balanced by rap_rebalance (refine, then
# greedy): iteration time against the lower bound, end to end against
# unbalanced, and the moves.
"$MPIEXEC" -np 2 bench/lb_skew refine | show
"$MPIEXEC" -np 2 bench/lb_skew greedy | show
# Chatty actor pairs placed at random, balanced with metis (bytes between
# actors from the Profiler's pairs: samples every 50 ms).
cfwd=
[ "$RAP_MPIEXEC_KIND" = openmpi ] && cfwd="-x RAPTORS_PROFILE_INTERVAL_MS"
RAPTORS_PROFILE_INTERVAL_MS=50 "$MPIEXEC" $cfwd -np 2 bench/lb_chatty metis | show
# A 3-D stencil of actors exchanging halos, hash-placed, balanced with
# metis: the share of halo bytes crossing ranks, the imbalance and an
# iteration's time before and after (block counts, halo sizes and ranks
# swept; 4 ranks share the 2 cores here, so their times are the cut's
# effect under oversubscription, not a scaling figure).
for cfg in "2 8 8 8 2048" "2 8 8 8 8192" "2 16 16 16 2048" "4 12 12 12 2048"; do
    set -- $cfg
    RAPTORS_PROFILE_INTERVAL_MS=50 "$MPIEXEC" $RAP_MPIEXEC_FLAGS $cfwd -np "$1" bench/lb_stencil metis "$2" "$3" "$4" "$5" | show
done
# A moving hot spot under the periodic balancer (every 100 ms, samples
# every 25 ms): each strategy's steady iteration against the bound in both
# phases and the most actors moved in one step (the profile's rebalances).
hfwd=
[ "$RAP_MPIEXEC_KIND" = openmpi ] && hfwd="-x RAPTORS_LB -x RAPTORS_LB_PERIOD_MS -x RAPTORS_PROFILE_INTERVAL_MS -x RAPTORS_PROFILE"
hot_profile="${TMPDIR:-/tmp}/raptors-bench-hotspot-$$.json"
for lb in refine greedy metis; do
    RAPTORS_LB=$lb RAPTORS_LB_PERIOD_MS=100 RAPTORS_PROFILE_INTERVAL_MS=25 RAPTORS_PROFILE="$hot_profile" \
        "$MPIEXEC" $hfwd -np 2 bench/lb_hotspot | sed "s/^ROW|hot spot /ROW|hot spot $lb /" | show
done
rm -f "$hot_profile"
# The periodic balancer on a run that needs none (even start): iteration
# time with RAPTORS_LB_PERIOD_MS=100 (samples every 50 ms) against without,
# alternating, REPS runs each; medians.
lfwd=
[ "$RAP_MPIEXEC_KIND" = openmpi ] && lfwd="-x RAPTORS_LB_PERIOD_MS -x RAPTORS_PROFILE_INTERVAL_MS"
for i in $(seq 1 "$REPS"); do
    for mode in 0 100; do
        RAPTORS_LB_PERIOD_MS=$mode RAPTORS_PROFILE_INTERVAL_MS=50 "$MPIEXEC" $lfwd -np 2 bench/lb_skew none 60 0.5 |
            sed -n "s/^BALANCED /LBPERIOD$mode /p" >> "$raw"
    done
done
awk '/^LBPERIOD0 / { off[n0++] = $2 } /^LBPERIOD100 / { on[n1++] = $2 }
     function med(a, n,   i, j, t) { for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                     return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2 }
     END { if (n0 && n1) { a = med(on, n1); b = med(off, n0)
             printf "balanced run, periodic balancer every 100 ms: %.3f ms an iteration against %.3f without (%.3fx)\n", a, b, a / b
             printf "ROW|balanced run, periodic balancer on|ms an iteration|%.4f|balancer off|%.4f\n", a, b } }' "$raw" | show
# The partitioner's decision on a million actors (no MPI; one core).
bench/lb_decision 1000000 1024 3 | show
if [ -x bench/caf_bench ]; then
    bench/caf_bench "$REPS" 1000000 "$WORKERS" | sed 's/^BENCH /CAF /' | show
else
    echo "# no CAF baseline: configure --with-caf-bench (needs libcaf-dev) to build it" | tee -a "$raw"
fi
# Fork-join swept over 8 to 1,024 target actors, WORKERS workers, beside
# CAF with as many threads (when built), each a fresh process: the first
# round of each count and the median of REPS warm ones.
fj_counts="8 16 32 33 48 64 128 256 1024"
RAPTORS_WORKERS="$WORKERS" "$MPIEXEC" --bind-to none $fwd -np 1 bench/forkjoin "$REPS" 1000000 $fj_counts |
    sed 's/^FJ /FJRAP /' | show
if [ -x bench/caf_bench ]; then
    bench/caf_bench "$REPS" 1000000 "$WORKERS" forkjoin $fj_counts | sed 's/^FJ /FJCAF /' | show
fi
# Counting in a fresh process (a producer sends 1,000,000 messages to one
# counter), first round and warm rounds, against Erlang/OTP's (when erl is
# installed: bench/erl_counting.erl, as many schedulers as workers),
# alternating, three processes each.
if command -v erlc >/dev/null 2>&1 && command -v erl >/dev/null 2>&1; then
    erldir=$(mktemp -d)
    erlc -o "$erldir" "$(dirname "$0")/erl_counting.erl"
    for i in 1 2 3; do
        RAPTORS_WORKERS="$WORKERS" "$MPIEXEC" --bind-to none $fwd -np 1 bench/forkjoin "$REPS" 1000000 1 |
            sed -n 's/^FJ 1 /RAPCOUNT /p' >> "$raw"
        erl +S "$WORKERS:$WORKERS" -noshell -pa "$erldir" -s erl_counting main "$REPS" 1000000 -s init stop |
            grep '^ERLCOUNT ' >> "$raw"
    done
    rm -rf "$erldir"
    awk 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
         /^RAPCOUNT / { rf[++nr] = $2; rw[nr] = $3 } /^ERLCOUNT / { ef[++ne] = $2; ew[ne] = $3 }
         END { if (nr == 0 || ne == 0) exit
               a = med(rf, nr); b = med(rw, nr); c = med(ef, ne); d = med(ew, ne)
               printf "Counting, first round of a fresh process: Raptors %.0f (warm %.0f: %.2fx), Erlang %.0f (warm %.0f): %.2fx Erlang\n", a, b, a / b, c, d, a / c
               printf "ROW|Counting first round vs Erlang|messages/s|%.0f|Erlang/OTP first round|%.0f\n", a, c
               printf "ROW|Counting first round vs warm|messages/s|%.0f|Raptors warm round|%.0f\n", a, b }' "$raw" |
        tee -a "$raw" | grep -v '^ROW|' || true
fi
# More of the Savina suite (many-to-many with replies, a broker, a spawn
# tree) with 1 and 2 workers, alternating, three processes each: the 2
# workers' figure against the 1 worker's (medians of the processes' medians).
for i in 1 2 3; do
    for w in 1 2; do
        RAPTORS_WORKERS=$w "$MPIEXEC" --bind-to none $fwd -np 1 bench/savina "$REPS" |
            sed -n "s/^SAV /SAV$w /p" >> "$raw"
    done
done
awk 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
     /^SAV[12] / { w = substr($1, 4); k = $2; if (!(k in seen)) { seen[k] = 1; order[++no] = k }
                   n[k, w]++; v[k, w, n[k, w]] = $4; f[k, w, n[k, w]] = $3 }
     END { print "# Savina, 2 workers against 1 (per second; medians of 3 processes, first rounds in brackets)"
           for (o = 1; o <= no; o++) { k = order[o]
             for (w = 1; w <= 2; w++) { delete x; for (i = 1; i <= n[k, w]; i++) x[i] = v[k, w, i]; m[w] = med(x, n[k, w])
                                        delete x; for (i = 1; i <= n[k, w]; i++) x[i] = f[k, w, i]; fr[w] = med(x, n[k, w]) }
             printf "%-10s 1 worker %12.0f (%.0f), 2 workers %12.0f (%.0f): %.2fx\n", k, m[1], fr[1], m[2], fr[2], m[2] / m[1]
             printf "ROW|savina %s, 2 workers|per second|%.0f|1 worker|%.0f\n", k, m[2], m[1] } }' "$raw" |
    tee -a "$raw" | grep -v '^ROW|' || true
# The same three programs in CAF (caf_bench ... savina, as many threads as
# workers), three processes, against Raptors' figures with that many workers.
if [ -x bench/caf_bench ]; then
    for i in 1 2 3; do
        bench/caf_bench "$REPS" 1000000 "$WORKERS" savina | grep '^SAVCAF ' >> "$raw"
    done
    awk -v w="$WORKERS" 'function med(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
         $1 == "SAV" w { k = $2; if (!(k in seen)) { seen[k] = 1; order[++no] = k }; nr[k]++; r[k, nr[k]] = $4; rf[k, nr[k]] = $3 }
         $1 == "SAVCAF" { k = $2; nc[k]++; c[k, nc[k]] = $4; cf[k, nc[k]] = $3 }
         END { if (no == 0) exit
               print "# Savina against CAF 0.17 (" w " workers / threads; per second, medians of 3 processes, first rounds in brackets)"
               for (o = 1; o <= no; o++) { k = order[o]; if (nc[k] == 0) continue
                 delete x; for (i = 1; i <= nr[k]; i++) x[i] = r[k, i]; a = med(x, nr[k])
                 delete x; for (i = 1; i <= nr[k]; i++) x[i] = rf[k, i]; af = med(x, nr[k])
                 delete x; for (i = 1; i <= nc[k]; i++) x[i] = c[k, i]; b = med(x, nc[k])
                 delete x; for (i = 1; i <= nc[k]; i++) x[i] = cf[k, i]; bf = med(x, nc[k])
                 printf "%-10s Raptors %12.0f (%.0f), CAF %12.0f (%.0f): %.2fx\n", k, a, af, b, bf, a / b
                 printf "ROW|savina %s vs CAF|per second|%.0f|CAF 0.17|%.0f\n", k, a, b } }' "$raw" |
        tee -a "$raw" | grep -v '^ROW|' || true
fi
awk '/^FJRAP / { r[$2] = $4; o[++n] = $2 } /^FJCAF / { c[$2] = $4 }
     END { for (i = 1; i <= n; i++) { k = o[i]
             printf "ROW|fork-join %d targets|messages/s|%s|CAF 0.17|%s\n", k, r[k], (k in c) ? c[k] : "" } }' "$raw" >> "$raw"

awk -v csv="$out/bench.csv" -v json="$out/bench.json" -v workers="$WORKERS" -v machine="$machine" '
function add(name, unit, rap, bname, base,    ratio) {
    ratio = (base + 0 > 0) ? sprintf("%.2f", rap / base) : "";
    n++; N[n] = name; U[n] = unit; R[n] = rap; B[n] = bname; V[n] = base; Q[n] = ratio;
}
/^ROW\|/ { split($0, f, "|"); add(f[2], f[3], f[4], f[5], f[6]); next }
/^BENCH / { rap[$2] = $3; order[++m] = $2; next }
/^CAF / { caf[$2] = $3; next }
/^PROF(off|on|trace) / { k = $2; if (!(k in pn)) porder[++pm] = k; pn[k] = 1; pv[$1, k, ++pc[$1, k]] = $3; next }
function median(mode, k,    n, i, j, t, v) {
    n = pc[mode, k];
    for (i = 1; i <= n; i++) v[i] = pv[mode, k, i];
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t; }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2;
}
END {
    for (i = 1; i <= pm; i++) {
        k = porder[i];
        add("profile on: " k, (k == "Handlers10us") ? "handlers/s" : "messages/s", median("PROFon", k),
            "RAPTORS_PROFILE=off", median("PROFoff", k));
        if (pc["PROFtrace", k] > 0)
            add("trace on: " k, (k == "Handlers10us") ? "handlers/s" : "messages/s", median("PROFtrace", k),
                "RAPTORS_PROFILE=on, no trace", median("PROFon", k));
    }
    for (i = 1; i <= m; i++) {
        k = order[i];
        unit = (k == "SpawnMemory") ? "bytes/actor" : (k == "Spawn" || k == "Destroy") ? "actors/s" : "messages/s";
        add(k, unit, rap[k], "CAF 0.17, " workers " threads", (k in caf) ? caf[k] : "");
    }
    printf "\n%-24s %-12s %14s %14s  %-30s %7s\n", "benchmark", "unit", "raptors", "baseline", "baseline is", "ratio";
    print "benchmark,unit,raptors,baseline,baseline_is,ratio" > csv;
    printf "{\"machine\": \"%s\", \"rows\": [\n", machine > json;
    for (i = 1; i <= n; i++) {
        printf "%-24s %-12s %14s %14s  %-30s %7s\n", N[i], U[i], R[i], (V[i] == "" ? "-" : V[i]), B[i], (Q[i] == "" ? "-" : Q[i] "x");
        printf "%s,%s,%s,%s,%s,%s\n", N[i], U[i], R[i], V[i], B[i], Q[i] > csv;
        printf "  {\"benchmark\": \"%s\", \"unit\": \"%s\", \"raptors\": %s, \"baseline\": %s, \"baseline_is\": \"%s\", \"ratio\": %s}%s\n",
            N[i], U[i], R[i], (V[i] == "" ? "null" : V[i]), B[i], (Q[i] == "" ? "null" : Q[i]), (i < n ? "," : "") > json;
    }
    print "]}" > json;
}' "$raw"
echo "(written: $out/bench.csv, $out/bench.json)"
