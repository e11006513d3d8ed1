/*
 * coreclr: CoreCLR's GC on the mmap family (SPEC section 6).
 *
 * Reserves a 64 MiB range (PROT_NONE, MAP_NORESERVE), then commits
 * (mprotect read-write) and decommits (madvise MADV_DONTNEED, then mprotect
 * PROT_NONE) 16 KiB granules inside it, or page-sized ones when the page is
 * larger. A granule committed again must read zero.
 */
#include "../common/guest.h"

#define RESERVE (64 * GUEST_MIB)
#define MAX_GRANULES (RESERVE / (16 * GUEST_KIB))

static unsigned char committed[MAX_GRANULES];
static uint32_t tags[MAX_GRANULES];

int main(int argc, char **argv) {
  struct guest_params params = guest_start("coreclr", argc, argv, 6000);
  size_t granule = params.page > 16 * GUEST_KIB ? params.page : 16 * GUEST_KIB;
  size_t count = RESERVE / granule;
  unsigned char *base = guest_mmap(NULL, RESERVE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
  guest_require_map(base, "mmap (reserve)", RESERVE);
  uint32_t next_tag = 1;
  for (long step = 0; step < params.steps; step++) {
    guest_set_step(step);
    size_t i = (size_t)guest_below(count);
    unsigned char *p = base + i * granule;
    if (!committed[i]) {
      if (guest_mprotect(p, granule, PROT_READ | PROT_WRITE) != 0) {
        if (errno == ENOMEM) guest_oom("mprotect (commit)", granule);
        guest_call_failed("mprotect (commit)", errno);
      }
      guest_expect_zero(p, granule, "committed granule reads zero");
      committed[i] = 1;
      tags[i] = next_tag++;
      guest_stamp(p, granule, tags[i]);
      guest_live_add(granule);
    } else if (guest_below(2) == 0) {
      guest_expect_stamp(p, p, granule, tags[i], "granule intact");
    } else {
      guest_expect_stamp(p, p, granule, tags[i], "granule intact before decommit");
      if (guest_madvise(p, granule, MADV_DONTNEED) != 0) guest_call_failed("madvise (decommit)", errno);
      if (guest_mprotect(p, granule, PROT_NONE) != 0) guest_call_failed("mprotect (decommit)", errno);
      committed[i] = 0;
      guest_live_sub(granule);
    }
    guest_sample();
  }
  if (guest_munmap(base, RESERVE) != 0) guest_call_failed("munmap (release)", errno);
  for (size_t i = 0; i < count; i++) {
    if (committed[i]) guest_live_sub(granule);
  }
  return guest_finish();
}
