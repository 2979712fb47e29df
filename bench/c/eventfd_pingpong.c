/*
 * eventfd_pingpong: two threads, each blocking in read() on its own eventfd
 * and waking the peer by write()-ing the peer's eventfd. Every hand-off is a
 * write + blocking read syscall pair, the same shape as a QEMU EventNotifier
 * kick between an iothread and the main loop. Nothing is pinned.
 *
 *   usage: eventfd_pingpong [N=100000] [R=1]
 *
 * Sampling: the N round trips of each repetition are split into batches of
 * B = clamp(N / 100, 1, 1000) round trips; each batch yields one sample, the
 * mean ns per round trip of that batch (~100 samples per run; the median of
 * batch means is robust against occasional preemption inside a batch, and a
 * batch is long enough that clock_gettime cost is negligible). A warm-up of
 * N/10 round trips is not recorded.
 *
 * Output: one JSON line
 *   {"name":"eventfd_pingpong","unit":"ns","samples":[...],"n":..,"reps":..,"batch":..}
 *
 * Build: cc -O2 -pthread -o eventfd_pingpong eventfd_pingpong.c   (Linux only)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

static int efd_ping = -1; /* main thread blocks here */
static int efd_pong = -1; /* pong thread blocks here */
static long total_rt;

static void die(const char *what, int err) {
  fprintf(stderr, "eventfd_pingpong: %s: %s\n", what, strerror(err));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void kick(int fd) {
  uint64_t one = 1;
  for (;;) {
    ssize_t r = write(fd, &one, sizeof one);
    if (r == (ssize_t)sizeof one) return;
    if (r < 0 && errno == EINTR) continue;
    die("write(eventfd)", r < 0 ? errno : EIO);
  }
}

static inline void wait_on(int fd) {
  uint64_t v;
  for (;;) {
    ssize_t r = read(fd, &v, sizeof v);
    if (r == (ssize_t)sizeof v) return;
    if (r < 0 && errno == EINTR) continue;
    die("read(eventfd)", r < 0 ? errno : EIO);
  }
}

static void *pong_main(void *arg) {
  (void)arg;
  for (long i = 0; i < total_rt; i++) {
    wait_on(efd_pong);
    kick(efd_ping);
  }
  return NULL;
}

static inline void round_trip(void) {
  kick(efd_pong);
  wait_on(efd_ping);
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

  efd_ping = eventfd(0, EFD_CLOEXEC);
  efd_pong = eventfd(0, EFD_CLOEXEC);
  if (efd_ping < 0 || efd_pong < 0) die("eventfd", errno);

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
  close(efd_ping);
  close(efd_pong);

  printf("{\"name\":\"eventfd_pingpong\",\"unit\":\"ns\",\"samples\":[");
  for (long i = 0; i < ns; i++) printf(i ? ",%.3f" : "%.3f", samples[i]);
  printf("],\"n\":%ld,\"reps\":%ld,\"batch\":%ld}\n", n, reps, batch);
  free(samples);
  return 0;

usage:
  fprintf(stderr, "usage: %s [N round trips] [R repetitions]\n", argv[0]);
  return 2;
}
