/*
 * Four pthreads stressing the mmap family at once (threads_stress.h), built
 * with Emscripten -pthread and the drop-in osal flags: a program written for
 * Linux's <sys/mman.h> and <pthread.h>, no osal names in it.
 *
 *   threads.js [ops=N] [seed=N]
 *
 * Prints one line per thread and a total:
 *   THREADS-RESULT {"threads":4,"operations":...,"ownedTwice":0,"badStamps":0,"leftMapped":0,...}
 * Exit status 0 when every check passed, 2 otherwise.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define STRESS_PAGE_SIZE() ((size_t)sysconf(_SC_PAGESIZE))
#include "threads_stress.h"

struct job {
  uint32_t id;
  uint32_t operations;
  uint64_t seed;
  struct stress_report report;
};

static void *thread_main(void *arg) {
  struct job *job = arg;
  stress_run(&job->report, job->id, job->operations, job->seed);
  return NULL;
}

int main(int argc, char **argv) {
  uint32_t operations = 4000;
  uint64_t seed = 1;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "ops=", 4) == 0) operations = (uint32_t)strtoul(argv[i] + 4, NULL, 10);
    else if (strncmp(argv[i], "seed=", 5) == 0) seed = strtoull(argv[i] + 5, NULL, 10);
    else {
      fprintf(stderr, "threads: unknown argument %s (ops=N seed=N)\n", argv[i]);
      return 4;
    }
  }
  static struct job jobs[STRESS_THREADS];
  pthread_t threads[STRESS_THREADS];
  for (uint32_t t = 0; t < STRESS_THREADS; t++) {
    jobs[t] = (struct job){.id = t + 1, .operations = operations, .seed = seed};
    if (pthread_create(&threads[t], NULL, thread_main, &jobs[t]) != 0) {
      fprintf(stderr, "threads: pthread_create failed\n");
      return 4;
    }
  }
  struct stress_report total = {0};
  for (uint32_t t = 0; t < STRESS_THREADS; t++) {
    pthread_join(threads[t], NULL);
    struct stress_report *r = &jobs[t].report;
    printf("THREAD-RESULT {\"thread\":%u,\"operations\":%u,\"maps\":%u,\"remaps\":%u,\"moves\":%u,"
           "\"holes\":%u,\"unmaps\":%u,\"failedCalls\":%u,\"ownedTwice\":%u,\"badStamps\":%u,"
           "\"leftMapped\":%u,\"highest\":%llu,\"problem\":\"%s\"}\n",
           r->id, r->operations, r->maps, r->remaps, r->moves, r->holes, r->unmaps,
           r->failed_calls, r->owned_twice, r->bad_stamps, r->left_mapped,
           (unsigned long long)r->highest, r->problem);
    total.operations += r->operations;
    total.maps += r->maps;
    total.remaps += r->remaps;
    total.moves += r->moves;
    total.holes += r->holes;
    total.unmaps += r->unmaps;
    total.failed_calls += r->failed_calls;
    total.owned_twice += r->owned_twice;
    total.bad_stamps += r->bad_stamps;
    total.left_mapped += r->left_mapped;
    if (r->highest > total.highest) total.highest = r->highest;
  }
  printf("THREADS-RESULT {\"threads\":%u,\"page\":%zu,\"operations\":%u,\"maps\":%u,\"remaps\":%u,"
         "\"moves\":%u,\"holes\":%u,\"unmaps\":%u,\"failedCalls\":%u,\"ownedTwice\":%u,"
         "\"badStamps\":%u,\"leftMapped\":%u,\"highest\":%llu}\n",
         STRESS_THREADS, STRESS_PAGE_SIZE(), total.operations, total.maps, total.remaps,
         total.moves, total.holes, total.unmaps, total.failed_calls, total.owned_twice,
         total.bad_stamps, total.left_mapped, (unsigned long long)total.highest);
  fflush(stdout);
  return total.owned_twice || total.bad_stamps || total.left_mapped || total.failed_calls ? 2 : 0;
}
