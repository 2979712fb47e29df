/*
 * futex_pingpong: two threads hand a token back and forth through raw
 * FUTEX_WAIT / FUTEX_WAKE on two shared 32-bit words (one per thread).
 *
 *   usage: futex_pingpong [N=100000] [R=1] [samecore]
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
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct padded_word {
  _Alignas(64) uint32_t v;
  char pad[60];
};

static struct padded_word ping_word; /* main thread sleeps here */
static struct padded_word pong_word; /* pong thread sleeps here */

static long total_rt;   /* round trips the pong thread must answer */
static int pin_cpu = -1; /* >= 0: pin both threads to this CPU */
static uint64_t pong_waits, pong_blocked;

static void die(const char *what) {
  fprintf(stderr, "futex_pingpong: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static long futex(uint32_t *addr, int op, uint32_t val) {
  return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* Give the token to the owner of `w` and wake it. Always issues the wake
 * syscall (like Atomics.notify after every store). */
static inline void give(uint32_t *w) {
  __atomic_store_n(w, 1, __ATOMIC_RELEASE);
  if (futex(w, FUTEX_WAKE_PRIVATE, 1) < 0) die("FUTEX_WAKE");
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
      die("FUTEX_WAIT");
    }
  }
  __atomic_store_n(w, 0, __ATOMIC_RELAXED);
  return slept;
}

static void pin_self(void) {
  if (pin_cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(pin_cpu, &set);
  int rc = pthread_setaffinity_np(pthread_self(), sizeof set, &set);
  if (rc != 0) {
    errno = rc;
    die("pthread_setaffinity_np");
  }
}

static void *pong_main(void *arg) {
  (void)arg;
  pin_self();
  for (long i = 0; i < total_rt; i++) {
    pong_blocked += (uint64_t)take(&pong_word.v);
    pong_waits++;
    give(&ping_word.v);
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
  int npos = 0, samecore = 0;
  for (int i = 1; i < argc; i++) {
    if (is_number(argv[i])) {
      long v = atol(argv[i]);
      if (npos == 0) n = v;
      else if (npos == 1) reps = v;
      else goto usage;
      npos++;
    } else if (strcmp(argv[i], "samecore") == 0) {
      samecore = 1;
    } else {
      goto usage;
    }
  }
  if (n < 1 || reps < 1) goto usage;

  if (samecore) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) die("sched_getaffinity");
    for (int c = 0; c < CPU_SETSIZE; c++) {
      if (CPU_ISSET(c, &set)) {
        pin_cpu = c;
        break;
      }
    }
    if (pin_cpu < 0) {
      fprintf(stderr, "futex_pingpong: empty affinity mask\n");
      return 1;
    }
  }

  long batch = n / 100;
  if (batch < 1) batch = 1;
  if (batch > 1000) batch = 1000;
  long nbatches = n / batch;
  long warmup = n / 10 > 0 ? n / 10 : 1;
  total_rt = warmup + nbatches * batch * reps;

  double *samples = malloc(sizeof(double) * (size_t)(nbatches * reps));
  if (!samples) die("malloc");

  pin_self();
  pthread_t th;
  int rc = pthread_create(&th, NULL, pong_main, NULL);
  if (rc != 0) {
    errno = rc;
    die("pthread_create");
  }

  uint64_t waits = 0, blocked = 0;
  for (long i = 0; i < warmup; i++) {
    give(&pong_word.v);
    blocked += (uint64_t)take(&ping_word.v);
    waits++;
  }
  long ns = 0;
  for (long r = 0; r < reps; r++) {
    for (long b = 0; b < nbatches; b++) {
      uint64_t t0 = now_ns();
      for (long i = 0; i < batch; i++) {
        give(&pong_word.v);
        blocked += (uint64_t)take(&ping_word.v);
      }
      uint64_t t1 = now_ns();
      waits += (uint64_t)batch;
      samples[ns++] = (double)(t1 - t0) / (double)batch;
    }
  }
  pthread_join(th, NULL);
  waits += pong_waits;
  blocked += pong_blocked;

  printf("{\"name\":\"%s\",\"unit\":\"ns\",\"samples\":[",
         samecore ? "futex_pingpong_samecore" : "futex_pingpong");
  for (long i = 0; i < ns; i++) printf(i ? ",%.3f" : "%.3f", samples[i]);
  printf("],\"n\":%ld,\"reps\":%ld,\"batch\":%ld,\"blocked_ratio\":%.4f", n, reps,
         batch, waits ? (double)blocked / (double)waits : 0.0);
  if (samecore) printf(",\"cpu\":%d", pin_cpu);
  printf("}\n");
  free(samples);
  return 0;

usage:
  fprintf(stderr, "usage: %s [N round trips] [R repetitions] [samecore]\n", argv[0]);
  return 2;
}
