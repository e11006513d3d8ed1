/*
 * zend: PHP's zend_alloc on the mmap family (SPEC section 6).
 *
 * 2 MiB chunks aligned to 2 MiB the way zend_mm_chunk_alloc_int does it: map
 * the size; if the address is not aligned, unmap it, map size + 2 MiB - page
 * and trim the head and the tail with munmap. Huge blocks (a chunk multiple
 * plus pages) are allocated the same way, truncated with a tail munmap, and
 * extended in place with mremap without MREMAP_MAYMOVE, else by
 * map-new-copy-free. Like PHP, a failed munmap is counted and the memory
 * leaked, not fatal; a failed mmap is out of memory. The mix and sizes follow
 * @osal/conformance's zend workload: 35% chunk, 20% huge block (2-16 MiB),
 * 15% resize, 30% free, at most 128 MiB held between steps.
 */
#include <string.h>

#include "../common/guest.h"

#define CHUNK (2 * GUEST_MIB)
#define HUGE_MAX (16 * GUEST_MIB)
#define LIVE_CAP (128 * GUEST_MIB)
#define MAX_BLOCKS 256
#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

struct block {
  unsigned char *addr;
  size_t size;
  uint32_t tag;
  int huge;
};

static struct block blocks[MAX_BLOCKS];
static int block_count;
static uint32_t next_tag = 1;
static size_t page;
static size_t held; /* bytes of the blocks held between steps */

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
  size_t alignment = CHUNK;
  size_t misalign = (uintptr_t)p & (CHUNK - 1);
  if (misalign != 0) {
    size_t offset = CHUNK - misalign;
    unmap(p, offset);
    p += offset;
    alignment -= offset;
  }
  if (alignment > page) unmap(p + size, alignment - page);
  return p;
}

static size_t huge_size(void) {
  size_t bytes = CHUNK + 1 + (size_t)guest_below(HUGE_MAX - CHUNK);
  return (bytes + page - 1) / page * page;
}

static int fits(size_t bytes) { return held + bytes <= LIVE_CAP; }

static void free_block(int i) {
  struct block *b = &blocks[i];
  guest_expect_stamp(b->addr, b->addr, b->size, b->tag, "block intact before free");
  unmap(b->addr, b->size);
  held -= b->size;
  blocks[i] = blocks[--block_count];
}

static void free_random(void) {
  if (block_count > 0) free_block((int)guest_below((uint64_t)block_count));
}

static void alloc_block(size_t size, int huge) {
  if (!fits(size) || block_count == MAX_BLOCKS) {
    free_random();
    return;
  }
  unsigned char *p = chunk_alloc(size);
  guest_expect_zero(p, size, "fresh chunk reads zero");
  struct block *b = &blocks[block_count++];
  b->addr = p;
  b->size = size;
  b->tag = next_tag++;
  b->huge = huge;
  guest_stamp(p, size, b->tag);
  held += size;
}

static void truncate_huge(struct block *b, size_t new_size) {
  unmap(b->addr + new_size, b->size - new_size);
  held -= b->size - new_size;
  b->size = new_size;
  guest_expect_stamp(b->addr, b->addr, new_size, b->tag, "huge block intact after truncate");
}

/* zend_mm_realloc_huge growing: mremap in place, else map-new-copy-free. */
static void extend_huge(struct block *b, size_t new_size) {
  size_t old_size = b->size;
  unsigned char *p = guest_mremap(b->addr, old_size, new_size, 0);
  if (p != MAP_FAILED) {
    if (p != b->addr) guest_check_failed("mremap without MREMAP_MAYMOVE kept the address", p);
    guest_live_add(new_size - old_size);
    guest_expect_stamp(p, p, old_size, b->tag, "huge block intact after in-place mremap");
    guest_expect_zero(p + old_size, new_size - old_size, "grown tail reads zero");
  } else {
    p = chunk_alloc(new_size);
    guest_expect_zero(p, new_size, "fresh huge block reads zero");
    memcpy(p, b->addr, old_size);
    unmap(b->addr, old_size);
    guest_expect_stamp(p, p, old_size, b->tag, "huge block intact after copy");
  }
  b->addr = p;
  b->size = new_size;
  guest_stamp(p, new_size, b->tag);
  held += new_size - old_size;
}

static void resize_huge(void) {
  int huge[MAX_BLOCKS];
  int n = 0;
  for (int i = 0; i < block_count; i++) {
    if (blocks[i].huge) huge[n++] = i;
  }
  if (n == 0) {
    alloc_block(CHUNK, 0);
    return;
  }
  struct block *b = &blocks[huge[guest_below((uint64_t)n)]];
  size_t new_size = huge_size();
  guest_expect_stamp(b->addr, b->addr, b->size, b->tag, "huge block intact before resize");
  if (new_size < b->size) {
    truncate_huge(b, new_size);
  } else if (new_size > b->size) {
    if (!fits(new_size - b->size)) {
      free_random();
      return;
    }
    extend_huge(b, new_size);
  }
}

int main(int argc, char **argv) {
  struct guest_params params = guest_start("zend", argc, argv, 4000);
  page = params.page;
  if (page > CHUNK) guest_call_failed("page larger than a chunk", EINVAL);
  for (long step = 0; step < params.steps; step++) {
    guest_set_step(step);
    unsigned roll = (unsigned)guest_below(100);
    if (roll < 35) {
      alloc_block(CHUNK, 0);
    } else if (roll < 55) {
      alloc_block(huge_size(), 1);
    } else if (roll < 70) {
      resize_huge();
    } else {
      free_random();
    }
    guest_sample();
  }
  while (block_count > 0) free_block(block_count - 1);
  return guest_finish();
}
