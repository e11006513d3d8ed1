/*
 * The shared harness of the osal guests: one header every workload includes.
 *
 * It picks the mmap family (osal imports with -DGUEST_MMAN_OSAL, the libc's
 * own otherwise), wraps every call to count calls and failures, gives a
 * deterministic PRNG, sparse byte checks (zeros after map, stamps intact after
 * remap and partial unmap), figures (peak live bytes, peak linear memory), and
 * prints them as one line:
 *
 *   OSAL-RESULT {"workload":...,"mman":...,"status":...,...}
 *
 * Exit status: 0 completed; 2 a check failed; 3 out of memory (mmap ENOMEM);
 * 4 a call the workload needs failed (ENOSYS, EINVAL, ...). On a stop the line
 * says at which step and why, and a human-readable message goes to stderr.
 */
#ifndef GUEST_H
#define GUEST_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#if defined(GUEST_MMAN_OSAL)
#define OSAL_MMAN_REPLACE_LIBC
#include <osal/mman.h>
#define GUEST_MMAN_NAME "osal"
#else
#include <sys/mman.h>
#define GUEST_MMAN_NAME "libc"
#endif

#if defined(__EMSCRIPTEN__)
#define GUEST_TOOLCHAIN "emscripten"
#else
#define GUEST_TOOLCHAIN "wasi"
#endif

#define GUEST_KIB ((size_t)1024)
#define GUEST_MIB (1024 * GUEST_KIB)

/* Run parameters, from argv ("steps=N", "page=N", "seed=N"). */
struct guest_params {
  long steps;    /* workload steps to run */
  size_t page;   /* granule the workload aligns its ranges to (>= backend page size) */
  uint64_t seed; /* PRNG seed */
};

/* Parses argv over the defaults; exits 4 on a malformed argument. */
struct guest_params guest_start(const char *workload, int argc, char **argv, long default_steps);

/* The step the workload is at (shown when it stops). */
void guest_set_step(long step);

/* Live bytes as the workload counts them (mapped, in use); the peak is tracked. */
void guest_live_add(size_t bytes);
void guest_live_sub(size_t bytes);

/*
 * Adds a figure of the workload's own to the result line, as "name":value
 * (at most GUEST_MAX_FIGURES names; setting a name again replaces its value).
 */
#define GUEST_MAX_FIGURES 4
void guest_figure(const char *name, size_t value);

/* Samples the linear memory size (call after every step). */
void guest_sample(void);

/* Deterministic PRNG (xorshift64*). */
uint64_t guest_rand(void);
/* Uniform in [0, n). */
uint64_t guest_below(uint64_t n);

/* Wrapped calls: count calls and failures, otherwise exactly the chosen mman. */
void *guest_mmap(void *addr, size_t len, int prot, int flags);
int guest_munmap(void *addr, size_t len);
void *guest_mremap(void *addr, size_t old_len, size_t new_len, int flags);
int guest_mprotect(void *addr, size_t len, int prot);
int guest_madvise(void *addr, size_t len, int advice);

/* Sparse checks: one word every GUEST_STRIDE bytes, plus the last word. */
#define GUEST_STRIDE 4096
/* Checks the range reads as zeros; stops with status "check-failed" otherwise. */
void guest_expect_zero(const void *addr, size_t len, const char *what);
/* Writes a stamp derived from `tag` into the range. */
void guest_stamp(void *addr, size_t len, uint32_t tag);
/* Checks the stamps written by guest_stamp(addr', len', tag) for the sub-range [addr, addr+len). */
void guest_expect_stamp(const void *base, const void *addr, size_t len, uint32_t tag, const char *what);

/* Stops: out of memory at this step (exit 3), naming the call that failed. */
_Noreturn void guest_oom(const char *call, size_t len);
/* Stops: a call the workload needs failed (exit 4). */
_Noreturn void guest_call_failed(const char *call, int err);
/* Stops: a check failed (exit 2). */
_Noreturn void guest_check_failed(const char *what, const void *addr);
/* Stops if `ptr` is MAP_FAILED: ENOMEM -> guest_oom, else guest_call_failed. */
void guest_require_map(void *ptr, const char *call, size_t len);
/*
 * Stops (check failed) unless `ptr` is 4 KiB-aligned, as POSIX promises for
 * mmap. Workloads that align by over-mapping and trimming rely on it: with an
 * unaligned result (wasi-libc's emulation returns malloc + a header) the
 * trimmed range runs past the mapping and overwrites the neighbour.
 */
void guest_expect_page_aligned(const void *ptr);
/* Completed: prints the result line and returns 0 for main to return. */
int guest_finish(void);

#endif /* GUEST_H */
