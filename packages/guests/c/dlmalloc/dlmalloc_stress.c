/*
 * dlmalloc_stress: a seeded malloc/realloc/free stress with byte checks, for
 * Doug Lea's dlmalloc configured mmap-only (HAVE_MORECORE 0, HAVE_MMAP 1,
 * HAVE_MREMAP 1, USE_DL_PREFIX), linked from the copy Debian's emscripten
 * package ships (/usr/share/emscripten/system/lib/dlmalloc.c, compiled
 * unchanged at test time, never copied into this repository). Every byte of a
 * block is checked when it is freed or reallocated (the kept prefix), so a
 * mapping that lost, moved or zeroed bytes it should not have is caught.
 *
 *   dlmalloc_stress [steps=N] [seed=N]
 *
 * Prints one line, then exits 0 (ok), 2 (a check failed) or 3 (out of memory):
 *   OSAL-DLMALLOC {"status":"ok","steps":..,"completedSteps":..,"peakLiveBytes":..,
 *                  "peakMemoryBytes":..,"memoryBytes":..,"message":".."}
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *dlmalloc(size_t);
void dlfree(void *);
void *dlrealloc(void *, size_t);

#define SLOTS 512

struct slot {
  unsigned char *p;
  size_t n;
  uint32_t tag;
};

static struct slot slots[SLOTS];
static uint32_t state;
static size_t live, peak_live, peak_memory;

static uint32_t next(void) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

static size_t memory_bytes(void) {
#ifdef __wasm__
  return (size_t)__builtin_wasm_memory_size(0) * 65536u;
#else
  return 0;
#endif
}

static void sample(void) {
  if (live > peak_live) peak_live = live;
  size_t m = memory_bytes();
  if (m > peak_memory) peak_memory = m;
}

/* Mostly small blocks, some medium, a few large ones (served by whole mmaps and mremap). */
static size_t pick_size(void) {
  uint32_t r = next() % 100;
  if (r < 70) return 1 + next() % 512;
  if (r < 96) return 512 + next() % (64 * 1024);
  return 256 * 1024 + next() % (1024 * 1024);
}

static unsigned char pattern(uint32_t tag, size_t k) {
  return (unsigned char)(tag + k * 31u + (k >> 8));
}

static void fill(struct slot *s, size_t from) {
  for (size_t k = from; k < s->n; k++) s->p[k] = pattern(s->tag, k);
}

static int intact(const struct slot *s, size_t upto) {
  for (size_t k = 0; k < upto; k++)
    if (s->p[k] != pattern(s->tag, k)) return 0;
  return 1;
}

static int report(const char *status, unsigned steps, unsigned done, const char *message, int code) {
  printf("OSAL-DLMALLOC {\"status\":\"%s\",\"steps\":%u,\"completedSteps\":%u,\"peakLiveBytes\":%zu,"
         "\"peakMemoryBytes\":%zu,\"memoryBytes\":%zu,\"message\":\"%s\"}\n",
         status, steps, done, peak_live, peak_memory, memory_bytes(), message);
  return code;
}

int main(int argc, char **argv) {
  unsigned steps = 20000;
  state = 0x05a1u;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "steps=", 6) == 0) steps = (unsigned)strtoul(argv[i] + 6, NULL, 10);
    if (strncmp(argv[i], "seed=", 5) == 0) state = (uint32_t)strtoul(argv[i] + 5, NULL, 10) | 1u;
  }
  for (unsigned step = 0; step < steps; step++) {
    struct slot *s = &slots[next() % SLOTS];
    if (s->p == NULL) {
      s->n = pick_size();
      s->tag = next();
      s->p = dlmalloc(s->n);
      if (s->p == NULL) return report("out-of-memory", steps, step, "malloc returned NULL", 3);
      fill(s, 0);
      live += s->n;
    } else if (next() % 2 == 0) {
      if (!intact(s, s->n)) return report("check-failed", steps, step, "bytes changed before free", 2);
      dlfree(s->p);
      live -= s->n;
      s->p = NULL;
    } else {
      size_t n = pick_size();
      unsigned char *q = dlrealloc(s->p, n);
      if (q == NULL) return report("out-of-memory", steps, step, "realloc returned NULL", 3);
      s->p = q;
      size_t kept = n < s->n ? n : s->n;
      if (!intact(s, kept)) return report("check-failed", steps, step, "bytes changed by realloc", 2);
      live = live - s->n + n;
      s->n = n;
      fill(s, kept);
    }
    sample();
  }
  for (unsigned i = 0; i < SLOTS; i++) {
    if (slots[i].p == NULL) continue;
    if (!intact(&slots[i], slots[i].n))
      return report("check-failed", steps, steps, "bytes changed at the end", 2);
    dlfree(slots[i].p);
  }
  live = 0;
  return report("ok", steps, steps, "completed", 0);
}
