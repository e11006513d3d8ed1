/*
 * ghc: GHC's block allocator on the mmap family (SPEC section 6).
 *
 * Requests of 1..8 megablocks (1 MiB, aligned to 1 MiB: map, and if the
 * address is not aligned, over-map by a megablock and trim both ends). Freed
 * megablocks go to the RTS free list and are reused before new ones are
 * mapped; every 250 steps the RTS returns free megablocks beyond 16 to the
 * OS with munmap, as returnMemoryToOS does after a major GC.
 */
#include "../common/guest.h"

#define MBLOCK GUEST_MIB
#define MAX_GROUPS 128
#define MAX_FREE 4096
#define TARGET_LIVE (64 * GUEST_MIB)
#define KEEP_FREE 16

struct group {
  unsigned char *addr;
  size_t count;
  uint32_t tag;
};

static struct group groups[MAX_GROUPS];
static int group_count;
static unsigned char *free_list[MAX_FREE]; /* sorted by address */
static int free_count;
static uint32_t next_tag = 1;
static size_t page;

static void free_insert(unsigned char *mb) {
  int i = free_count++;
  while (i > 0 && free_list[i - 1] > mb) {
    free_list[i] = free_list[i - 1];
    i--;
  }
  free_list[i] = mb;
}

static void free_remove(int from, int n) {
  for (int i = from; i + n < free_count; i++) free_list[i] = free_list[i + n];
  free_count -= n;
}

/* A run of n contiguous free megablocks, or NULL. */
static unsigned char *take_free(size_t n) {
  for (int i = 0; i + (int)n <= free_count; i++) {
    size_t k = 1;
    while (k < n && free_list[i + k] == free_list[i] + k * MBLOCK) k++;
    if (k == n) {
      unsigned char *p = free_list[i];
      free_remove(i, (int)n);
      return p;
    }
  }
  return NULL;
}

static unsigned char *map_mblocks(size_t n) {
  size_t size = n * MBLOCK;
  unsigned char *p = guest_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  guest_require_map(p, "mmap", size);
  guest_expect_page_aligned(p);
  if (((uintptr_t)p & (MBLOCK - 1)) == 0) return p;
  if (guest_munmap(p, size) != 0) guest_call_failed("munmap", errno);
  p = guest_mmap(NULL, size + MBLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  guest_require_map(p, "mmap", size + MBLOCK);
  guest_expect_page_aligned(p);
  size_t slop = (uintptr_t)p & (MBLOCK - 1);
  size_t head = slop ? MBLOCK - slop : 0;
  if (head && guest_munmap(p, head) != 0) guest_call_failed("munmap (head)", errno);
  if (MBLOCK - head >= page && guest_munmap(p + head + size, MBLOCK - head) != 0) {
    guest_call_failed("munmap (tail)", errno);
  }
  return p + head;
}

static void get_mblocks(size_t n) {
  unsigned char *p = take_free(n);
  if (p == NULL) {
    p = map_mblocks(n);
    guest_expect_zero(p, n * MBLOCK, "fresh megablocks read zero");
  }
  struct group *g = &groups[group_count++];
  g->addr = p;
  g->count = n;
  g->tag = next_tag++;
  guest_stamp(p, n * MBLOCK, g->tag);
  guest_live_add(n * MBLOCK);
}

static void free_group(int i) {
  struct group *g = &groups[i];
  guest_expect_stamp(g->addr, g->addr, g->count * MBLOCK, g->tag, "megablocks intact before free");
  for (size_t k = 0; k < g->count; k++) free_insert(g->addr + k * MBLOCK);
  guest_live_sub(g->count * MBLOCK);
  groups[i] = groups[--group_count];
}

static void return_memory_to_os(void) {
  while (free_count > KEEP_FREE) {
    unsigned char *mb = free_list[free_count - 1];
    if (guest_munmap(mb, MBLOCK) != 0) guest_call_failed("munmap (return to OS)", errno);
    free_count--;
  }
}

int main(int argc, char **argv) {
  struct guest_params params = guest_start("ghc", argc, argv, 3000);
  page = params.page;
  if (page > MBLOCK) guest_call_failed("page larger than a megablock", EINVAL);
  for (long step = 0; step < params.steps; step++) {
    guest_set_step(step);
    size_t live = 0;
    for (int i = 0; i < group_count; i++) live += groups[i].count * MBLOCK;
    if (group_count == 0 || (group_count < MAX_GROUPS && live < TARGET_LIVE && guest_below(100) < 60)) {
      size_t n = guest_below(4) == 0 ? 1 + (size_t)guest_below(8) : 1;
      get_mblocks(n);
    } else {
      free_group((int)guest_below((uint64_t)group_count));
    }
    if (step % 250 == 249) return_memory_to_os();
    guest_sample();
  }
  while (group_count > 0) free_group(group_count - 1);
  return guest_finish();
}
