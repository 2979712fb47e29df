/*
 * common.h: what the C baselines in this directory share. Header-only, so
 * each program still builds alone (cc -O2 -pthread -o X X.c, Linux only);
 * every program explains its own method in its comment header.
 *
 * Define BENCH_PROG (the program name, used in error messages) and
 * _GNU_SOURCE before including this header.
 *
 *   die(what, err)    "<prog>: <what>: <strerror(err)>" on stderr, exit 1
 *   now_ns()          CLOCK_MONOTONIC in ns
 *   cpu_relax()       CPU pause hint for spin loops
 *   spawn_thread()    pthread_create or die
 *   parse_args()      "[N] [R] [keyword]..." command lines; usage() (exit 2)
 *   struct sampler    the ping-pong batch sampling (see below)
 *   json_begin/end()  the one JSON output line
 *
 * Ping-pong sampling (struct sampler): the N round trips of each of the R
 * repetitions are split into batches of B = clamp(N / 100, 1, 1000) round
 * trips; each batch yields one sample, the mean ns per round trip of that
 * batch. A warm-up of max(N / 10, 1) round trips runs first and is not
 * recorded. The peer thread must answer sampler_round_trips() round trips.
 */
#ifndef BENCH_C_COMMON_H
#define BENCH_C_COMMON_H

#ifndef BENCH_PROG
#error "define BENCH_PROG (the program name) before including common.h"
#endif

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A 32-bit word alone on its 64-byte cache line. */
struct padded_word {
  _Alignas(64) uint32_t v;
  char pad[60];
};

static inline __attribute__((noreturn)) void die(const char *what, int err) {
  fprintf(stderr, BENCH_PROG ": %s: %s\n", what, strerror(err));
  exit(1);
}

static inline uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

static inline pthread_t spawn_thread(void *(*fn)(void *), void *arg) {
  pthread_t th;
  int rc = pthread_create(&th, NULL, fn, arg);
  if (rc != 0) die("pthread_create", rc);
  return th;
}

/* Non-empty and decimal digits only (so no sign). */
static inline int is_number(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

/*
 * Parses the command line: arguments made of digits are N, then R (a third
 * one is an error); any other argument must be one of `keywords`
 * (NULL-terminated; NULL = none accepted) and sets *keyword to its index (the
 * last one wins). *n, *reps and *keyword keep their values when not given.
 * Returns 1 if the command line is valid and N >= 1 and R >= 1, else 0.
 */
static inline int parse_args(int argc, char **argv, long *n, long *reps,
                             const char *const *keywords, int *keyword) {
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    if (is_number(argv[i])) {
      long v = atol(argv[i]);
      if (npos == 0) *n = v;
      else if (npos == 1) *reps = v;
      else return 0;
      npos++;
      continue;
    }
    int k = 0;
    while (keywords && keywords[k] && strcmp(argv[i], keywords[k]) != 0) k++;
    if (!keywords || !keywords[k]) return 0;
    *keyword = k;
  }
  return *n >= 1 && *reps >= 1;
}

/* Prints "usage: <argv0> <args>" to stderr; returns exit code 2. */
static inline int usage(const char *argv0, const char *args) {
  fprintf(stderr, "usage: %s %s\n", argv0, args);
  return 2;
}

struct sampler {
  long n, reps;
  long batch;      /* B: round trips per sample */
  long nbatches;   /* samples per repetition (N / B) */
  long warmup;     /* unrecorded round trips before the first batch */
  long count;      /* samples recorded so far */
  double *samples; /* nbatches * reps */
};

static inline void sampler_init(struct sampler *s, long n, long reps) {
  s->n = n;
  s->reps = reps;
  s->batch = n / 100;
  if (s->batch < 1) s->batch = 1;
  if (s->batch > 1000) s->batch = 1000;
  s->nbatches = n / s->batch;
  s->warmup = n / 10 > 0 ? n / 10 : 1;
  s->count = 0;
  s->samples = malloc(sizeof(double) * (size_t)(s->nbatches * s->reps));
  if (!s->samples) die("malloc", errno);
}

/* Round trips sampler_run() makes, warm-up included. */
static inline long sampler_round_trips(const struct sampler *s) {
  return s->warmup + s->nbatches * s->batch * s->reps;
}

/*
 * Runs the warm-up, then R x nbatches timed batches of B round_trip() calls,
 * recording one sample per batch. Returns the sum of what round_trip()
 * returned (warm-up included). Always inlined, so that with -O2 the
 * round_trip() passed as a constant is inlined into the timed loop (no
 * indirect call is measured).
 */
static inline __attribute__((always_inline)) uint64_t
sampler_run(struct sampler *s, int (*round_trip)(void)) {
  uint64_t sum = 0;
  for (long i = 0; i < s->warmup; i++) sum += (uint64_t)round_trip();
  for (long r = 0; r < s->reps; r++) {
    for (long b = 0; b < s->nbatches; b++) {
      uint64_t t0 = now_ns();
      for (long i = 0; i < s->batch; i++) sum += (uint64_t)round_trip();
      uint64_t t1 = now_ns();
      s->samples[s->count++] = (double)(t1 - t0) / (double)s->batch;
    }
  }
  return sum;
}

/* Starts the output line: {"name":..,"unit":"ns","samples":[..],"n":..,"reps":.. */
static inline void json_begin(const char *name, const double *samples, long count,
                              long n, long reps) {
  printf("{\"name\":\"%s\",\"unit\":\"ns\",\"samples\":[", name);
  for (long i = 0; i < count; i++) printf(i ? ",%.3f" : "%.3f", samples[i]);
  printf("],\"n\":%ld,\"reps\":%ld", n, reps);
}

/* json_begin() with the sampler's samples, then ,"batch":B. */
static inline void sampler_json_begin(const struct sampler *s, const char *name) {
  json_begin(name, s->samples, s->count, s->n, s->reps);
  printf(",\"batch\":%ld", s->batch);
}

/* Ends the output line. */
static inline void json_end(void) { printf("}\n"); }

#endif /* BENCH_C_COMMON_H */
