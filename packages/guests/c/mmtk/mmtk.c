/*
 * mmtk: MMTk's heap layout on the mmap family (SPEC section 6).
 *
 * Quarantines a 64 MiB heap (PROT_NONE, MAP_NORESERVE, aligned to a 4 MiB
 * chunk by over-mapping and trimming) plus its side metadata range beside
 * it. The metadata range is then unmapped from the quarantine and mapped per
 * chunk with MAP_FIXED_NOREPLACE (a second attempt must fail with EEXIST);
 * heap chunks are mapped read-write at their fixed addresses with MAP_FIXED
 * over the quarantine and given back to it with MAP_FIXED PROT_NONE.
 */
#include "../common/guest.h"

#define CHUNK (4 * GUEST_MIB)
#define CHUNKS 16
#define HEAP (CHUNKS * CHUNK)
#define QUARANTINE_FLAGS (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED)

static unsigned char chunk_mapped[CHUNKS];
static unsigned char meta_mapped[CHUNKS];
static uint32_t tags[CHUNKS];

static void map_fixed(unsigned char *at, size_t len, int prot, int flags, const char *call) {
  unsigned char *p = guest_mmap(at, len, prot, flags);
  guest_require_map(p, call, len);
  if (p != at) guest_check_failed("fixed mapping placed at its address", p);
}

int main(int argc, char **argv) {
  struct guest_params params = guest_start("mmtk", argc, argv, 3000);
  size_t meta_per_chunk = CHUNK / 64 > params.page ? CHUNK / 64 : params.page;
  size_t meta_size = CHUNKS * meta_per_chunk;
  size_t span = HEAP + meta_size + CHUNK;
  unsigned char *q = guest_mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
  guest_require_map(q, "mmap (quarantine)", span);
  unsigned char *heap = (unsigned char *)(((uintptr_t)q + CHUNK - 1) & ~(uintptr_t)(CHUNK - 1));
  unsigned char *meta = heap + HEAP;
  if (heap > q && guest_munmap(q, (size_t)(heap - q)) != 0) guest_call_failed("munmap (trim head)", errno);
  if (meta + meta_size < q + span && guest_munmap(meta + meta_size, (size_t)(q + span - meta - meta_size)) != 0) {
    guest_call_failed("munmap (trim tail)", errno);
  }
  if (guest_munmap(meta, meta_size) != 0) guest_call_failed("munmap (free metadata range)", errno);
  uint32_t next_tag = 1;
  for (long step = 0; step < params.steps; step++) {
    guest_set_step(step);
    size_t i = (size_t)guest_below(CHUNKS);
    unsigned char *chunk = heap + i * CHUNK;
    unsigned char *m = meta + i * meta_per_chunk;
    if (!chunk_mapped[i]) {
      if (!meta_mapped[i]) {
        map_fixed(m, meta_per_chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                  "mmap (side metadata)");
        guest_expect_zero(m, meta_per_chunk, "fresh side metadata reads zero");
        guest_stamp(m, meta_per_chunk, 0x100000u + (uint32_t)i);
        meta_mapped[i] = 1;
        guest_live_add(meta_per_chunk);
        void *again = guest_mmap(m, meta_per_chunk, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE);
        if (again != MAP_FAILED || errno != EEXIST) guest_check_failed("MAP_FIXED_NOREPLACE over a mapping fails with EEXIST", m);
      }
      map_fixed(chunk, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, "mmap (chunk)");
      guest_expect_zero(chunk, CHUNK, "chunk mapped over the quarantine reads zero");
      tags[i] = next_tag++;
      guest_stamp(chunk, CHUNK, tags[i]);
      chunk_mapped[i] = 1;
      guest_live_add(CHUNK);
    } else {
      guest_expect_stamp(chunk, chunk, CHUNK, tags[i], "chunk intact");
      guest_expect_stamp(m, m, meta_per_chunk, 0x100000u + (uint32_t)i, "side metadata intact");
      if (guest_below(2) == 0) {
        map_fixed(chunk, CHUNK, PROT_NONE, QUARANTINE_FLAGS, "mmap (back to quarantine)");
        chunk_mapped[i] = 0;
        guest_live_sub(CHUNK);
      }
    }
    guest_sample();
  }
  if (guest_munmap(heap, HEAP + meta_size) != 0) guest_call_failed("munmap (release)", errno);
  for (size_t i = 0; i < CHUNKS; i++) {
    if (chunk_mapped[i]) guest_live_sub(CHUNK);
    if (meta_mapped[i]) guest_live_sub(meta_per_chunk);
  }
  return guest_finish();
}
