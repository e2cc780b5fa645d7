// bench/caf_bench.cpp -- the CAF 0.17 baseline for bench/local_rate.c: the
// same five benchmarks with the same definitions and message counts, on
// the same number of scheduler threads as Raptors' workers.  Prints
// "BENCH name median min max" lines that bench/run.sh joins.
//
//   ./bench/caf_bench [reps] [messages] [threads]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "caf/all.hpp"

using namespace caf;

using done_atom = atom_constant<atom("done")>;
using go_atom = atom_constant<atom("go")>;
using get_atom = atom_constant<atom("get")>;

namespace {

constexpr int ring_size = 100;
constexpr int fanout = 16;
constexpr int spawns = 1000000;

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

long rss_kib() {
  std::ifstream f("/proc/self/status");
  std::string key;
  long v = 0;
  while (f >> key) {
    if (key == "VmRSS:") {
      f >> v;
      return v;
    }
  }
  return 0;
}

// PingPong and ThreadRing: a count travels from actor to actor; the actor
// that sees 0 tells the waiting main thread.
struct hop_state {
  actor next;
  actor main_;
};

behavior hop(stateful_actor<hop_state>* self, actor main_) {
  self->state.main_ = main_;
  return {
    [=](actor next) { self->state.next = next; },
    [=](int64_t left) {
      if (left == 0)
        self->send(self->state.main_, done_atom::value);
      else
        self->send(self->state.next, left - 1);
    },
  };
}

struct count_state {
  int64_t n = 0;
};

// Counting's counter (answers get with its count) and ForkJoin's workers
// (each tells main when it has its share).
behavior counter(stateful_actor<count_state>* self, int64_t want, actor main_) {
  return {
    [=](int64_t) {
      if (++self->state.n == want)
        self->send(main_, done_atom::value);
    },
    [=](get_atom, actor reply_to) { self->send(reply_to, self->state.n); },
  };
}

behavior producer(event_based_actor* self) {
  return {
    [=](go_atom, std::vector<actor> targets, int64_t msgs, actor main_) {
      for (int64_t i = 0; i < msgs; ++i)
        self->send(targets[static_cast<size_t>(i) % targets.size()], int64_t{1});
      if (targets.size() == 1)
        self->send(targets[0], get_atom::value, main_);
    },
  };
}

behavior empty_actor(event_based_actor*) {
  return {[](int) {}};
}

double median(std::vector<double> v, double* lo, double* hi) {
  std::sort(v.begin(), v.end());
  *lo = v.front();
  *hi = v.back();
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void report(const char* name, const std::vector<double>& v, const char* unit) {
  double lo, hi, m = median(v, &lo, &hi);
  std::printf("%-22s %12.0f (%.0f-%.0f) %s\n", name, m, lo, hi, unit);
  std::printf("BENCH %s %.0f %.0f %.0f\n", name, m, lo, hi);
}

} // namespace

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  int64_t msgs = argc > 2 ? std::atol(argv[2]) : 1000000;
  int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  actor_system_config cfg;
  cfg.set("scheduler.max-threads", threads);
  actor_system sys{cfg};
  scoped_actor self{sys};
  actor main_ = actor_cast<actor>(self);
  // "caf_bench REPS MSGS THREADS forkjoin T...": fork-join alone, swept over
  // the target counts, as bench/forkjoin prints it ("FJ t first median min max").
  if (argc > 4 && std::string(argv[4]) == "forkjoin") {
    auto p = sys.spawn(producer);
    for (int k = 5; k < argc; ++k) {
      int t = std::atoi(argv[k]);
      if (t < 1) continue;
      std::vector<double> v;
      double first = 0;
      for (int r = -1; r < reps; ++r) {
        int64_t share = msgs / t;
        std::vector<actor> fan;
        for (int i = 0; i < t; ++i)
          fan.push_back(sys.spawn(counter, share, main_));
        double t0 = now();
        self->send(p, go_atom::value, fan, share * t, main_);
        for (int i = 0; i < t; ++i)
          self->receive([](done_atom) {});
        double rate = share * t / (now() - t0);
        if (r < 0) first = rate; else v.push_back(rate);
        for (auto& x : fan)
          anon_send_exit(x, exit_reason::user_shutdown);
      }
      double lo, hi, m = median(v, &lo, &hi);
      std::printf("%5d targets: %12.0f first, %12.0f (%.0f-%.0f) CAF\n", t, first, m, lo, hi);
      std::printf("FJ %d %.0f %.0f %.0f %.0f\n", t, first, m, lo, hi);
    }
    anon_send_exit(p, exit_reason::user_shutdown);
    return 0;
  }
  std::vector<double> pingpong, ring, counting, fork, spawn;
  double bytes_per_actor = 0;

  auto a = sys.spawn(hop, main_), b = sys.spawn(hop, main_);
  self->send(a, b);
  self->send(b, a);
  std::vector<actor> nodes;
  for (int i = 0; i < ring_size; ++i)
    nodes.push_back(sys.spawn(hop, main_));
  for (int i = 0; i < ring_size; ++i)
    self->send(nodes[i], nodes[(i + 1) % ring_size]);

  // r == -1 is a warm-up (memory first touched, caches), not counted; the
  // memory per spawned actor is measured in it (the first spawns).
  for (int r = -1; r < reps; ++r) {
    double t0 = now();
    self->send(a, msgs);
    self->receive([](done_atom) {});
    if (r >= 0) pingpong.push_back(msgs / (now() - t0));

    t0 = now();
    self->send(nodes[0], msgs);
    self->receive([](done_atom) {});
    if (r >= 0) ring.push_back(msgs / (now() - t0));

    auto c = sys.spawn(counter, int64_t{-1}, main_);
    auto p = sys.spawn(producer);
    t0 = now();
    self->send(p, go_atom::value, std::vector<actor>{c}, msgs, main_);
    int64_t counted = 0;
    self->receive([&](int64_t n) { counted = n; });
    if (r >= 0) counting.push_back(msgs / (now() - t0));
    if (counted != msgs)
      std::fprintf(stderr, "Counting: counted %ld of %ld\n", (long) counted, (long) msgs);

    int64_t share = msgs / fanout;
    std::vector<actor> fan;
    for (int i = 0; i < fanout; ++i)
      fan.push_back(sys.spawn(counter, share, main_));
    t0 = now();
    self->send(p, go_atom::value, fan, share * fanout, main_);
    for (int i = 0; i < fanout; ++i)
      self->receive([](done_atom) {});
    if (r >= 0) fork.push_back(share * fanout / (now() - t0));
    for (auto& x : fan)
      anon_send_exit(x, exit_reason::user_shutdown);
    anon_send_exit(c, exit_reason::user_shutdown);
    anon_send_exit(p, exit_reason::user_shutdown);

    std::vector<actor> many;
    many.reserve(spawns);
    long rss0 = rss_kib();
    t0 = now();
    for (int i = 0; i < spawns; ++i)
      many.push_back(sys.spawn<lazy_init>(empty_actor));
    if (r >= 0) spawn.push_back(spawns / (now() - t0));
    if (r == -1)
      bytes_per_actor = (rss_kib() - rss0) * 1024.0 / spawns;
    for (auto& x : many)
      anon_send_exit(x, exit_reason::user_shutdown);
  }
  std::printf("# CAF %d.%d same-rank actor benchmarks, per second: medians of %d runs; %d thread(s)\n",
              CAF_MAJOR_VERSION, CAF_MINOR_VERSION, reps, threads);
  report("PingPong", pingpong, "messages/s");
  report("ThreadRing", ring, "messages/s");
  report("Counting", counting, "messages/s");
  report("ForkJoin", fork, "messages/s");
  report("Spawn", spawn, "actors/s");
  std::printf("%-22s %12.0f bytes per actor (RSS growth over 1,000,000 spawns, warm-up run)\n",
              "SpawnMemory", bytes_per_actor);
  std::printf("BENCH SpawnMemory %.0f %.0f %.0f\n", bytes_per_actor, bytes_per_actor,
              bytes_per_actor);
  anon_send_exit(a, exit_reason::user_shutdown);
  anon_send_exit(b, exit_reason::user_shutdown);
  for (auto& x : nodes)
    anon_send_exit(x, exit_reason::user_shutdown);
  return 0;
}
