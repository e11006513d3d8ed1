/*
 * zend: PHP's zend_alloc (PHP 7/8, Zend/zend_alloc.c) on the mmap family
 * (SPEC section 6). The same program as @osal/conformance's zend workload
 * (src/workloads/zend.ts): the same step mix, sizes and rules, its own PRNG.
 *
 * Chunks: 2 MiB (ZEND_MM_CHUNK_SIZE), aligned to 2 MiB the way
 * zend_mm_chunk_alloc_int does it: map the size; if the address is not
 * aligned, unmap it, map size + 2 MiB - page and trim the head and the tail
 * with munmap. Freed at random.
 *
 * Huge blocks: allocations above 2 MiB - 4 KiB, sized to a multiple of
 * REAL_PAGE_SIZE (4 KiB, the page param rounds further) and mapped on their
 * own the same aligned way. zend_mm_realloc_huge shrinks one with a tail
 * munmap and grows one with mremap without MREMAP_MAYMOVE (it must stay
 * aligned), else map-new-copy-free; a realloc that keeps the page-rounded
 * size makes no call. What makes them happen in PHP, and so here:
 * - a string being built (smart_str) grows by page-granular appends: mostly
 *   one 4 KiB page, else 2-16 pages (64 KiB at most). It turns huge at
 *   2 MiB - 4 KiB plus the append that crossed the large limit. When its
 *   build is done it is trimmed to size, which can drop its last page;
 * - a packed array doubles: 2^k MiB plus one page (2, 4, 8 MiB ... + 4 KiB);
 * - one-off values (file_get_contents, str_repeat) up to 16 MiB, allocated
 *   once; 30% are read into an estimate and truncated to the bytes read;
 * - values die: a random chunk or huge block is freed, and at the end of a
 *   request every huge block is freed (chunks stay cached).
 * Growth nearly always goes to the newest value being built (5% to one of the
 * other 3 newest builds); a build ends (1% per growth) or stops at 16 MiB.
 * Step mix: 30% chunk, 6% new huge block, 44% growth, 19.5% free, 0.5%
 * request end. At most 128 MiB held between steps (past it a step frees a
 * random block instead).
 *
 * Like PHP, a failed munmap is counted and the memory leaked, not fatal; a
 * failed mmap is out of memory. Besides the harness figures it reports
 * floorBytes: the most 2 MiB slots held at once x 2 MiB (every chunk and huge
 * block owns ceil(size / 2 MiB) slots, as its 2 MiB alignment makes it), the
 * lowest peak memory any placement could reach.
 */
#include <string.h>

#include "../common/guest.h"

#define CHUNK (2 * GUEST_MIB)
#define REAL_PAGE (4 * GUEST_KIB)
#define LARGE_MAX (CHUNK - REAL_PAGE)
#define HUGE_MAX (16 * GUEST_MIB)
#define APPEND_MAX (64 * GUEST_KIB)
#define LIVE_CAP (128 * GUEST_MIB)
#define MAX_BLOCKS 128
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

/* Step mix: cumulative thresholds of one roll (the rest: the request ends). */
#define MIX_CHUNK 0.3
#define MIX_START_HUGE 0.36
#define MIX_GROW 0.8
#define MIX_FREE 0.995
/* Of new huge blocks: strings, then arrays, the rest one-off values. */
#define HUGE_STRING 0.45
#define HUGE_ARRAY 0.65
#define SMALL_APPEND_CHANCE 0.6
#define FINISH_CHANCE 0.01
#define OLDER_GROW_CHANCE 0.05
#define RECENT_BUILDS 4
#define TRUNCATED_VALUE_CHANCE 0.3

enum kind { STRING, ARRAY, VALUE };

struct block {
  unsigned char *addr;
  size_t size; /* mapped bytes: length rounded up to the page */
  uint32_t tag;
};

struct huge {
  struct block b;
  enum kind kind;
  size_t length; /* bytes zend_alloc sized it to: a multiple of REAL_PAGE */
  int building;  /* still being built: may grow */
};

static struct block chunks[MAX_BLOCKS];
static int chunk_count;
static struct huge huge[MAX_BLOCKS]; /* oldest first */
static int huge_count;
static uint32_t next_tag = 1;
static size_t page;
static size_t held;  /* bytes of the blocks held between steps */
static size_t slots; /* 2 MiB slots the held blocks own */
static size_t peak_slots;

static double unit(void) { return (double)(guest_rand() >> 11) * 0x1.0p-53; }
static int chance(double p) { return unit() < p; }
static size_t pages(size_t bytes) { return (bytes + page - 1) / page * page; }
static size_t slots_of(size_t size) { return (size + CHUNK - 1) / CHUNK; }
static int fits(size_t bytes) { return held + bytes <= LIVE_CAP; }

/* A block of `size` bytes is now held; the most slots held at once is the floor. */
static void hold(size_t size) {
  held += size;
  slots += slots_of(size);
  if (slots > peak_slots) {
    peak_slots = slots;
    guest_figure("floorBytes", peak_slots * CHUNK);
  }
}

static void release(size_t size) {
  held -= size;
  slots -= slots_of(size);
}

/*
 * Unmaps as PHP does: a failure is counted (by the harness) and the memory
 * leaked. Live bytes are the program's view, so they drop either way: leaked
 * memory shows as linear memory above the live bytes.
 */
static void unmap(void *p, size_t len) {
  guest_munmap(p, len);
  guest_live_sub(len);
}

/* zend_mm_chunk_alloc_int. Live bytes count what the program holds mapped, over-maps included. */
static unsigned char *chunk_alloc(size_t size) {
  unsigned char *p = guest_mmap(NULL, size, RW, ANON);
  guest_require_map(p, "mmap", size);
  guest_expect_page_aligned(p);
  guest_live_add(size);
  if (((uintptr_t)p & (CHUNK - 1)) == 0) return p;
  unmap(p, size);
  size_t over = size + CHUNK - page;
  p = guest_mmap(NULL, over, RW, ANON);
  guest_require_map(p, "mmap", over);
  guest_expect_page_aligned(p);
  guest_live_add(over);
  size_t slack = CHUNK - page;
  size_t misalign = (uintptr_t)p & (CHUNK - 1);
  if (misalign != 0) {
    size_t head = CHUNK - misalign;
    unmap(p, head);
    p += head;
    slack -= head;
  }
  if (slack > 0) unmap(p + size, slack);
  return p;
}

/* A new aligned block, checked zero and stamped. */
static struct block alloc_aligned(size_t size, const char *what) {
  struct block b;
  b.addr = chunk_alloc(size);
  guest_expect_zero(b.addr, size, what);
  b.size = size;
  b.tag = next_tag++;
  guest_stamp(b.addr, size, b.tag);
  return b;
}

static void free_block(struct block *b) {
  guest_expect_stamp(b->addr, b->addr, b->size, b->tag, "block intact before free");
  unmap(b->addr, b->size);
  release(b->size);
}

/* A value dies: a random chunk or huge block is unmapped. */
static void free_random(void) {
  int total = chunk_count + huge_count;
  if (total == 0) return;
  int pick = (int)guest_below((uint64_t)total);
  if (pick < chunk_count) {
    free_block(&chunks[pick]);
    chunks[pick] = chunks[--chunk_count];
  } else {
    int i = pick - chunk_count;
    free_block(&huge[i].b);
    memmove(&huge[i], &huge[i + 1], (size_t)(huge_count - i - 1) * sizeof huge[0]);
    huge_count--;
  }
}

/* What one realloc of a string being built adds: mostly a page, else 2-16 pages. */
static size_t append_bytes(void) {
  if (chance(SMALL_APPEND_CHANCE)) return REAL_PAGE;
  return REAL_PAGE * (2 + (size_t)guest_below(APPEND_MAX / REAL_PAGE - 1));
}

static void alloc_chunk(void) {
  if (!fits(CHUNK) || chunk_count == MAX_BLOCKS) {
    free_random();
    return;
  }
  chunks[chunk_count++] = alloc_aligned(CHUNK, "fresh chunk reads zero");
  hold(CHUNK);
}

/* zend_mm_alloc_huge: a new block of `length` bytes, or a free when over the cap. */
static struct huge *alloc_huge(enum kind kind, size_t length, int building) {
  size_t size = pages(length);
  if (!fits(size) || huge_count == MAX_BLOCKS) {
    free_random();
    return NULL;
  }
  struct huge *h = &huge[huge_count++];
  h->b = alloc_aligned(size, "fresh huge block reads zero");
  h->kind = kind;
  h->length = length;
  h->building = building;
  hold(size);
  return h;
}

/* zend_mm_chunk_extend: mremap in place, else zend_mm_realloc_slow (map-new-copy-free). */
static void extend(struct block *b, size_t new_size) {
  size_t old_size = b->size;
  unsigned char *p = guest_mremap(b->addr, old_size, new_size, 0);
  if (p != MAP_FAILED) {
    if (p != b->addr) guest_check_failed("mremap without MREMAP_MAYMOVE kept the address", p);
    guest_live_add(new_size - old_size);
    guest_expect_stamp(p, p, old_size, b->tag, "huge block intact after in-place mremap");
    guest_expect_zero(p + old_size, new_size - old_size, "grown part reads zero");
    release(old_size);
    hold(new_size);
  } else {
    p = chunk_alloc(new_size);
    guest_expect_zero(p, new_size, "fresh huge block for realloc reads zero");
    hold(new_size); /* both are held while the bytes are copied */
    memcpy(p, b->addr, old_size);
    unmap(b->addr, old_size);
    release(old_size);
    guest_expect_stamp(p, p, old_size, b->tag, "huge block intact after copy");
  }
  b->addr = p;
  b->size = new_size;
  guest_stamp(p, new_size, b->tag);
}

/* zend_mm_realloc_huge to `length` bytes: no call, truncate, extend or move. */
static void resize(struct huge *h, size_t length) {
  struct block *b = &h->b;
  size_t new_size = pages(length);
  if (new_size == b->size) {
    h->length = length;
    return;
  }
  if (new_size > b->size && !fits(new_size - b->size)) {
    free_random();
    return;
  }
  guest_expect_stamp(b->addr, b->addr, b->size, b->tag, "huge block intact before resize");
  h->length = length;
  if (new_size < b->size) {
    unmap(b->addr + new_size, b->size - new_size);
    release(b->size);
    hold(new_size);
    b->size = new_size;
    guest_expect_stamp(b->addr, b->addr, new_size, b->tag, "huge block intact after truncate");
  } else {
    extend(b, new_size);
  }
}

static void start_huge(void) {
  double roll = unit();
  if (roll < HUGE_STRING) {
    alloc_huge(STRING, LARGE_MAX + append_bytes(), 1);
  } else if (roll < HUGE_ARRAY) {
    alloc_huge(ARRAY, CHUNK + REAL_PAGE, 1);
  } else {
    size_t length = LARGE_MAX + REAL_PAGE * (1 + (size_t)guest_below((HUGE_MAX - LARGE_MAX) / REAL_PAGE));
    struct huge *h = alloc_huge(VALUE, length, 0);
    if (h != NULL && chance(TRUNCATED_VALUE_CHANCE)) {
      resize(h, length - REAL_PAGE * (size_t)guest_below((length - LARGE_MAX) / REAL_PAGE));
    }
  }
}

/* The value being built to grow now: nearly always the newest, else another recent one. */
static struct huge *building(void) {
  struct huge *builds[RECENT_BUILDS];
  int n = 0;
  for (int i = huge_count - 1; i >= 0 && n < RECENT_BUILDS; i--) {
    if (huge[i].building) builds[n++] = &huge[i];
  }
  if (n == 0) return NULL;
  if (n > 1 && chance(OLDER_GROW_CHANCE)) return builds[1 + guest_below((uint64_t)(n - 1))];
  return builds[0];
}

/* The build is over: a string is trimmed to size (its last page may go), then it stays. */
static void finish(struct huge *h) {
  h->building = 0;
  if (h->kind == STRING && chance(0.5)) {
    size_t length = h->length - REAL_PAGE;
    if (length > LARGE_MAX) resize(h, length);
  }
}

static void grow(void) {
  struct huge *h = building();
  if (h == NULL) {
    alloc_huge(STRING, LARGE_MAX + append_bytes(), 1);
    return;
  }
  if (chance(FINISH_CHANCE)) {
    finish(h);
    return;
  }
  size_t length = h->kind == ARRAY ? 2 * (h->length - REAL_PAGE) + REAL_PAGE : h->length + append_bytes();
  if (length > HUGE_MAX) {
    finish(h);
    return;
  }
  resize(h, length);
}

/* zend_mm_shutdown at the end of a request: every huge block goes, chunks stay cached. */
static void end_request(void) {
  for (int i = 0; i < huge_count; i++) free_block(&huge[i].b);
  huge_count = 0;
}

int main(int argc, char **argv) {
  struct guest_params params = guest_start("zend", argc, argv, 4000);
  page = params.page;
  if (page > CHUNK) guest_call_failed("page larger than a chunk", EINVAL);
  guest_figure("floorBytes", 0);
  for (long step = 0; step < params.steps; step++) {
    guest_set_step(step);
    double roll = unit();
    if (roll < MIX_CHUNK) {
      alloc_chunk();
    } else if (roll < MIX_START_HUGE) {
      start_huge();
    } else if (roll < MIX_GROW) {
      grow();
    } else if (roll < MIX_FREE) {
      free_random();
    } else {
      end_request();
    }
    guest_sample();
  }
  end_request();
  while (chunk_count > 0) {
    free_block(&chunks[chunk_count - 1]);
    chunk_count--;
  }
  return guest_finish();
}
