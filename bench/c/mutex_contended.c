/*
 * mutex_contended: pthread_mutex_t cost, two modes.
 *
 *   usage: mutex_contended [M=100000] [R=21] [contended|uncontended]
 *
 * contended (default): two threads each do M x { lock; counter++; unlock } on
 *   one default pthread_mutex_t. Both threads start together (spin barrier),
 *   each records its own start/end; a repetition's sample is
 *   (latest end - earliest start) / (2 M) = ns per increment. "mops" is the
 *   throughput derived from the median sample (1000 / median ns = millions of
 *   increments per second). The final counter is checked (exit 1 if wrong).
 * uncontended: one thread does M x { lock; counter++; unlock }; a
 *   repetition's sample is total time / M = ns per lock+unlock pair.
 *
 * Sampling: one sample per repetition (R samples) after one discarded warm-up
 * repetition. Contended throughput cannot be batch-sampled within one run
 * (two threads overlap; a batch barrier would dominate the ~10-20 ns
 * operation), and for the uncontended ~5 ns op a whole repetition (M ops) keeps
 * clock overhead negligible. R = 21 by default gives a stable median.
 * Nothing is pinned.
 *
 * Output: one JSON line
 *   {"name":"mutex_contended"|"mutex_uncontended","unit":"ns","samples":[...],
 *    "n":..,"reps":..[,"mops":..]}
 *
 * Build: cc -O2 -pthread -o mutex_contended mutex_contended.c
 */
#define _GNU_SOURCE
#define BENCH_PROG "mutex_contended"
#include "common.h"

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static _Alignas(64) uint64_t counter; /* protected by mtx */
static _Alignas(64) uint32_t arrived; /* spin barrier */

static long m_ops, total_reps;
static uint64_t t_start[2][1024], t_end[2][1024];

static inline void locked_increments(long m) {
  for (long i = 0; i < m; i++) {
    pthread_mutex_lock(&mtx);
    counter++;
    pthread_mutex_unlock(&mtx);
  }
}

static void run_contender(int id) {
  for (long r = 0; r < total_reps; r++) {
    /* barrier: both threads arrive before either starts repetition r */
    uint32_t target = (uint32_t)(2 * (r + 1));
    __atomic_fetch_add(&arrived, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < target) cpu_relax();
    t_start[id][r] = now_ns();
    locked_increments(m_ops);
    t_end[id][r] = now_ns();
  }
}

static void *contender_main(void *arg) {
  run_contender((int)(intptr_t)arg);
  return NULL;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  static const char *const keywords[] = {"contended", "uncontended", NULL};
  long n = 100000, reps = 21;
  int kw = 0; /* contended by default */
  if (!parse_args(argc, argv, &n, &reps, keywords, &kw) || reps > 1000)
    return usage(argv[0], "[M ops per thread] [R repetitions <= 1000] [contended|uncontended]");
  int contended = kw == 0;

  m_ops = n;
  total_reps = reps + 1; /* repetition 0 is a discarded warm-up */
  double *samples = malloc(sizeof(double) * (size_t)reps);
  if (!samples) die("malloc", errno);

  if (contended) {
    pthread_t th = spawn_thread(contender_main, (void *)(intptr_t)1);
    run_contender(0);
    pthread_join(th, NULL);
    uint64_t expect = (uint64_t)m_ops * 2u * (uint64_t)total_reps;
    if (counter != expect) {
      fprintf(stderr, "mutex_contended: counter %llu != expected %llu\n",
              (unsigned long long)counter, (unsigned long long)expect);
      return 1;
    }
    for (long r = 1; r < total_reps; r++) {
      uint64_t s = t_start[0][r] < t_start[1][r] ? t_start[0][r] : t_start[1][r];
      uint64_t e = t_end[0][r] > t_end[1][r] ? t_end[0][r] : t_end[1][r];
      samples[r - 1] = (double)(e - s) / (double)(2 * m_ops);
    }
  } else {
    for (long r = 0; r < total_reps; r++) {
      uint64_t t0 = now_ns();
      locked_increments(m_ops);
      uint64_t t1 = now_ns();
      if (r > 0) samples[r - 1] = (double)(t1 - t0) / (double)m_ops;
    }
    if (counter != (uint64_t)m_ops * (uint64_t)total_reps) {
      fprintf(stderr, "mutex_contended: counter mismatch\n");
      return 1;
    }
  }

  json_begin(contended ? "mutex_contended" : "mutex_uncontended", samples, reps, n, reps);
  if (contended) {
    double *sorted = malloc(sizeof(double) * (size_t)reps);
    if (!sorted) die("malloc", errno);
    memcpy(sorted, samples, sizeof(double) * (size_t)reps);
    qsort(sorted, (size_t)reps, sizeof(double), cmp_double);
    double med = reps % 2 ? sorted[reps / 2]
                          : (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2.0;
    printf(",\"mops\":%.3f", med > 0 ? 1000.0 / med : 0.0);
    free(sorted);
  }
  json_end();
  free(samples);
  return 0;
}
