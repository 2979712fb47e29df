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
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
  _Alignas(64) uint32_t v;
  char pad[60];
} turn;

static long total_rt;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

static void die(const char *what, int err) {
  fprintf(stderr, "spin_pingpong: %s: %s\n", what, strerror(err));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void wait_for(uint32_t want) {
  while (__atomic_load_n(&turn.v, __ATOMIC_ACQUIRE) != want) cpu_relax();
}

static inline void round_trip(void) {
  __atomic_store_n(&turn.v, 1, __ATOMIC_RELEASE); /* hand to pong */
  wait_for(0);                                    /* wait for it back */
}

static void *pong_main(void *arg) {
  (void)arg;
  for (long i = 0; i < total_rt; i++) {
    wait_for(1);
    __atomic_store_n(&turn.v, 0, __ATOMIC_RELEASE);
  }
  return NULL;
}

static int is_number(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

int main(int argc, char **argv) {
  long n = 100000, reps = 1;
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    if (!is_number(argv[i]) || npos > 1) goto usage;
    if (npos++ == 0) n = atol(argv[i]);
    else reps = atol(argv[i]);
  }
  if (n < 1 || reps < 1) goto usage;

  long batch = n / 100;
  if (batch < 1) batch = 1;
  if (batch > 1000) batch = 1000;
  long nbatches = n / batch;
  long warmup = n / 10 > 0 ? n / 10 : 1;
  total_rt = warmup + nbatches * batch * reps;

  double *samples = malloc(sizeof(double) * (size_t)(nbatches * reps));
  if (!samples) die("malloc", errno);

  pthread_t th;
  int rc = pthread_create(&th, NULL, pong_main, NULL);
  if (rc != 0) die("pthread_create", rc);

  for (long i = 0; i < warmup; i++) round_trip();
  long ns = 0;
  for (long r = 0; r < reps; r++) {
    for (long b = 0; b < nbatches; b++) {
      uint64_t t0 = now_ns();
      for (long i = 0; i < batch; i++) round_trip();
      uint64_t t1 = now_ns();
      samples[ns++] = (double)(t1 - t0) / (double)batch;
    }
  }
  pthread_join(th, NULL);

  printf("{\"name\":\"spin_pingpong\",\"unit\":\"ns\",\"samples\":[");
  for (long i = 0; i < ns; i++) printf(i ? ",%.3f" : "%.3f", samples[i]);
  printf("],\"n\":%ld,\"reps\":%ld,\"batch\":%ld}\n", n, reps, batch);
  free(samples);
  return 0;

usage:
  fprintf(stderr, "usage: %s [N round trips] [R repetitions]\n", argv[0]);
  return 2;
}
