// bench/caf_bench.cpp -- the CAF 0.17 baseline for bench/local_rate.c: the
// same five benchmarks with the same definitions and message counts, on
// the same number of scheduler threads as Raptors' workers.  Prints
// "BENCH name median min max" lines that bench/run.sh joins.  With
// "forkjoin T..." fork-join alone over the target counts (bench/forkjoin);
// with "savina" bench/savina's Big, Chameneos and Fib ("SAVCAF" lines).
//
//   ./bench/caf_bench [reps] [messages] [threads] [forkjoin T... | savina]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
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

// ---- Savina's Big, Chameneos and Fib, as bench/savina.c defines them ----

using ping_atom = atom_constant<atom("ping")>;
using pong_atom = atom_constant<atom("pong")>;
using meet_atom = atom_constant<atom("meet")>;
using pair_atom = atom_constant<atom("pair")>;
using change_atom = atom_constant<atom("change")>;
using start_atom = atom_constant<atom("start")>;

constexpr int big_n = 120, big_pings = 8000;
constexpr int ch_creatures = 64, ch_meetings = 200000;
constexpr int fib_n = 22;

struct big_state {
  std::vector<actor> all;
  int idx = 0, left = 0;
  uint64_t rng = 0;
  actor main_;
};

behavior big_actor(stateful_actor<big_state>* self, actor main_) {
  self->state.main_ = main_;
  auto next = [=] {
    auto& s = self->state;
    if (s.left-- == 0) {
      self->send(s.main_, done_atom::value);
      return;
    }
    s.rng ^= s.rng << 13, s.rng ^= s.rng >> 7, s.rng ^= s.rng << 17;
    int to = static_cast<int>(s.rng % (big_n - 1));
    to += to >= s.idx;
    self->send(s.all[static_cast<size_t>(to)], ping_atom::value);
  };
  return {
    [=](go_atom, std::vector<actor> all, int idx) {
      auto& s = self->state;
      s.all = std::move(all);
      s.idx = idx;
      s.left = big_pings;
      s.rng = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(idx + 1);
      next();
    },
    [=](ping_atom) { self->send(actor_cast<actor>(self->current_sender()), pong_atom::value); },
    [=](pong_atom) { next(); },
  };
}

struct mall_state {
  actor waiting;
  bool has_waiting = false;
  int left = ch_meetings;
  actor main_;
};

behavior mall_actor(stateful_actor<mall_state>* self, actor main_) {
  self->state.main_ = main_;
  return {
    [=](meet_atom, int colour) {
      auto& m = self->state;
      if (m.left == 0) return;
      auto from = actor_cast<actor>(self->current_sender());
      if (!m.has_waiting) {
        m.waiting = from;
        m.has_waiting = true;
        return;
      }
      if (--m.left == 0)
        self->send(m.main_, done_atom::value);
      self->send(m.waiting, pair_atom::value, from, colour);
      m.has_waiting = false;
    },
  };
}

int complement(int a, int b) { return a == b ? a : 3 - a - b; }

struct creature_state {
  actor mall;
  int colour = 0, meetings = 0;
};

behavior creature_actor(stateful_actor<creature_state>* self, int colour) {
  self->state.colour = colour;
  return {
    [=](start_atom, actor mall) {
      self->state.mall = mall;
      self->send(mall, meet_atom::value, self->state.colour);
    },
    [=](pair_atom, actor other, int colour) {
      auto& c = self->state;
      self->send(other, change_atom::value, c.colour);
      c.colour = complement(c.colour, colour);
      c.meetings++;
      self->send(c.mall, meet_atom::value, c.colour);
    },
    [=](change_atom, int other) {
      auto& c = self->state;
      c.colour = complement(c.colour, other);
      c.meetings++;
      self->send(c.mall, meet_atom::value, c.colour);
    },
  };
}

struct fib_state {
  actor parent;
  int got = 0;
  long sum = 0;
};

behavior fib_actor(stateful_actor<fib_state>* self, actor parent) {
  self->state.parent = parent;
  return {
    [=](int n) {
      if (n < 2) {
        self->send(self->state.parent, long{n});
        self->quit();
        return;
      }
      for (int k = 1; k <= 2; ++k)
        self->send(self->spawn(fib_actor, actor_cast<actor>(self)), n - k);
    },
    [=](long v) {
      auto& f = self->state;
      f.sum += v;
      if (++f.got == 2) {
        self->send(f.parent, f.sum);
        self->quit();
      }
    },
  };
}

long fib_actors(int n) { return n < 2 ? 1 : 1 + fib_actors(n - 1) + fib_actors(n - 2); }

void savina(actor_system& sys, scoped_actor& self, int reps) {
  actor main_ = actor_cast<actor>(self);
  auto big = [&] {
    std::vector<actor> all;
    for (int i = 0; i < big_n; ++i)
      all.push_back(sys.spawn(big_actor, main_));
    double t0 = now();
    for (int i = 0; i < big_n; ++i)
      self->send(all[static_cast<size_t>(i)], go_atom::value, all, i);
    for (int i = 0; i < big_n; ++i)
      self->receive([](done_atom) {});
    double secs = now() - t0;
    for (auto& x : all)
      anon_send_exit(x, exit_reason::user_shutdown);
    return 2.0 * big_n * big_pings / secs;
  };
  auto chameneos = [&] {
    auto mall = sys.spawn(mall_actor, main_);
    std::vector<actor> cr;
    for (int i = 0; i < ch_creatures; ++i)
      cr.push_back(sys.spawn(creature_actor, i % 3));
    double t0 = now();
    for (auto& c : cr)
      self->send(c, start_atom::value, mall);
    self->receive([](done_atom) {});
    double secs = now() - t0;
    for (auto& c : cr)
      anon_send_exit(c, exit_reason::user_shutdown);
    anon_send_exit(mall, exit_reason::user_shutdown);
    return 4.0 * ch_meetings / secs;
  };
  auto fib = [&] {
    double t0 = now();
    self->send(sys.spawn(fib_actor, main_), fib_n);
    long got = 0;
    self->receive([&](long v) { got = v; });
    double secs = now() - t0;
    if (got != 17711)
      std::fprintf(stderr, "Fib: got %ld\n", got);
    return fib_actors(fib_n) / secs;
  };
  struct prog { const char* name; std::function<double()> fn; } progs[] = {
    {"Big", big}, {"Chameneos", chameneos}, {"Fib", fib}};
  for (auto& p : progs) {
    double first = p.fn();
    std::vector<double> v;
    for (int r = 0; r < reps; ++r)
      v.push_back(p.fn());
    double lo, hi, m = median(v, &lo, &hi);
    std::printf("%-10s %12.0f (%.0f-%.0f), first round %.0f; CAF\n", p.name, m, lo, hi, first);
    std::printf("SAVCAF %s %.0f %.0f %.0f %.0f\n", p.name, first, m, lo, hi);
  }
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
  // "caf_bench REPS MSGS THREADS savina": bench/savina's three programs.
  if (argc > 4 && std::string(argv[4]) == "savina") {
    savina(sys, self, reps);
    return 0;
  }
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
