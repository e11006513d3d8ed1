/*
 * Four threads stressing the mmap family at once (threads_stress.h), one
 * wasm instance per thread on a shared memory: the wasi-threads shape. The
 * main instance calls the import `wasi` `thread-spawn(start_arg) -> tid`; the
 * host starts a new instance of this module in a worker, on the same memory,
 * which calls its export `wasi_thread_start(tid, start_arg)`
 * (wasi_thread_start.s sets the thread's stack, then calls thread_entry).
 *
 * Freestanding (no libc): Debian's wasi-libc (2022-05) has no threads sysroot
 * (its libpthread.a is empty) and its objects are built without atomics, so
 * wasm-ld refuses to link them into a shared memory. The mman calls are the
 * raw `osal` imports (osal/mman.h's, Linux numbers, -errno results); results
 * are read by the host from `reports` (struct stress_report, see the header),
 * and each thread says "thread <tid>: ok" on stdout through WASI's fd_write
 * (node:wasi or a browser WASI in each thread's worker).
 *
 * Exports: start(operations, seed) -> threads spawned (or a negative tid),
 * done() -> threads finished, reports() -> address of the 4 reports,
 * report_size() -> sizeof(struct stress_report).
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

__attribute__((import_module("osal"), import_name("mmap")))
int32_t osal_sys_mmap(int32_t addr, int32_t len, int32_t prot, int32_t flags, int32_t fd, int64_t off);
__attribute__((import_module("osal"), import_name("munmap")))
int32_t osal_sys_munmap(int32_t addr, int32_t len);
__attribute__((import_module("osal"), import_name("mremap")))
int32_t osal_sys_mremap(int32_t old, int32_t old_len, int32_t new_len, int32_t flags, int32_t new_addr);
__attribute__((import_module("osal"), import_name("page_size")))
int32_t osal_sys_page_size(void);
__attribute__((import_module("wasi"), import_name("thread-spawn")))
int32_t wasi_thread_spawn(void *start_arg);

struct ciovec {
  const void *buf;
  uint32_t len;
};
__attribute__((import_module("wasi_snapshot_preview1"), import_name("fd_write")))
int32_t wasi_fd_write(int32_t fd, const struct ciovec *iovs, int32_t count, uint32_t *written);

#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 0x02
#define MAP_ANONYMOUS 0x20
#define MREMAP_MAYMOVE 1
#define MAP_FAILED ((void *)-1)

static int is_error(int32_t r) { return r < 0 && r >= -4095; }
static void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off) {
  int32_t r = osal_sys_mmap((int32_t)(uintptr_t)addr, (int32_t)len, prot, flags, fd, off);
  return is_error(r) ? MAP_FAILED : (void *)(uintptr_t)(uint32_t)r;
}
static int munmap(void *addr, size_t len) {
  return is_error(osal_sys_munmap((int32_t)(uintptr_t)addr, (int32_t)len)) ? -1 : 0;
}
static void *mremap(void *old, size_t old_len, size_t new_len, int flags) {
  int32_t r = osal_sys_mremap((int32_t)(uintptr_t)old, (int32_t)old_len, (int32_t)new_len, flags, 0);
  return is_error(r) ? MAP_FAILED : (void *)(uintptr_t)(uint32_t)r;
}

/* No stdio: the first problem is named by its format text. */
#define STRESS_PROBLEM(r, format, ...)                                        \
  do {                                                                        \
    if ((r)->problem[0] == 0) {                                               \
      const char *from = (format);                                            \
      size_t n = 0;                                                           \
      for (; from[n] != 0 && n + 1 < sizeof (r)->problem; n++) (r)->problem[n] = from[n]; \
      (r)->problem[n] = 0;                                                    \
    }                                                                         \
  } while (0)
#define STRESS_PAGE_SIZE() ((size_t)osal_sys_page_size())
#include "threads_stress.h"

#define STACK_SIZE (64 * 1024)

/* What thread-spawn's start_arg points to; stack_top first (wasi_thread_start.s reads it). */
struct start {
  uintptr_t stack_top;
  uint32_t index;
  uint32_t operations;
  uint64_t seed;
};

static _Alignas(16) unsigned char stacks[STRESS_THREADS][STACK_SIZE];
static struct start starts[STRESS_THREADS];
static struct stress_report reports_[STRESS_THREADS];
static _Atomic uint32_t finished;

/* Writes "thread <tid>: ok\n" (or "failed") to stdout through the thread's own WASI. */
static void say(int32_t tid, int ok) {
  char line[32] = "thread ";
  size_t n = 7;
  char digits[12];
  size_t d = 0;
  uint32_t v = (uint32_t)tid;
  do {
    digits[d++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (d > 0) line[n++] = digits[--d];
  const char *tail = ok ? ": ok\n" : ": failed\n";
  for (size_t i = 0; tail[i] != 0; i++) line[n++] = tail[i];
  struct ciovec iov = {line, (uint32_t)n};
  uint32_t written;
  wasi_fd_write(1, &iov, 1, &written);
}

/* Called by wasi_thread_start (wasi_thread_start.s) on the thread's own stack. */
void thread_entry(int32_t tid, struct start *start) {
  struct stress_report *r = &reports_[start->index];
  stress_run(r, start->index + 1, start->operations, start->seed);
  say(tid, r->owned_twice == 0 && r->bad_stamps == 0 && r->left_mapped == 0 && r->failed_calls == 0);
  atomic_fetch_add(&finished, 1);
}

__attribute__((export_name("start"))) int32_t start(uint32_t operations, uint32_t seed) {
  for (uint32_t t = 0; t < STRESS_THREADS; t++) {
    starts[t] = (struct start){
        .stack_top = (uintptr_t)(stacks[t] + STACK_SIZE),
        .index = t,
        .operations = operations,
        .seed = seed,
    };
    int32_t tid = wasi_thread_spawn(&starts[t]);
    if (tid < 0) return tid;
  }
  return STRESS_THREADS;
}

__attribute__((export_name("done"))) uint32_t done(void) { return atomic_load(&finished); }
__attribute__((export_name("reports"))) struct stress_report *reports(void) { return reports_; }
__attribute__((export_name("report_size"))) uint32_t report_size(void) {
  return sizeof(struct stress_report);
}
