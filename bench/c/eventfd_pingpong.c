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
#define BENCH_PROG "eventfd_pingpong"
#include "common.h"

#include <sys/eventfd.h>
#include <unistd.h>

static int efd_ping = -1; /* main thread blocks here */
static int efd_pong = -1; /* pong thread blocks here */
static long total_rt;

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

static inline int round_trip(void) {
  kick(efd_pong);
  wait_on(efd_ping);
  return 0;
}

int main(int argc, char **argv) {
  long n = 100000, reps = 1;
  if (!parse_args(argc, argv, &n, &reps, NULL, NULL))
    return usage(argv[0], "[N round trips] [R repetitions]");

  efd_ping = eventfd(0, EFD_CLOEXEC);
  efd_pong = eventfd(0, EFD_CLOEXEC);
  if (efd_ping < 0 || efd_pong < 0) die("eventfd", errno);

  struct sampler s;
  sampler_init(&s, n, reps);
  total_rt = sampler_round_trips(&s);

  pthread_t th = spawn_thread(pong_main, NULL);
  sampler_run(&s, round_trip);
  pthread_join(th, NULL);
  close(efd_ping);
  close(efd_pong);

  sampler_json_begin(&s, "eventfd_pingpong");
  json_end();
  free(s.samples);
  return 0;
}
