/*
 * spin_pingpong: two threads hand a token back and forth by busy-waiting on
 * one shared word (0 = main thread's turn, 1 = pong thread's turn). No
 * syscalls, no sched_yield: a pure cache-line transfer between two cores
 * (with a CPU pause hint inside the spin loop). Nothing is pinned.
 *
 *   usage: spin_pingpong [N=100000] [R=1]
 *
 * Sampling: the N round trips of each repetition are split into batches of
 * B = clamp(N / 100, 1, 1000) round trips; each batch yields one sample, the
 * mean ns per round trip of that batch. A single round trip (~100 ns) is too
 * short to time individually (clock_gettime costs tens of ns), and if the OS
 * deschedules one spinner a whole batch is hit, which the median over ~100
 * batches per run discards. A warm-up of N/10 round trips is not recorded.
 *
 * NOTE: with only two cores, anything else runnable stalls the hand-off for a
 * whole scheduler slice; outlier batches are expected and the median is the
 * figure to use.
 *
 * Output: one JSON line
 *   {"name":"spin_pingpong","unit":"ns","samples":[...],"n":..,"reps":..,"batch":..}
 *
 * Build: cc -O2 -pthread -o spin_pingpong spin_pingpong.c
 */
#define _GNU_SOURCE
#define BENCH_PROG "spin_pingpong"
#include "common.h"

static struct padded_word turn;

static long total_rt;

static inline void wait_for(uint32_t want) {
  while (__atomic_load_n(&turn.v, __ATOMIC_ACQUIRE) != want) cpu_relax();
}

static inline int round_trip(void) {
  __atomic_store_n(&turn.v, 1, __ATOMIC_RELEASE); /* hand to pong */
  wait_for(0);                                    /* wait for it back */
  return 0;
}

static void *pong_main(void *arg) {
  (void)arg;
  for (long i = 0; i < total_rt; i++) {
    wait_for(1);
    __atomic_store_n(&turn.v, 0, __ATOMIC_RELEASE);
  }
  return NULL;
}

int main(int argc, char **argv) {
  long n = 100000, reps = 1;
  if (!parse_args(argc, argv, &n, &reps, NULL, NULL))
    return usage(argv[0], "[N round trips] [R repetitions]");

  struct sampler s;
  sampler_init(&s, n, reps);
  total_rt = sampler_round_trips(&s);

  pthread_t th = spawn_thread(pong_main, NULL);
  sampler_run(&s, round_trip);
  pthread_join(th, NULL);

  sampler_json_begin(&s, "spin_pingpong");
  json_end();
  free(s.samples);
  return 0;
}
