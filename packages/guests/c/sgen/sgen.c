/*
 * sgen: Mono's sgen major heap on the mmap family (SPEC section 6).
 *
 * Many 1 MiB sections, mapped anywhere, checked to read zero (sgen relies on
 * fresh sections being zeroed), filled, freed and mapped again at random,
 * holding about 64 MiB live.
 */
#include "../common/guest.h"

#define SECTION GUEST_MIB
#define MAX_SECTIONS 96
#define TARGET_LIVE (64 * GUEST_MIB)

struct section {
  unsigned char *addr;
  uint32_t tag;
};

static struct section sections[MAX_SECTIONS];
static int section_count;
static uint32_t next_tag = 1;

static void alloc_section(void) {
  unsigned char *p = guest_mmap(NULL, SECTION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  guest_require_map(p, "mmap", SECTION);
  guest_expect_zero(p, SECTION, "fresh section reads zero");
  struct section *s = &sections[section_count++];
  s->addr = p;
  s->tag = next_tag++;
  guest_stamp(p, SECTION, s->tag);
  guest_live_add(SECTION);
}

static void free_section(int i) {
  struct section *s = &sections[i];
  guest_expect_stamp(s->addr, s->addr, SECTION, s->tag, "section intact before free");
  if (guest_munmap(s->addr, SECTION) != 0) guest_call_failed("munmap", errno);
  guest_live_sub(SECTION);
  sections[i] = sections[--section_count];
}

int main(int argc, char **argv) {
  struct guest_params params = guest_start("sgen", argc, argv, 3000);
  for (long step = 0; step < params.steps; step++) {
    guest_set_step(step);
    size_t live = (size_t)section_count * SECTION;
    if (section_count == 0 || (section_count < MAX_SECTIONS && live < TARGET_LIVE && guest_below(100) < 60)) {
      alloc_section();
    } else {
      free_section((int)guest_below((uint64_t)section_count));
    }
    guest_sample();
  }
  while (section_count > 0) free_section(section_count - 1);
  return guest_finish();
}
