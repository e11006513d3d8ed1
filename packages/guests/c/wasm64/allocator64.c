/*
 * allocator64.c: a freestanding wasm64 allocator (clang --target=wasm64,
 * memory64), the guest side of @osal/wasm-posix-memalign's `guestAllocator`
 * on a memory64 memory past 4 GiB. No libc (Debian ships no wasm64 sysroot):
 * it exports C's names with i64 addresses and sizes (BigInt in JS),
 *   aligned_alloc(align, size) -> ptr   a block of size bytes aligned to align, or 0
 *   free(ptr)                           gives a block back (0 is ignored)
 *   sbrk(increment) -> old break        grows the heap; (void *)-1 when it cannot
 * and its memory (`memory`, 16 GiB maximum).
 *
 * First fit over one free list in address order, neighbours merged on free.
 * The heap is [__heap_base, break); the break only moves up (a negative
 * increment fails), through `memory.grow` when it passes the memory's size.
 * A block has a 16-byte header just before it (its end and a magic word; a
 * `free` of anything else traps); a free chunk keeps its end and the next
 * free chunk in its first 16 bytes. So the allocator writes only headers,
 * never inside a block it returns, and nothing at or above the break: the
 * backend may take memory above `sbrk(0)` as zero. Not thread-safe (no lock).
 */
#include <stddef.h>
#include <stdint.h>

#define WASM_PAGE ((uintptr_t)65536)
/* Sizes and alignments are multiples of this; a header and a free chunk's links fit in it. */
#define GRAIN ((uintptr_t)16)
/* Far above any memory64 memory a host grows to (V8: 16 GiB); keeps the arithmetic exact. */
#define LIMIT ((uintptr_t)1 << 48)
#define MAGIC ((uintptr_t)0x05a1a110c0ffee64ull)

extern unsigned char __heap_base;

/* A free chunk [self, end), in address order. */
struct chunk {
  uintptr_t end;
  struct chunk *next;
};

/* Just before a block: the end of its chunk, which starts at the header. */
struct header {
  uintptr_t end;
  uintptr_t magic;
};

static struct chunk *free_list;
static uintptr_t brk_now;

static uintptr_t align_up(uintptr_t value, uintptr_t align) {
  return (value + align - 1) & ~(align - 1);
}

static uintptr_t current_break(void) {
  if (brk_now == 0) brk_now = align_up((uintptr_t)&__heap_base, GRAIN);
  return brk_now;
}

__attribute__((export_name("sbrk"))) void *sbrk(intptr_t increment) {
  uintptr_t old = current_break();
  if (increment < 0 || (uintptr_t)increment > LIMIT) return (void *)-1;
  uintptr_t end = old + (uintptr_t)increment;
  uintptr_t size = __builtin_wasm_memory_size(0) * WASM_PAGE;
  if (end > size) {
    uintptr_t pages = (end - size + WASM_PAGE - 1) / WASM_PAGE;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return (void *)-1;
  }
  brk_now = end;
  return (void *)old;
}

/* Puts [start, end) on the free list, merged with the chunks it touches. */
static void insert(uintptr_t start, uintptr_t end) {
  struct chunk *prev = 0;
  struct chunk *next = free_list;
  while (next != 0 && (uintptr_t)next < start) {
    prev = next;
    next = next->next;
  }
  if (next != 0 && (uintptr_t)next == end) {
    end = next->end;
    next = next->next;
  }
  if (prev != 0 && prev->end == start) {
    prev->end = end;
    prev->next = next;
    return;
  }
  struct chunk *fresh = (struct chunk *)start;
  fresh->end = end;
  fresh->next = next;
  if (prev != 0) prev->next = fresh;
  else free_list = fresh;
}

/*
 * Takes the block [p, p + size) and its header out of the chunk *link points
 * to; what is left before the header and after the block stays free (both
 * are multiples of GRAIN, so each is empty or holds a chunk's links).
 */
static void *carve(struct chunk **link, uintptr_t p, uintptr_t size) {
  struct chunk *c = *link;
  uintptr_t end = c->end;
  struct chunk *next = c->next;
  uintptr_t head = p - GRAIN;
  uintptr_t tail = p + size;
  if (head > (uintptr_t)c) {
    c->end = head;
    link = &c->next;
  }
  if (tail < end) {
    struct chunk *rest = (struct chunk *)tail;
    rest->end = end;
    rest->next = next;
    *link = rest;
  } else {
    *link = next;
  }
  struct header *h = (struct header *)head;
  h->end = tail;
  h->magic = MAGIC;
  return (void *)p;
}

/* First fit: the first free chunk that holds the header and an aligned block. */
static void *first_fit(uintptr_t align, uintptr_t size) {
  struct chunk **link = &free_list;
  for (struct chunk *c = free_list; c != 0; link = &c->next, c = c->next) {
    uintptr_t p = align_up((uintptr_t)c + GRAIN, align);
    if (p <= c->end && c->end - p >= size) return carve(link, p, size);
  }
  return 0;
}

/* Moves the break up just enough for the block to fit at the top of the heap. */
static int grow_for(uintptr_t align, uintptr_t size) {
  uintptr_t top = current_break();
  uintptr_t base = top;
  for (struct chunk *c = free_list; c != 0; c = c->next) {
    if (c->end == top) base = (uintptr_t)c;
  }
  uintptr_t need = align_up(base + GRAIN, align) + size - top;
  if (sbrk((intptr_t)need) == (void *)-1) return 0;
  insert(top, top + need);
  return 1;
}

__attribute__((export_name("aligned_alloc"))) void *aligned_alloc(size_t align, size_t size) {
  if (align == 0 || (align & (align - 1)) != 0 || align > LIMIT || size > LIMIT) return 0;
  if (align < GRAIN) align = GRAIN;
  size = size == 0 ? GRAIN : align_up(size, GRAIN);
  void *block = first_fit(align, size);
  if (block == 0 && grow_for(align, size)) block = first_fit(align, size);
  return block;
}

__attribute__((export_name("free"))) void free(void *ptr) {
  if (ptr == 0) return;
  struct header *h = (struct header *)((uintptr_t)ptr - GRAIN);
  if (h->magic != MAGIC) __builtin_trap();
  h->magic = 0;
  insert((uintptr_t)h, h->end);
}
