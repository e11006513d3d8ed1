/* The shared harness of the osal guests; see guest.h. */
#include "guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(GUEST_MMAN_OSAL) && defined(__wasi__)
/*
 * wasi-libc's emulated mman has only mmap and munmap: the others fail the way
 * a libc without them would, ENOSYS, so the workload reports it.
 */
static void *libc_mremap(void *addr, size_t old_len, size_t new_len, int flags) {
  (void)addr, (void)old_len, (void)new_len, (void)flags;
  errno = ENOSYS;
  return MAP_FAILED;
}
static int libc_mprotect(void *addr, size_t len, int prot) {
  (void)addr, (void)len, (void)prot;
  errno = ENOSYS;
  return -1;
}
static int libc_madvise(void *addr, size_t len, int advice) {
  (void)addr, (void)len, (void)advice;
  errno = ENOSYS;
  return -1;
}
#define GUEST_MREMAP(a, o, n, f) libc_mremap(a, o, n, f)
#define GUEST_MPROTECT libc_mprotect
#define GUEST_MADVISE libc_madvise
#else
#define GUEST_MREMAP(a, o, n, f) mremap(a, o, n, f, NULL)
#define GUEST_MPROTECT mprotect
#define GUEST_MADVISE madvise
#endif

enum { CALL_MMAP, CALL_MUNMAP, CALL_MREMAP, CALL_MPROTECT, CALL_MADVISE, CALL_COUNT };
static const char *const call_names[CALL_COUNT] = {"mmap", "munmap", "mremap", "mprotect", "madvise"};

static const char *workload_name = "?";
static struct guest_params params;
static long current_step = 0;
static uint64_t rng_state;
static size_t live_bytes, peak_live_bytes;
static size_t peak_memory_bytes;
static unsigned long calls[CALL_COUNT], failed[CALL_COUNT];

static size_t memory_bytes(void) {
  return (size_t)__builtin_wasm_memory_size(0) * 65536u;
}

static int parse_number(const char *text, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0') return 0;
  *out = value;
  return 1;
}

struct guest_params guest_start(const char *workload, int argc, char **argv, long default_steps) {
  workload_name = workload;
  params.steps = default_steps;
  params.page = 64 * GUEST_KIB;
  params.seed = 0x6f73616c2d677374ull;
  for (int i = 1; i < argc; i++) {
    uint64_t value = 0;
    const char *arg = argv[i];
    if (strncmp(arg, "steps=", 6) == 0 && parse_number(arg + 6, &value) && value > 0) {
      params.steps = (long)value;
    } else if (strncmp(arg, "page=", 5) == 0 && parse_number(arg + 5, &value) && value >= 4096 &&
               (value & (value - 1)) == 0) {
      params.page = (size_t)value;
    } else if (strncmp(arg, "seed=", 5) == 0 && parse_number(arg + 5, &value)) {
      params.seed = value;
    } else {
      fprintf(stderr, "%s: bad argument '%s' (use steps=N page=POW2 seed=N)\n", workload, arg);
      exit(4);
    }
  }
  rng_state = params.seed ? params.seed : 1;
  guest_sample();
  return params;
}

void guest_set_step(long step) { current_step = step; }

void guest_live_add(size_t bytes) {
  live_bytes += bytes;
  if (live_bytes > peak_live_bytes) peak_live_bytes = live_bytes;
}

void guest_live_sub(size_t bytes) { live_bytes -= bytes; }

static const char *figure_names[GUEST_MAX_FIGURES];
static size_t figure_values[GUEST_MAX_FIGURES];
static int figure_count;

void guest_figure(const char *name, size_t value) {
  for (int i = 0; i < figure_count; i++) {
    if (strcmp(figure_names[i], name) == 0) {
      figure_values[i] = value;
      return;
    }
  }
  if (figure_count == GUEST_MAX_FIGURES) guest_call_failed("guest_figure (too many figures)", EINVAL);
  figure_names[figure_count] = name;
  figure_values[figure_count++] = value;
}

void guest_sample(void) {
  size_t now = memory_bytes();
  if (now > peak_memory_bytes) peak_memory_bytes = now;
}

uint64_t guest_rand(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dull;
}

uint64_t guest_below(uint64_t n) { return (guest_rand() >> 11) % n; }

static void count(int call, int ok) {
  calls[call]++;
  if (!ok) failed[call]++;
}

void *guest_mmap(void *addr, size_t len, int prot, int flags) {
  void *p = mmap(addr, len, prot, flags, -1, 0);
  count(CALL_MMAP, p != MAP_FAILED);
  guest_sample();
  return p;
}

int guest_munmap(void *addr, size_t len) {
  int r = munmap(addr, len);
  count(CALL_MUNMAP, r == 0);
  return r;
}

void *guest_mremap(void *addr, size_t old_len, size_t new_len, int flags) {
  void *p = GUEST_MREMAP(addr, old_len, new_len, flags);
  count(CALL_MREMAP, p != MAP_FAILED);
  guest_sample();
  return p;
}

int guest_mprotect(void *addr, size_t len, int prot) {
  int r = GUEST_MPROTECT(addr, len, prot);
  count(CALL_MPROTECT, r == 0);
  return r;
}

int guest_madvise(void *addr, size_t len, int advice) {
  int r = GUEST_MADVISE(addr, len, advice);
  count(CALL_MADVISE, r == 0);
  return r;
}

static uint32_t stamp_word(uint32_t tag, size_t offset) {
  return (tag * 2654435761u) ^ (uint32_t)(offset / 4) ^ 0x5a5a0000u;
}

void guest_expect_zero(const void *addr, size_t len, const char *what) {
  const unsigned char *p = addr;
  for (size_t o = 0; o < len; o += GUEST_STRIDE) {
    size_t last = (o + GUEST_STRIDE <= len ? o + GUEST_STRIDE : len) - 4;
    if (*(const uint32_t *)(p + o) != 0) guest_check_failed(what, p + o);
    if (*(const uint32_t *)(p + last) != 0) guest_check_failed(what, p + last);
  }
}

void guest_stamp(void *addr, size_t len, uint32_t tag) {
  unsigned char *p = addr;
  for (size_t o = 0; o < len; o += GUEST_STRIDE) {
    size_t last = (o + GUEST_STRIDE <= len ? o + GUEST_STRIDE : len) - 4;
    *(uint32_t *)(p + o) = stamp_word(tag, o);
    *(uint32_t *)(p + last) = stamp_word(tag, last);
  }
}

void guest_expect_stamp(const void *base, const void *addr, size_t len, uint32_t tag, const char *what) {
  const unsigned char *b = base;
  size_t from = (size_t)((const unsigned char *)addr - b);
  for (size_t o = from; o < from + len; o += GUEST_STRIDE) {
    size_t last = o + GUEST_STRIDE - 4;
    if (*(const uint32_t *)(b + o) != stamp_word(tag, o)) guest_check_failed(what, b + o);
    if (last < from + len && *(const uint32_t *)(b + last) != stamp_word(tag, last)) {
      guest_check_failed(what, b + last);
    }
  }
}

static void print_counts(const char *name, const unsigned long *values) {
  printf("\"%s\":{", name);
  for (int i = 0; i < CALL_COUNT; i++) printf("%s\"%s\":%lu", i ? "," : "", call_names[i], values[i]);
  printf("}");
}

static void print_result(const char *status, const char *message) {
  guest_sample();
  printf("OSAL-RESULT {\"workload\":\"%s\",\"toolchain\":\"%s\",\"mman\":\"%s\",\"status\":\"%s\","
         "\"steps\":%ld,\"completedSteps\":%ld,\"page\":%zu,\"liveBytes\":%zu,\"peakLiveBytes\":%zu,"
         "\"memoryBytes\":%zu,\"peakMemoryBytes\":%zu,",
         workload_name, GUEST_TOOLCHAIN, GUEST_MMAN_NAME, status, params.steps,
         current_step, params.page, live_bytes, peak_live_bytes, memory_bytes(),
         peak_memory_bytes);
  print_counts("calls", calls);
  printf(",");
  print_counts("failedCalls", failed);
  for (int i = 0; i < figure_count; i++) printf(",\"%s\":%zu", figure_names[i], figure_values[i]);
  printf(",\"message\":\"%s\"}\n", message);
  fflush(stdout);
}

_Noreturn static void stop(int code, const char *status, const char *message) {
  fprintf(stderr, "%s (%s, %s): stopped at step %ld: %s\n", workload_name, GUEST_TOOLCHAIN, GUEST_MMAN_NAME,
          current_step, message);
  print_result(status, message);
  exit(code);
}

_Noreturn void guest_oom(const char *call, size_t len) {
  char message[160];
  snprintf(message, sizeof message, "%s of %zu bytes: out of memory with %zu bytes live and %zu bytes of linear memory",
           call, len, live_bytes, memory_bytes());
  stop(3, "out-of-memory", message);
}

/* Linux's name of a libc errno value: messages name ENOMEM, never a WASI number. */
static const char *errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EBADF: return "EBADF";
    case ENODEV: return "ENODEV";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "ENOTSUP";
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    default: return "EOTHER";
  }
}

_Noreturn void guest_call_failed(const char *call, int err) {
  char message[160];
  snprintf(message, sizeof message, "%s failed with %s (%s)", call, errno_name(err), strerror(err));
  stop(4, "call-failed", message);
}

_Noreturn void guest_check_failed(const char *what, const void *addr) {
  char message[160];
  snprintf(message, sizeof message, "check failed: %s at 0x%zx", what, (size_t)(uintptr_t)addr);
  stop(2, "check-failed", message);
}

void guest_require_map(void *ptr, const char *call, size_t len) {
  if (ptr != MAP_FAILED) return;
  if (errno == ENOMEM) guest_oom(call, len);
  guest_call_failed(call, errno);
}

void guest_expect_page_aligned(const void *ptr) {
  if ((uintptr_t)ptr % 4096 != 0) guest_check_failed("mmap result is page-aligned (4 KiB at least)", ptr);
}

int guest_finish(void) {
  current_step = params.steps;
  print_result("ok", "completed");
  return 0;
}
