/*
 * The allocator bundled with @osal/wasm-posix-memalign.
 *
 * A page-granular aligned allocator for a wasm32 linear memory that the host
 * provides (imported as env.memory). It exports what the backend needs:
 *
 *   void *aligned_alloc(size_t align, size_t size)   0 when out of memory
 *   void  free(void *ptr)                            traps on a pointer it never returned
 *   int   osal_release(void *ptr, size_t size)       gives back part of a block
 *   int   osal_init(void)                            sets up the bitmaps now; 0, or -1
 *
 * Why not wasi-libc's dlmalloc: dlmalloc keeps a header in front of every chunk,
 * so a 2 MiB block aligned to 2 MiB costs a 4 MiB stride (the leading remainder
 * of every memalign is left in a bin), and it writes free-list links and top-chunk
 * footers into heap memory it has not handed out. This allocator keeps all of its
 * bookkeeping out of band, in two bitmaps placed at __heap_base, below the first
 * granule it hands out:
 *
 *   used[g]   granule g belongs to a block (or lies below __heap_base)
 *   starts[g] a block starts at granule g
 *
 * so aligned blocks pack densely, and heap memory it has never handed out is
 * still exactly as memory.grow left it: zero. The backend relies on that to skip
 * zeroing first-time memory.
 *
 * Placement is address-ordered first fit, growing the memory only when no free
 * run below its end fits (which keeps the linear memory as small as the live
 * blocks allow). Single-threaded: the backend refuses shared memories.
 */

#include <stddef.h>
#include <stdint.h>

#define GRANULE_SHIFT 14u
#define GRANULE (1u << GRANULE_SHIFT)
#define WASM_PAGE_SHIFT 16u
#define MAX_GRANULES (1u << (32u - GRANULE_SHIFT))
#define WORDS (MAX_GRANULES / 32u)

extern unsigned char __heap_base;

static uint32_t *used;
static uint32_t *starts;
static uint32_t heap_start;
static uint32_t first_free;
static int ready;

static int bit(const uint32_t *map, uint32_t g) { return (int)((map[g >> 5] >> (g & 31u)) & 1u); }

static void set_bit(uint32_t *map, uint32_t g) { map[g >> 5] |= 1u << (g & 31u); }

static void clear_bit(uint32_t *map, uint32_t g) { map[g >> 5] &= ~(1u << (g & 31u)); }

/* Sets (value 1) or clears (value 0) the bits [from, to) of map. */
static void set_range(uint32_t *map, uint32_t from, uint32_t to, int value) {
  while (from < to) {
    uint32_t word = from >> 5;
    uint32_t lo = from & 31u;
    uint32_t n = to - from < 32u - lo ? to - from : 32u - lo;
    uint32_t mask = (n == 32u ? 0xffffffffu : ((1u << n) - 1u)) << lo;
    if (value) {
      map[word] |= mask;
    } else {
      map[word] &= ~mask;
    }
    from += n;
  }
}

/*
 * The first granule in [from, to) whose bit, after XOR with flip (0: look for a
 * set used bit, ~0: look for a clear one), is set; to when there is none.
 */
static uint32_t scan_used(uint32_t from, uint32_t to, uint32_t flip) {
  while (from < to) {
    uint32_t word = from >> 5;
    uint32_t bits = (used[word] ^ flip) >> (from & 31u);
    if (bits != 0u) {
      uint32_t g = from + (uint32_t)__builtin_ctz(bits);
      return g < to ? g : to;
    }
    from = (word + 1u) << 5;
  }
  return to;
}

/* One past the last granule of the block starting at g: the next free granule or block start. */
static uint32_t block_end(uint32_t g) {
  uint32_t k = g + 1u;
  while (k < MAX_GRANULES) {
    uint32_t word = k >> 5;
    uint32_t boundary = (~used[word] | starts[word]) >> (k & 31u);
    if (boundary != 0u) return k + (uint32_t)__builtin_ctz(boundary);
    k = (word + 1u) << 5;
  }
  return MAX_GRANULES;
}

/* Grows the memory so that it covers granules [0, end); 0 on success. */
static int cover(uint32_t end) {
  uint64_t bytes = (uint64_t)end << GRANULE_SHIFT;
  uint64_t pages = (bytes + (1u << WASM_PAGE_SHIFT) - 1u) >> WASM_PAGE_SHIFT;
  uint64_t have = (uint64_t)__builtin_wasm_memory_size(0);
  if (pages <= have) return 0;
  return __builtin_wasm_memory_grow(0, (size_t)(pages - have)) == (size_t)-1 ? -1 : 0;
}

/*
 * Places the bitmaps at __heap_base (not in .bss: with an imported memory wasm-ld
 * would emit .bss as 64 KiB of zero data) and reserves every granule below the end
 * of the bitmaps. 0 on success, -1 when the memory cannot hold them.
 */
static int init(void) {
  uint32_t base = ((uint32_t)(uintptr_t)&__heap_base + 15u) & ~15u;
  uint32_t reserved = (base + 2u * WORDS * 4u + GRANULE - 1u) >> GRANULE_SHIFT;
  if (cover(reserved) != 0) return -1;
  used = (uint32_t *)(uintptr_t)base;
  starts = used + WORDS;
  for (uint32_t i = 0; i < 2u * WORDS; i++) used[i] = 0u;
  set_range(used, 0u, reserved, 1);
  heap_start = reserved;
  first_free = reserved;
  ready = 1;
  return 0;
}

/*
 * Sets the allocator up (growing the memory to hold the bitmaps, 64 KiB) before
 * the first aligned_alloc, so that a call that then fails has grown nothing: the
 * backend calls it once when it instantiates the module. 0, or -1 when the
 * memory's maximum cannot hold the bitmaps. aligned_alloc still sets up lazily
 * for a host that never calls this.
 */
__attribute__((export_name("osal_init"))) int osal_init(void) { return ready || init() == 0 ? 0 : -1; }

/* The granules the memory covers now. */
static uint32_t top_granule(void) {
  uint64_t granules = ((uint64_t)__builtin_wasm_memory_size(0) << WASM_PAGE_SHIFT) >> GRANULE_SHIFT;
  return granules > MAX_GRANULES ? MAX_GRANULES : (uint32_t)granules;
}

static uint64_t align_up(uint64_t g, uint32_t step) { return (g + step - 1u) & ~(uint64_t)(step - 1u); }

#define NO_PLACE ((uint64_t)MAX_GRANULES + 1u)

/*
 * Where n granules aligned to step granules go: the lowest aligned position in a
 * free run below the memory's end that holds them (address-ordered first fit),
 * else the aligned start of the free space at the end, which the caller grows
 * into. NO_PLACE when even that passes the 4 GiB limit. (Best fit, last fit and
 * size-segregated variants all fragmented more on the zend workload.)
 */
static uint64_t place(uint32_t n, uint32_t step) {
  uint32_t top = top_granule();
  uint32_t f = scan_used(first_free, top, 0xffffffffu);
  while (f < top) {
    uint32_t e = scan_used(f, top, 0u);
    if (e == top) break;
    uint64_t g = align_up(f, step);
    if (g + n <= e) return g;
    f = scan_used(e, top, 0xffffffffu);
  }
  uint64_t g = align_up(f, step);
  return g + n > MAX_GRANULES ? NO_PLACE : g;
}

__attribute__((export_name("aligned_alloc"))) void *aligned_alloc(size_t align, size_t size) {
  if (!ready && init() != 0) return NULL;
  if (size == 0u || align == 0u || (align & (align - 1u)) != 0u) return NULL;
  if (size > 0xffffffffu - GRANULE) return NULL;
  uint32_t n = (uint32_t)((size + GRANULE - 1u) >> GRANULE_SHIFT);
  uint32_t step = align > GRANULE ? (uint32_t)(align >> GRANULE_SHIFT) : 1u;
  uint64_t place_at = place(n, step);
  if (place_at == NO_PLACE || cover((uint32_t)place_at + n) != 0) return NULL;
  uint32_t g = (uint32_t)place_at;
  set_range(used, g, g + n, 1);
  set_bit(starts, g);
  if (g == first_free) first_free = scan_used(g + n, MAX_GRANULES, 0xffffffffu);
  return (void *)(uintptr_t)((uint64_t)g << GRANULE_SHIFT);
}

__attribute__((export_name("free"))) void free(void *ptr) {
  uint32_t address = (uint32_t)(uintptr_t)ptr;
  if (address == 0u) return;
  uint32_t g = address >> GRANULE_SHIFT;
  if (!ready || (address & (GRANULE - 1u)) != 0u || !bit(starts, g)) __builtin_trap();
  uint32_t end = block_end(g);
  clear_bit(starts, g);
  set_range(used, g, end, 0);
  if (g < first_free) first_free = g;
}

/*
 * Gives back [ptr, ptr + size) from inside live blocks: both granule-aligned, every
 * granule in use. Whatever remains of a block after the range becomes a block of
 * its own, freed by its own address. Returns 0, or -1 (changing nothing) on a
 * range it cannot release.
 */
__attribute__((export_name("osal_release"))) int osal_release(void *ptr, size_t size) {
  uint32_t address = (uint32_t)(uintptr_t)ptr;
  if (!ready || size == 0u || ((address | size) & (GRANULE - 1u)) != 0u) return -1;
  uint32_t g = address >> GRANULE_SHIFT;
  uint32_t n = (uint32_t)(size >> GRANULE_SHIFT);
  if (g < heap_start || (uint64_t)g + n > MAX_GRANULES || scan_used(g, g + n, 0xffffffffu) != g + n) return -1;
  uint32_t end = g + n;
  if (end < MAX_GRANULES && bit(used, end) && !bit(starts, end)) set_bit(starts, end);
  set_range(starts, g, end, 0);
  set_range(used, g, end, 0);
  if (g < first_free) first_free = g;
  return 0;
}
