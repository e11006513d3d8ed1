/*
 * memory64.c: a freestanding wasm64 guest (clang --target=wasm64, memory64)
 * that uses osal/mman.h past 4 GiB: it maps above 4 GiB, stamps its pages,
 * partially unmaps, remaps in place (shrink, and grow where the backend can)
 * and moving, and checks every stamp after every step; then unmaps everything.
 *
 * No libc (Debian ships no wasm64 sysroot): the host calls the exports
 *   run(rounds i32, grow_in_place i32) -> i32   0, or the line of the first failed check
 *   highest_address() -> i64                    the highest byte address mapped + 1
 *   operations() -> i64                         osal calls made
 * and gives the wasm64 `osal` imports (createGuestImports64). Only a few bytes
 * of each page are written, so nothing near 4 GiB is committed on the host.
 */
#include <stddef.h>
#include <stdint.h>

#include <osal/mman.h>

__attribute__((import_module("osal"), import_name("page_size"))) int osal_page_size(void);

#define FOUR_GIB ((uintptr_t)1 << 32)
#define CHECK(cond) \
  do {              \
    if (!(cond)) return __LINE__; \
  } while (0)

static uintptr_t highest;
static uint64_t calls;
static size_t page;

static void note(void *start, size_t len) {
  uintptr_t end = (uintptr_t)start + len;
  if (end > highest) highest = end;
}

/* A byte that depends on the page's stamp and the offset. */
static unsigned char stamp_byte(uint32_t stamp, size_t offset) {
  return (unsigned char)(((stamp * 131u) ^ (uint32_t)(offset * 7u)) % 251u + 1u);
}

/* Writes 64 bytes at the head and 64 at the tail of every page of [p, p + pages). */
static void stamp(unsigned char *p, size_t pages, uint32_t first) {
  for (size_t i = 0; i < pages; i++) {
    unsigned char *base = p + i * page;
    for (size_t k = 0; k < 64; k++) {
      base[k] = stamp_byte(first + (uint32_t)i, k);
      base[page - 64 + k] = stamp_byte(first + (uint32_t)i, page - 64 + k);
    }
  }
}

/* 1 when every page of [p, p + pages) carries the stamp `first + i`. */
static int stamped(const unsigned char *p, size_t pages, uint32_t first) {
  for (size_t i = 0; i < pages; i++) {
    const unsigned char *base = p + i * page;
    for (size_t k = 0; k < 64; k++) {
      if (base[k] != stamp_byte(first + (uint32_t)i, k)) return 0;
      if (base[page - 64 + k] != stamp_byte(first + (uint32_t)i, page - 64 + k)) return 0;
    }
  }
  return 1;
}

/* 1 when the head and tail bytes of every page of [p, p + pages) read zero. */
static int zeroed(const unsigned char *p, size_t pages) {
  for (size_t i = 0; i < pages; i++) {
    const unsigned char *base = p + i * page;
    for (size_t k = 0; k < 64; k++) {
      if (base[k] != 0 || base[page - 64 + k] != 0) return 0;
    }
  }
  return 1;
}

static void *map(void *addr, size_t len, int flags) {
  calls++;
  void *p = osal_mmap(addr, len, OSAL_PROT_READ | OSAL_PROT_WRITE,
                      OSAL_MAP_PRIVATE | OSAL_MAP_ANONYMOUS | flags, -1, 0);
  if (p != OSAL_MAP_FAILED) note(p, len);
  return p;
}

static int unmap(void *addr, size_t len) {
  calls++;
  return osal_munmap(addr, len);
}

static void *remap(void *old, size_t old_len, size_t new_len, int flags) {
  calls++;
  void *p = osal_mremap(old, old_len, new_len, flags);
  if (p != OSAL_MAP_FAILED) note(p, new_len);
  return p;
}

/*
 * `pages` pages wholly above 4 GiB: MAP_FIXED_NOREPLACE at `want` where the
 * backend places mappings, else (ghc-megablock: ENOTSUP) by holding the first
 * 4 GiB with a PROT_NONE, MAP_NORESERVE mapping while mapping anywhere.
 */
static unsigned char *map_high(uintptr_t want, size_t pages) {
  void *p = map((void *)want, pages * page, OSAL_MAP_FIXED_NOREPLACE);
  if (p != OSAL_MAP_FAILED) return (unsigned char *)p;
  calls++;
  void *hold = osal_mmap(NULL, FOUR_GIB, OSAL_PROT_NONE,
                         OSAL_MAP_PRIVATE | OSAL_MAP_ANONYMOUS | OSAL_MAP_NORESERVE, -1, 0);
  if (hold == OSAL_MAP_FAILED) return NULL;
  p = map(NULL, pages * page, 0);
  unmap(hold, FOUR_GIB);
  return p == OSAL_MAP_FAILED ? NULL : (unsigned char *)p;
}

/* One round on a backend with fixed placement and in-place growth (the page
 * manager): 8 pages at 4 GiB + 512 MiB × (1 + round % 23), up to 15.5 GiB,
 * through every call. */
static int round_at(uint32_t round) {
  const uint32_t s = round * 16;
  unsigned char *p = map_high(FOUR_GIB + ((uintptr_t)512 << 20) * (1 + round % 23), 8);
  CHECK(p != NULL);
  CHECK((uintptr_t)p >= FOUR_GIB);
  stamp(p, 8, s);
  CHECK(stamped(p, 8, s));

  /* Partial munmap of the middle: pages 2 and 3 go, 0-1 and 4-7 stay. */
  CHECK(unmap(p + 2 * page, 2 * page) == 0);
  CHECK(stamped(p, 2, s));
  CHECK(stamped(p + 4 * page, 4, s + 4));

  /* In place: the tail mapping shrinks to 2 pages, then grows back to 4. */
  unsigned char *tail = p + 4 * page;
  CHECK(remap(tail, 4 * page, 2 * page, 0) == tail);
  CHECK(stamped(tail, 2, s + 4));
  CHECK(remap(tail, 2 * page, 4 * page, 0) == tail);
  CHECK(stamped(tail, 2, s + 4));
  CHECK(zeroed(tail + 2 * page, 2));

  /* Moving: the head (pages 0-1) grows to 6 pages; the tail at page 4 is in the way. */
  unsigned char *moved = remap(p, 2 * page, 6 * page, OSAL_MREMAP_MAYMOVE);
  CHECK(moved != OSAL_MAP_FAILED);
  CHECK(moved != p);
  CHECK(stamped(moved, 2, s));
  CHECK(zeroed(moved + 2 * page, 4));
  stamp(moved + 2 * page, 4, s + 100);
  CHECK(stamped(tail, 2, s + 4));

  /* The old head is free again: MAP_FIXED_NOREPLACE can take it. */
  CHECK(map(p, 2 * page, OSAL_MAP_FIXED_NOREPLACE) == p);
  CHECK(zeroed(p, 2));

  CHECK(unmap(p, 2 * page) == 0);
  CHECK(unmap(tail, 4 * page) == 0);
  CHECK(stamped(moved, 2, s) && stamped(moved + 2 * page, 4, s + 100));
  CHECK(unmap(moved, 6 * page) == 0);
  return 0;
}

/*
 * The same on a backend without fixed placement or in-place growth
 * (ghc-megablock): map above 4 GiB, partial munmap, shrink in place, and a
 * moving mremap, checking the stamps after each.
 */
static int round_moving(uint32_t round) {
  const uint32_t s = round * 16;
  unsigned char *p = map_high(FOUR_GIB, 8);
  CHECK(p != NULL);
  CHECK((uintptr_t)p >= FOUR_GIB);
  stamp(p, 8, s);
  CHECK(unmap(p + 2 * page, 2 * page) == 0);
  CHECK(stamped(p, 2, s));
  CHECK(stamped(p + 4 * page, 4, s + 4));
  unsigned char *tail = p + 4 * page;
  CHECK(remap(tail, 4 * page, 2 * page, 0) == tail);
  CHECK(stamped(tail, 2, s + 4));
  CHECK(remap(tail, 2 * page, 4 * page, 0) == OSAL_MAP_FAILED);
  unsigned char *moved = remap(tail, 2 * page, 5 * page, OSAL_MREMAP_MAYMOVE);
  CHECK(moved != OSAL_MAP_FAILED);
  CHECK(stamped(moved, 2, s + 4));
  CHECK(zeroed(moved + 2 * page, 3));
  CHECK(stamped(p, 2, s));
  CHECK(unmap(p, 2 * page) == 0);
  CHECK(unmap(moved, 5 * page) == 0);
  return 0;
}

__attribute__((export_name("run"))) int run(int rounds, int grow_in_place) {
  page = (size_t)osal_page_size();
  for (int r = 0; r < rounds; r++) {
    int failed = grow_in_place ? round_at((uint32_t)r) : round_moving((uint32_t)r);
    if (failed != 0) return failed;
  }
  return 0;
}

__attribute__((export_name("highest_address"))) uint64_t highest_address(void) {
  return highest;
}

__attribute__((export_name("operations"))) uint64_t operations(void) {
  return calls;
}
