/*
 * mman_selftest: the mmap family's Linux semantics, case by case, in the
 * manner of Linux's tools/testing/selftests/mm (map_fixed_noreplace.c,
 * mremap_test.c, mremap_dontunmap.c), written against plain <sys/mman.h>.
 * The same source runs natively on Linux (every case passes on 6.17 and
 * later: `cc -o t mman_selftest.c && ./t`) and as an osal guest built with
 * only the flags of `osal-guest-flags` (see build.sh).
 *
 * Each case prints one line:
 *   SELFTEST <case> PASS
 *   SELFTEST <case> FAIL <ERRNO> <what>
 * where <ERRNO> is the Linux errno name of the call that failed (or "-" when
 * a call succeeded with the wrong outcome). The host's test compares each
 * line with what the backend's capabilities declare. The program then prints
 * "SELFTEST-DONE <passed> <total>" and exits 0 (a case's failure is data).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static size_t ps;
static int passed, total;
static const char *current;
static int failed;

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case ENOMEM: return "ENOMEM";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case ENODEV: return "ENODEV";
    case EBADF: return "EBADF";
    case ENOTSUP: return "ENOTSUP";
    case ENOSYS: return "ENOSYS";
    default: return "EOTHER";
  }
}

/* Records the case's first failure: a call's errno, or "-" for a wrong outcome. */
static void fail_with(const char *err, const char *what) {
  if (failed) return;
  failed = 1;
  printf("SELFTEST %s FAIL %s %s\n", current, err, what);
}

#define CHECK(cond, what) \
  do { \
    if (!(cond)) { \
      fail_with("-", what); \
      return; \
    } \
  } while (0)

/* A call that must succeed: on failure the case ends with its errno. */
#define MUST(ok, what) \
  do { \
    if (!(ok)) { \
      fail_with(errno_name(errno), what); \
      return; \
    } \
  } while (0)

/* A call that must fail with `want`; failing otherwise ends the case with that errno. */
#define MUST_FAIL(failed_call, want, what) \
  do { \
    errno = 0; \
    if (!(failed_call)) { \
      fail_with("-", what " succeeded"); \
      return; \
    } \
    if (errno != (want)) { \
      fail_with(errno_name(errno), what); \
      return; \
    } \
  } while (0)

static char *page(char *base, long n) {
  return base + n * (long)ps;
}

static void stamp(char *p, size_t len, int v) {
  memset(p, v, len);
}

static int all(const char *p, size_t len, int v) {
  for (size_t i = 0; i < len; i++)
    if (p[i] != (char)v) return 0;
  return 1;
}

/* A free, page-aligned window of n pages: mapped then unmapped, as the Linux selftests find one. */
static char *free_window(long n) {
  char *p = mmap(NULL, n * ps, RW, ANON, -1, 0);
  if (p == MAP_FAILED) return NULL;
  munmap(p, n * ps);
  return p;
}

static char *map_at(char *addr, long pages, int prot, int flags) {
  return mmap(addr, pages * ps, prot, flags, -1, 0);
}

/* ---- map_fixed_noreplace.c ---- */

/* The existing mapping [w+2, w+5) and an attempt at [w+from, w+to). */
static void noreplace_shape(long from, long to, int want_eexist) {
  char *w = free_window(8);
  MUST(w != NULL, "free window");
  char *e = map_at(page(w, 2), 3, RW, ANON | MAP_FIXED_NOREPLACE);
  MUST(e != MAP_FAILED, "mmap existing (MAP_FIXED_NOREPLACE on a free range)");
  CHECK(e == page(w, 2), "MAP_FIXED_NOREPLACE placed elsewhere");
  stamp(e, 3 * ps, 0x5a);
  char *p = map_at(page(w, from), to - from, RW, ANON | MAP_FIXED_NOREPLACE);
  if (want_eexist) {
    CHECK(p == MAP_FAILED, "MAP_FIXED_NOREPLACE over a mapping succeeded");
    if (errno != EEXIST) {
      fail_with(errno_name(errno), "MAP_FIXED_NOREPLACE over a mapping");
      return;
    }
  } else {
    MUST(p != MAP_FAILED, "MAP_FIXED_NOREPLACE beside a mapping");
    CHECK(p == page(w, from), "MAP_FIXED_NOREPLACE placed elsewhere");
    CHECK(all(p, (to - from) * ps, 0), "fresh mapping not zero");
    munmap(p, (to - from) * ps);
  }
  CHECK(all(e, 3 * ps, 0x5a), "existing mapping's bytes changed");
  munmap(e, 3 * ps);
}

static void noreplace_overlap_head(void) { noreplace_shape(1, 3, 1); }
static void noreplace_overlap_tail(void) { noreplace_shape(4, 6, 1); }
static void noreplace_inside(void) { noreplace_shape(3, 4, 1); }
static void noreplace_exact(void) { noreplace_shape(2, 5, 1); }
static void noreplace_covering(void) { noreplace_shape(1, 6, 1); }
static void noreplace_adjacent_before(void) { noreplace_shape(0, 2, 0); }
static void noreplace_adjacent_after(void) { noreplace_shape(5, 7, 0); }

static void fixed_replace_middle(void) {
  char *a = map_at(NULL, 5, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 5 * ps, 1);
  char *p = map_at(page(a, 1), 3, RW, ANON | MAP_FIXED);
  MUST(p != MAP_FAILED, "MAP_FIXED over the middle");
  CHECK(p == page(a, 1), "MAP_FIXED placed elsewhere");
  CHECK(all(p, 3 * ps, 0), "replaced pages not zero");
  CHECK(all(a, ps, 1) && all(page(a, 4), ps, 1), "neighbours' bytes changed");
  munmap(a, 5 * ps);
}

/* ---- mremap_test.c ---- */

static void expand_merge(void) {
  char *a = map_at(NULL, 3, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 3 * ps, 2);
  MUST(munmap(page(a, 1), ps) == 0, "munmap middle");
  char *r = mremap(a, ps, 2 * ps, 0);
  MUST(r != MAP_FAILED, "mremap into the hole");
  CHECK(r == a, "moved");
  CHECK(all(a, ps, 2) && all(page(a, 1), ps, 0) && all(page(a, 2), ps, 2), "bytes");
  munmap(a, 3 * ps);
}

static void expand_merge_offset(void) {
  char *a = map_at(NULL, 4, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 4 * ps, 3);
  MUST(munmap(page(a, 2), ps) == 0, "munmap page 2");
  char *r = mremap(page(a, 1), ps, 2 * ps, 0);
  MUST(r != MAP_FAILED, "mremap page 1 into the hole");
  CHECK(r == page(a, 1), "moved");
  CHECK(all(a, 2 * ps, 3) && all(page(a, 2), ps, 0) && all(page(a, 3), ps, 3), "bytes");
  munmap(a, 4 * ps);
}

static void move_within_range(void) {
  char *w = free_window(16);
  MUST(w != NULL, "free window");
  char *src = map_at(w, 4, RW, ANON | MAP_FIXED);
  MUST(src != MAP_FAILED, "mmap source");
  stamp(src, 4 * ps, 4);
  char *dst = map_at(page(w, 6), 8, RW, ANON | MAP_FIXED);
  MUST(dst != MAP_FAILED, "mmap destination area");
  stamp(dst, 8 * ps, 9);
  char *r = mremap(src, 4 * ps, 4 * ps, MREMAP_MAYMOVE | MREMAP_FIXED, page(dst, 2));
  MUST(r != MAP_FAILED, "mremap MREMAP_FIXED into the area");
  CHECK(r == page(dst, 2), "placed elsewhere");
  CHECK(all(r, 4 * ps, 4), "moved bytes");
  CHECK(all(dst, 2 * ps, 9) && all(page(dst, 6), 2 * ps, 9), "area's other bytes");
  CHECK(map_at(src, 1, RW, ANON | MAP_FIXED_NOREPLACE) == src, "source still mapped");
  munmap(w, 16 * ps);
}

static void fixed_replaces_destination(void) {
  char *src = map_at(NULL, 2, RW, ANON);
  MUST(src != MAP_FAILED, "mmap source");
  stamp(src, 2 * ps, 6);
  char *dst = map_at(NULL, 3, RW, ANON);
  MUST(dst != MAP_FAILED, "mmap destination");
  stamp(dst, 3 * ps, 7);
  char *r = mremap(src, 2 * ps, 3 * ps, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
  MUST(r != MAP_FAILED, "mremap MREMAP_FIXED over a mapping, growing");
  CHECK(r == dst, "placed elsewhere");
  CHECK(all(dst, 2 * ps, 6) && all(page(dst, 2), ps, 0), "bytes: moved then zero");
  munmap(dst, 3 * ps);
}

static void misaligned_source(void) {
  char *a = map_at(NULL, 2, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  MUST_FAIL(mremap(a + 1, ps, 2 * ps, MREMAP_MAYMOVE) == MAP_FAILED, EINVAL, "misaligned source");
  munmap(a, 2 * ps);
}

static void misaligned_destination(void) {
  char *a = map_at(NULL, 2, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  char *w = free_window(4);
  MUST(w != NULL, "free window");
  stamp(a, 2 * ps, 8);
  MUST_FAIL(mremap(a, 2 * ps, 2 * ps, MREMAP_MAYMOVE | MREMAP_FIXED, w + ps / 2) == MAP_FAILED,
            EINVAL, "misaligned destination");
  CHECK(all(a, 2 * ps, 8), "source changed");
  munmap(a, 2 * ps);
}

static void overlapping_destination(void) {
  char *a = map_at(NULL, 4, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 4 * ps, 5);
  MUST_FAIL(mremap(a, 2 * ps, 2 * ps, MREMAP_MAYMOVE | MREMAP_FIXED, page(a, 1)) == MAP_FAILED,
            EINVAL, "overlapping destination");
  CHECK(all(a, 4 * ps, 5), "bytes changed");
  munmap(a, 4 * ps);
}

/* Shrinking in place over two mappings (different protection) and a hole. */
static void shrink_across_mappings(void) {
  char *a = map_at(NULL, 4, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 4 * ps, 1);
  MUST(mprotect(page(a, 2), 2 * ps, PROT_NONE) == 0, "mprotect");
  char *r = mremap(a, 4 * ps, ps, 0);
  MUST(r != MAP_FAILED, "mremap shrink across two mappings");
  CHECK(r == a && all(a, ps, 1), "kept page");
  CHECK(map_at(page(a, 1), 3, RW, ANON | MAP_FIXED_NOREPLACE) == page(a, 1), "rest unmapped");
  munmap(a, 4 * ps);
}

static void shrink_across_hole(void) {
  char *a = map_at(NULL, 4, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 4 * ps, 2);
  MUST(munmap(page(a, 2), ps) == 0, "munmap page 2");
  char *r = mremap(a, 4 * ps, ps, 0);
  MUST(r != MAP_FAILED, "mremap shrink across a hole");
  CHECK(r == a && all(a, ps, 2), "kept page");
  CHECK(map_at(page(a, 1), 3, RW, ANON | MAP_FIXED_NOREPLACE) == page(a, 1), "rest unmapped");
  munmap(a, 4 * ps);
}

/* Moving a range of two mappings: each keeps its protection and bytes, the layout is kept. */
static void move_across(int extra) {
  char *a = map_at(NULL, 4, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 2 * ps, 1);
  stamp(page(a, 2), 2 * ps, 2);
  MUST(mprotect(page(a, 2), 2 * ps, PROT_READ | PROT_WRITE | PROT_EXEC) == 0, "mprotect");
  char *w = free_window(4);
  MUST(w != NULL, "free window");
  char *r = mremap(a, 4 * ps, 4 * ps, MREMAP_MAYMOVE | MREMAP_FIXED | extra, w);
  MUST(r != MAP_FAILED, "mremap a range of two mappings");
  CHECK(r == w, "placed elsewhere");
  CHECK(all(w, 2 * ps, 1) && all(page(w, 2), 2 * ps, 2), "moved bytes");
  if (extra & MREMAP_DONTUNMAP) {
    CHECK(all(a, 4 * ps, 0), "old range not zero");
    munmap(a, 4 * ps);
  } else {
    CHECK(map_at(a, 4, RW, ANON | MAP_FIXED_NOREPLACE) == a, "old range still mapped");
    munmap(a, 4 * ps);
  }
  munmap(w, 4 * ps);
}

static void move_across_mappings(void) { move_across(0); }
static void move_across_mappings_dontunmap(void) { move_across(MREMAP_DONTUNMAP); }

/* ---- mremap_dontunmap.c ---- */

static void dontunmap_simple(void) {
  char *a = map_at(NULL, 5, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 5 * ps, 'a');
  /* The fifth argument is passed (NULL): Linux 6.17 reads it with MREMAP_DONTUNMAP as a
     hint, and glibc's variadic wrapper would otherwise pass whatever the register held. */
  char *r = mremap(a, 5 * ps, 5 * ps, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
  MUST(r != MAP_FAILED, "mremap MREMAP_DONTUNMAP");
  CHECK(r != a, "did not move");
  CHECK(all(r, 5 * ps, 'a'), "moved bytes");
  CHECK(all(a, 5 * ps, 0), "old range not zero");
  stamp(a, 5 * ps, 'b');
  munmap(a, 5 * ps);
  munmap(r, 5 * ps);
}

static void dontunmap_fixed(void) {
  char *a = map_at(NULL, 2, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 2 * ps, 'c');
  char *d = map_at(NULL, 2, RW, ANON);
  MUST(d != MAP_FAILED, "mmap destination");
  stamp(d, 2 * ps, 'd');
  char *r = mremap(a, 2 * ps, 2 * ps, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, d);
  MUST(r != MAP_FAILED, "mremap MREMAP_DONTUNMAP|MREMAP_FIXED");
  CHECK(r == d && all(d, 2 * ps, 'c'), "moved bytes at destination");
  CHECK(all(a, 2 * ps, 0), "old range not zero");
  munmap(a, 2 * ps);
  munmap(d, 2 * ps);
}

static void dontunmap_needs_maymove(void) {
  char *a = map_at(NULL, 1, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  MUST_FAIL(mremap(a, ps, ps, MREMAP_DONTUNMAP) == MAP_FAILED, EINVAL, "MREMAP_DONTUNMAP alone");
  munmap(a, ps);
}

/* ---- hints ---- */

static void hint_free(void) {
  char *w = free_window(4);
  MUST(w != NULL, "free window");
  char *p = map_at(page(w, 1), 2, RW, ANON);
  MUST(p != MAP_FAILED, "mmap with a hint");
  CHECK(p == page(w, 1), "free hint not used");
  munmap(p, 2 * ps);
}

static void hint_large_unaligned(void) {
  /* 4 MiB at a hint that is page- but not 2 MiB-aligned (PHP extends blocks this way). */
  long pages = (long)((4u << 20) / ps);
  char *w = free_window(pages + 2 + (long)((2u << 20) / ps));
  MUST(w != NULL, "free window");
  char *hint = (char *)((((uintptr_t)w + (2u << 20) - 1) & ~(uintptr_t)((2u << 20) - 1)) + ps);
  char *p = map_at(hint, pages, RW, ANON);
  MUST(p != MAP_FAILED, "mmap 4 MiB with an unaligned hint");
  CHECK(p == hint, "free hint not used");
  munmap(p, pages * ps);
}

static void hint_taken(void) {
  char *a = map_at(NULL, 2, RW, ANON);
  MUST(a != MAP_FAILED, "mmap");
  stamp(a, 2 * ps, 3);
  char *p = map_at(a, 2, RW, ANON);
  MUST(p != MAP_FAILED, "mmap with a taken hint");
  CHECK(p != a && all(a, 2 * ps, 3) && all(p, 2 * ps, 0), "taken hint replaced the mapping");
  munmap(a, 2 * ps);
  munmap(p, 2 * ps);
}

static void shared_anonymous(void) {
  char *p = mmap(NULL, 2 * ps, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  MUST(p != MAP_FAILED, "mmap MAP_SHARED|MAP_ANONYMOUS");
  CHECK(all(p, 2 * ps, 0), "not zero");
  stamp(p, 2 * ps, 1);
  MUST(munmap(p, 2 * ps) == 0, "munmap");
}

struct selftest {
  const char *name;
  void (*run)(void);
};

static const struct selftest cases[] = {
  {"noreplace_overlap_head", noreplace_overlap_head},
  {"noreplace_overlap_tail", noreplace_overlap_tail},
  {"noreplace_inside", noreplace_inside},
  {"noreplace_exact", noreplace_exact},
  {"noreplace_covering", noreplace_covering},
  {"noreplace_adjacent_before", noreplace_adjacent_before},
  {"noreplace_adjacent_after", noreplace_adjacent_after},
  {"fixed_replace_middle", fixed_replace_middle},
  {"expand_merge", expand_merge},
  {"expand_merge_offset", expand_merge_offset},
  {"move_within_range", move_within_range},
  {"fixed_replaces_destination", fixed_replaces_destination},
  {"misaligned_source", misaligned_source},
  {"misaligned_destination", misaligned_destination},
  {"overlapping_destination", overlapping_destination},
  {"shrink_across_mappings", shrink_across_mappings},
  {"shrink_across_hole", shrink_across_hole},
  {"move_across_mappings", move_across_mappings},
  {"move_across_mappings_dontunmap", move_across_mappings_dontunmap},
  {"dontunmap_simple", dontunmap_simple},
  {"dontunmap_fixed", dontunmap_fixed},
  {"dontunmap_needs_maymove", dontunmap_needs_maymove},
  {"hint_free", hint_free},
  {"hint_large_unaligned", hint_large_unaligned},
  {"hint_taken", hint_taken},
  {"shared_anonymous", shared_anonymous},
};

int main(void) {
  ps = (size_t)sysconf(_SC_PAGESIZE);
  printf("SELFTEST-PAGE %zu\n", ps);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    current = cases[i].name;
    failed = 0;
    total++;
    cases[i].run();
    if (!failed) {
      passed++;
      printf("SELFTEST %s PASS\n", current);
    }
  }
  printf("SELFTEST-DONE %d %d\n", passed, total);
  return 0;
}
