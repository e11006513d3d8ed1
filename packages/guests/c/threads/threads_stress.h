/*
 * The threads stress of the osal guests, shared by the Emscripten pthreads
 * build (threads.c) and the instance-per-thread build (wasi_threads.c).
 *
 * Each thread keeps a few regions of its own and, many thousand times, maps
 * one (fresh pages must read zero), stamps every page with its owner, thread
 * serial and page index, grows or shrinks one with mremap(MREMAP_MAYMOVE)
 * (stamps must survive the move, new pages read zero), punches a hole in one
 * (munmap of a middle page), and unmaps one (run by run, around its holes). Before
 * unmapping, every stamp is checked. A table shared by all threads (one owner
 * word per page) is claimed with a compare-and-swap whenever a page is handed
 * to a thread and released before the thread gives the page back: a claim
 * that finds another owner is a page owned twice.
 *
 * Needs from the includer: the mman calls (mmap, munmap, mremap) as Linux
 * declares them and STRESS_PAGE_SIZE() (the backend's page size); optionally
 * STRESS_PROBLEM(report, format, ...) (default: snprintf into the report).
 */
#ifndef THREADS_STRESS_H
#define THREADS_STRESS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define STRESS_THREADS 4
#define STRESS_SLOTS 8
#define STRESS_MAX_PAGES 12
/* Owner words for a 4 GiB address space of 4 KiB pages (the smallest page). */
#define STRESS_OWNER_WORDS (1u << 20)

struct stress_slot {
  uintptr_t base;   /* 0: empty */
  uint32_t pages;   /* pages the region spans (holes included) */
  uint32_t holes;   /* bit i: page i was unmapped (a hole) */
  uint32_t serial;  /* stamp serial of the region */
};

/* What one thread did and found. */
struct stress_report {
  uint32_t id;
  uint32_t operations;
  uint32_t maps, remaps, moves, holes, unmaps;
  uint32_t failed_calls;   /* mman calls that returned an error */
  uint32_t owned_twice;    /* claims that found another owner */
  uint32_t bad_stamps;     /* stamps not intact, fresh pages not zero */
  uint32_t left_mapped;    /* pages still held at the end (must be 0) */
  uint64_t highest;        /* highest address end the thread held */
  char problem[120];       /* the first problem found, for the report */
};

/* Records the first problem; an includer without stdio defines its own. */
#ifndef STRESS_PROBLEM
#include <errno.h>
#include <stdio.h>
#define STRESS_PROBLEM(r, ...) \
  do { if ((r)->problem[0] == 0) snprintf((r)->problem, sizeof (r)->problem, __VA_ARGS__); } while (0)
#endif

static _Atomic uint32_t stress_owners[STRESS_OWNER_WORDS];

static uint64_t stress_next(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

static uint32_t stress_below(uint64_t *state, uint32_t n) {
  return (uint32_t)(stress_next(state) >> 33) % n;
}

static uint64_t stress_stamp(uint32_t id, uint32_t serial, uint32_t page) {
  return ((uint64_t)id << 56) | ((uint64_t)(serial & 0xffffff) << 32) | (page * 2654435761u);
}

/* Claims `pages` pages at `base` for thread `id` in the shared owner table. */
static void stress_claim(struct stress_report *r, uintptr_t base, uint32_t pages, size_t page) {
  for (uint32_t i = 0; i < pages; i++) {
    uint32_t expected = 0;
    size_t word = (base / page + i) % STRESS_OWNER_WORDS;
    if (!atomic_compare_exchange_strong(&stress_owners[word], &expected, r->id)) {
      r->owned_twice++;
      STRESS_PROBLEM(r, "claim of page 0x%lx found owner %u", (unsigned long)(base + i * page), expected);
    }
  }
}

static void stress_release(struct stress_report *r, uintptr_t base, uint32_t pages, size_t page) {
  for (uint32_t i = 0; i < pages; i++) {
    uint32_t expected = r->id;
    size_t word = (base / page + i) % STRESS_OWNER_WORDS;
    if (!atomic_compare_exchange_strong(&stress_owners[word], &expected, 0)) {
      r->owned_twice++;
      STRESS_PROBLEM(r, "release of page 0x%lx found owner %u", (unsigned long)(base + i * page), expected);
    }
  }
}

/* Writes the stamp of page `i` of a region at its first, middle and last word. */
static void stress_write(struct stress_report *r, uintptr_t base, uint32_t i, uint32_t serial,
                         size_t page) {
  uint64_t s = stress_stamp(r->id, serial, i);
  volatile uint64_t *p = (volatile uint64_t *)(base + (uintptr_t)i * page);
  p[0] = s;
  p[page / 16] = s ^ 1;
  p[page / 8 - 1] = s ^ 2;
}

static void stress_check(struct stress_report *r, uintptr_t base, uint32_t i, uint32_t serial,
                         size_t page) {
  uint64_t s = stress_stamp(r->id, serial, i);
  volatile uint64_t *p = (volatile uint64_t *)(base + (uintptr_t)i * page);
  if (p[0] != s || p[page / 16] != (s ^ 1) || p[page / 8 - 1] != (s ^ 2)) {
    r->bad_stamps++;
    STRESS_PROBLEM(r, "stamp of page 0x%lx: %llx, not %llx", (unsigned long)(base + i * page), (unsigned long long)p[0], (unsigned long long)s);
  }
}

static void stress_check_zero(struct stress_report *r, uintptr_t base, uint32_t i, size_t page) {
  volatile uint64_t *p = (volatile uint64_t *)(base + (uintptr_t)i * page);
  if (p[0] != 0 || p[page / 16] != 0 || p[page / 8 - 1] != 0) {
    r->bad_stamps++;
    STRESS_PROBLEM(r, "fresh page 0x%lx reads %llx", (unsigned long)(base + i * page), (unsigned long long)p[0]);
  }
}

static void stress_note_end(struct stress_report *r, uintptr_t base, uint32_t pages, size_t page) {
  uint64_t end = (uint64_t)base + (uint64_t)pages * page;
  if (end > r->highest) r->highest = end;
}

static void stress_map(struct stress_report *r, struct stress_slot *s, uint64_t *rng,
                       size_t page) {
  uint32_t pages = 1 + stress_below(rng, STRESS_MAX_PAGES / 2);
  void *p = mmap(NULL, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    r->failed_calls++;
    STRESS_PROBLEM(r, "mmap of %u pages failed: errno %d", pages, errno);
    return;
  }
  uintptr_t base = (uintptr_t)p;
  stress_claim(r, base, pages, page);
  s->base = base;
  s->pages = pages;
  s->holes = 0;
  s->serial = r->maps++;
  stress_note_end(r, base, pages, page);
  for (uint32_t i = 0; i < pages; i++) {
    stress_check_zero(r, base, i, page);
    stress_write(r, base, i, s->serial, page);
  }
}

/*
 * Unmaps a region run by run: a hole may already be another thread's page
 * again, so the holes are never part of an munmap.
 */
static void stress_unmap(struct stress_report *r, struct stress_slot *s, size_t page) {
  uint32_t i = 0;
  while (i < s->pages) {
    if (s->holes & (1u << i)) {
      i++;
      continue;
    }
    uint32_t first = i;
    for (; i < s->pages && !(s->holes & (1u << i)); i++) {
      stress_check(r, s->base, i, s->serial, page);
      stress_release(r, s->base + (uintptr_t)i * page, 1, page);
    }
    if (munmap((void *)(s->base + (uintptr_t)first * page), (i - first) * page) != 0) {
      r->failed_calls++;
      STRESS_PROBLEM(r, "munmap failed: errno %d", errno);
    }
  }
  s->base = 0;
  r->unmaps++;
}

static void stress_hole(struct stress_report *r, struct stress_slot *s, uint64_t *rng,
                        size_t page) {
  uint32_t i = 1 + stress_below(rng, s->pages - 2);
  if (s->holes & (1u << i)) return;
  stress_check(r, s->base, i, s->serial, page);
  stress_release(r, s->base + (uintptr_t)i * page, 1, page);
  if (munmap((void *)(s->base + (uintptr_t)i * page), page) != 0) {
    r->failed_calls++;
    STRESS_PROBLEM(r, "munmap of a hole failed: errno %d", errno);
  }
  s->holes |= 1u << i;
  r->holes++;
}

static void stress_remap(struct stress_report *r, struct stress_slot *s, uint64_t *rng,
                         size_t page) {
  uint32_t pages = 1 + stress_below(rng, STRESS_MAX_PAGES);
  if (pages == s->pages) return;
  uint32_t kept = pages < s->pages ? pages : s->pages;
  for (uint32_t i = 0; i < s->pages; i++) stress_check(r, s->base, i, s->serial, page);
  /* Released before the call: once it returns, another thread may get the old pages. */
  stress_release(r, s->base, s->pages, page);
  void *p = mremap((void *)s->base, s->pages * page, pages * page, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) {
    r->failed_calls++;
    STRESS_PROBLEM(r, "mremap of 0x%lx from %u to %u pages failed: errno %d", (unsigned long)s->base, s->pages, pages, errno);
    stress_claim(r, s->base, s->pages, page);
    return;
  }
  uintptr_t base = (uintptr_t)p;
  stress_claim(r, base, pages, page);
  if (base != s->base) r->moves++;
  r->remaps++;
  stress_note_end(r, base, pages, page);
  for (uint32_t i = 0; i < kept; i++) stress_check(r, base, i, s->serial, page);
  for (uint32_t i = kept; i < pages; i++) {
    stress_check_zero(r, base, i, page);
    stress_write(r, base, i, s->serial, page);
  }
  s->base = base;
  s->pages = pages;
}

/* Runs `operations` random operations for thread `id` (1-based) and fills `r`. */
static void stress_run(struct stress_report *r, uint32_t id, uint32_t operations, uint64_t seed) {
  size_t page = STRESS_PAGE_SIZE();
  struct stress_slot slots[STRESS_SLOTS] = {0};
  uint64_t rng = seed * 0x9E3779B97F4A7C15ULL + id;
  if (rng == 0) rng = 1;
  *r = (struct stress_report){.id = id, .operations = operations};
  for (uint32_t op = 0; op < operations; op++) {
    struct stress_slot *s = &slots[stress_below(&rng, STRESS_SLOTS)];
    if (s->base == 0) {
      stress_map(r, s, &rng, page);
      continue;
    }
    uint32_t kind = stress_below(&rng, 3);
    if (kind == 0 && s->holes == 0) {
      stress_remap(r, s, &rng, page);
    } else if (kind == 1 && s->pages >= 3) {
      stress_hole(r, s, &rng, page);
    } else {
      stress_unmap(r, s, page);
    }
  }
  for (uint32_t k = 0; k < STRESS_SLOTS; k++) {
    if (slots[k].base != 0) stress_unmap(r, &slots[k], page);
  }
  for (size_t w = 0; w < STRESS_OWNER_WORDS; w++) {
    if (atomic_load(&stress_owners[w]) == id) r->left_mapped++;
  }
}

#endif
