/*
 * futex_pingpong: two threads hand a token back and forth through raw
 * FUTEX_WAIT / FUTEX_WAKE on two shared 32-bit words (one per thread).
 *
 *   usage: futex_pingpong [N=100000] [R=1] [samecore|crosscore]
 *
 * Every hand-off is "store 1 + FUTEX_WAKE" on the peer's word followed by
 * "FUTEX_WAIT while my word is 0" on our own word, i.e. both threads sleep in
 * the kernel on every round trip unless the reply already arrived before the
 * FUTEX_WAIT (that case is counted; see "blocked_ratio" in the output).
 * This mirrors Atomics.wait / Atomics.notify on the JS side.
 *
 * "samecore" pins both threads to one CPU (the lowest CPU in the process's
 * affinity mask, i.e. CPU 0 on an unrestricted machine) with
 * pthread_setaffinity_np, measuring a pure context-switch hand-off.
 * "crosscore" pins the two threads to the first two CPUs of the mask, one
 * each: a stable cross-CPU wakeup (unpinned, the kernel sometimes keeps both
 * threads on one CPU and the median drops to the same-core figure).
 * Without it nothing is pinned (same as the JS side).
 *
 * Sampling: the N round trips of each repetition are split into batches of
 * B = clamp(N / 100, 1, 1000) round trips; each batch yields one sample, the
 * mean ns per round trip of that batch. Per-round-trip timing would be
 * dominated by clock_gettime cost and scheduler outliers; one sample per run
 * would give too few points. ~100 batch means per run give a median that is
 * robust against the occasional preemption / timer tick inside a batch.
 * A warm-up of N/10 round trips (at least 1) is run first and not recorded.
 *
 * Output: one JSON line
 *   {"name":"futex_pingpong","unit":"ns","samples":[...],"n":..,"reps":..,
 *    "batch":..,"blocked_ratio":..[,"cpu":..]}
 *
 * Build: cc -O2 -pthread -o futex_pingpong futex_pingpong.c   (Linux only)
 */
#define _GNU_SOURCE
#define BENCH_PROG "futex_pingpong"
#include "common.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct padded_word ping_word; /* main thread sleeps here */
static struct padded_word pong_word; /* pong thread sleeps here */

static long total_rt;   /* round trips the pong thread must answer */
static int pin_cpu = -1;  /* >= 0: pin the main thread to this CPU */
static int pong_cpu = -1; /* >= 0: pin the pong thread to this CPU */
static uint64_t pong_waits, pong_blocked;

static long futex(uint32_t *addr, int op, uint32_t val) {
  return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* Give the token to the owner of `w` and wake it. Always issues the wake
 * syscall (like Atomics.notify after every store). */
static inline void give(uint32_t *w) {
  __atomic_store_n(w, 1, __ATOMIC_RELEASE);
  if (futex(w, FUTEX_WAKE_PRIVATE, 1) < 0) die("FUTEX_WAKE", errno);
}

/* Wait until `w` becomes 1, then consume the token (reset to 0).
 * Returns 1 if the thread actually slept in FUTEX_WAIT. */
static inline int take(uint32_t *w) {
  int slept = 0;
  while (__atomic_load_n(w, __ATOMIC_ACQUIRE) == 0) {
    long r = futex(w, FUTEX_WAIT_PRIVATE, 0);
    if (r == 0) {
      slept = 1;
    } else if (errno != EAGAIN && errno != EINTR) {
      die("FUTEX_WAIT", errno);
    }
  }
  __atomic_store_n(w, 0, __ATOMIC_RELAXED);
  return slept;
}

/* Main thread's side of one round trip; returns 1 if it slept. */
static inline int round_trip(void) {
  give(&pong_word.v);
  return take(&ping_word.v);
}

static void pin_self(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) die("pthread_setaffinity_np", rc);
}

static void *pong_main(void *arg) {
  (void)arg;
  pin_self(pong_cpu);
  for (long i = 0; i < total_rt; i++) {
    pong_blocked += (uint64_t)take(&pong_word.v);
    pong_waits++;
    give(&ping_word.v);
  }
  return NULL;
}

int main(int argc, char **argv) {
  static const char *const keywords[] = {"samecore", "crosscore", NULL};
  long n = 100000, reps = 1;
  int kw = -1;
  if (!parse_args(argc, argv, &n, &reps, keywords, &kw))
    return usage(argv[0], "[N round trips] [R repetitions] [samecore|crosscore]");
  int samecore = kw == 0;
  int crosscore = kw == 1;

  if (samecore || crosscore) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) die("sched_getaffinity", errno);
    for (int c = 0; c < CPU_SETSIZE; c++) {
      if (!CPU_ISSET(c, &set)) continue;
      if (pin_cpu < 0) {
        pin_cpu = c;
        if (samecore) break;
      } else {
        pong_cpu = c;
        break;
      }
    }
    if (samecore) pong_cpu = pin_cpu;
    if (pin_cpu < 0 || pong_cpu < 0) {
      fprintf(stderr, "futex_pingpong: %s needs %s CPU(s) in the affinity mask\n",
              samecore ? "samecore" : "crosscore", samecore ? "one" : "two");
      return 1;
    }
  }

  struct sampler s;
  sampler_init(&s, n, reps);
  total_rt = sampler_round_trips(&s);

  pin_self(pin_cpu);
  pthread_t th = spawn_thread(pong_main, NULL);
  uint64_t blocked = sampler_run(&s, round_trip);
  pthread_join(th, NULL);
  /* every round trip is one wait on each side */
  uint64_t waits = (uint64_t)total_rt + pong_waits;
  blocked += pong_blocked;

  sampler_json_begin(&s, samecore    ? "futex_pingpong_samecore"
                          : crosscore ? "futex_pingpong_crosscore"
                                      : "futex_pingpong");
  printf(",\"blocked_ratio\":%.4f", waits ? (double)blocked / (double)waits : 0.0);
  if (samecore) printf(",\"cpu\":%d", pin_cpu);
  json_end();
  free(s.samples);
  return 0;
}
