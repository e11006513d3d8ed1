/*
 * osal/mman.h: the mmap family of @osal/wasm-guest for C guests compiled to
 * wasm32 (clang + wasi-libc, or Emscripten) or to wasm64 (clang
 * --target=wasm64, memory64; freestanding, as no wasm64 libc ships in Debian).
 *
 * The functions come from the host through the wasm import module "osal"
 * (SPEC section 5), with the wasm32 Linux argument order and widths:
 *
 *   mmap(addr i32, len i32, prot i32, flags i32, fd i32, off i64) -> i32
 *   munmap(addr i32, len i32) -> i32
 *   mremap(old i32, oldLen i32, newLen i32, flags i32, newAddr i32) -> i32
 *   mprotect(addr i32, len i32, prot i32) -> i32
 *   madvise(addr i32, len i32, advice i32) -> i32
 *
 * On wasm64 the same names take i64 addresses and lengths (void *, size_t) and
 * mmap and mremap return an i64 (intptr_t); the host gives such a guest
 * createGuestImports64 (Note [The wasm64 guest ABI] in guest-imports64.ts):
 *
 *   mmap(addr i64, len i64, prot i32, flags i32, fd i32, off i64) -> i64
 *   munmap(addr i64, len i64) -> i32
 *   mremap(old i64, oldLen i64, newLen i64, flags i32, newAddr i64) -> i64
 *   mprotect(addr i64, len i64, prot i32) -> i32
 *   madvise(addr i64, len i64, advice i32) -> i32
 *
 * Each import returns the address (or 0) on success and -errno on failure, as
 * the Linux system calls do: a result in [-4095, -1] is an error. On wasm32, page-aligned
 * addresses above 2 GiB read as negative int32 but never fall in that range.
 * The errno numbers are Linux's (ENOMEM 12, EINVAL 22, EEXIST 17, ...).
 *
 * Two layers are declared here:
 *   - osal_sys_mmap() & co.: the raw imports (address or -errno, Linux numbers);
 *   - osal_mmap() & co.: libc-style wrappers (MAP_FAILED / -1 and errno set,
 *     translated to the libc's own numbering, which on wasi-libc and
 *     Emscripten is WASI's, not Linux's).
 *
 * For C written against Linux's <sys/mman.h>, prefer the drop-in integration
 * (`osal-guest-flags`: libosal-mman and include/libc/sys/mman.h), which needs
 * no source change. This header is for code that calls osal by name.
 *
 * Opt-in routing: define OSAL_MMAN_REPLACE_LIBC before including this header
 * and the names mmap, munmap, mremap, mprotect and madvise (and the PROT_*,
 * MAP_*, MREMAP_* and MADV_* constants, when the libc did not define them)
 * refer to osal, so existing code compiles unchanged. Include this header
 * instead of <sys/mman.h>, or after it: the libc's prototypes must not come
 * after the renaming macros.
 *
 * Constants carry Linux values (the same in wasi-libc and Emscripten headers).
 */
#ifndef OSAL_MMAN_H
#define OSAL_MMAN_H

#if __STDC_HOSTED__
#include <errno.h>
#define OSAL_MMAN_HAS_ERRNO 1
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OSAL_PROT_NONE 0x0
#define OSAL_PROT_READ 0x1
#define OSAL_PROT_WRITE 0x2
#define OSAL_PROT_EXEC 0x4

#define OSAL_MAP_SHARED 0x01
#define OSAL_MAP_PRIVATE 0x02
#define OSAL_MAP_FIXED 0x10
#define OSAL_MAP_ANONYMOUS 0x20
#define OSAL_MAP_NORESERVE 0x4000
#define OSAL_MAP_POPULATE 0x8000
#define OSAL_MAP_FIXED_NOREPLACE 0x100000
#define OSAL_MAP_UNINITIALIZED 0x4000000
#define OSAL_MAP_FAILED ((void *)-1)

#define OSAL_MREMAP_MAYMOVE 1
#define OSAL_MREMAP_FIXED 2
#define OSAL_MREMAP_DONTUNMAP 4

#define OSAL_MADV_NORMAL 0
#define OSAL_MADV_RANDOM 1
#define OSAL_MADV_SEQUENTIAL 2
#define OSAL_MADV_WILLNEED 3
#define OSAL_MADV_DONTNEED 4
#define OSAL_MADV_FREE 8
#define OSAL_MADV_HUGEPAGE 14
#define OSAL_MADV_NOHUGEPAGE 15

/* The widths the imports rely on: a pointer, size_t and intptr_t are one wasm
 * value (i32 on wasm32, i64 on wasm64); int is i32 and the offset i64 on both. */
#ifdef __cplusplus
#define _Static_assert static_assert
#endif
_Static_assert(sizeof(void *) == sizeof(size_t), "osal/mman.h: size_t is pointer-wide");
_Static_assert(sizeof(void *) == sizeof(intptr_t), "osal/mman.h: intptr_t is pointer-wide");
_Static_assert(sizeof(int) == 4, "osal/mman.h: int is an i32");
#if defined(__wasm64__)
_Static_assert(sizeof(void *) == 8, "osal/mman.h: wasm64 pointers are i64");
#elif defined(__wasm32__)
_Static_assert(sizeof(void *) == 4, "osal/mman.h: wasm32 pointers are i32");
#endif
#ifdef __cplusplus
#undef _Static_assert
#endif

#define OSAL_IMPORT(name) __attribute__((import_module("osal"), import_name(name)))

/* The raw imports: address (or 0) on success, -errno on failure; the address
 * results are pointer-wide (intptr_t: i32 on wasm32, i64 on wasm64). */
OSAL_IMPORT("mmap") intptr_t osal_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off);
OSAL_IMPORT("munmap") int32_t osal_sys_munmap(void *addr, size_t len);
OSAL_IMPORT("mremap") intptr_t osal_sys_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, void *new_addr);
OSAL_IMPORT("mprotect") int32_t osal_sys_mprotect(void *addr, size_t len, int prot);
OSAL_IMPORT("madvise") int32_t osal_sys_madvise(void *addr, size_t len, int advice);

#undef OSAL_IMPORT

/* True when a raw result is -errno (Linux convention: [-4095, -1]). */
static inline int osal_is_error(intptr_t result) {
  return (uintptr_t)result > (uintptr_t)-4096;
}

#ifdef OSAL_MMAN_HAS_ERRNO

/*
 * The libc's errno for a Linux errno number. The imports speak Linux numbers
 * (SPEC section 5), but wasi-libc and Emscripten number errno as WASI does
 * (EINVAL is 28 there, 22 on Linux), so the wrappers translate through the
 * libc's own E* constants. Numbers osal never returns become EINVAL.
 */
static inline int osal_errno_from_linux(int linux_errno) {
  switch (linux_errno) {
    case 1: return EPERM;
    case 2: return ENOENT;
    case 4: return EINTR;
    case 5: return EIO;
    case 9: return EBADF;
    case 11: return EAGAIN;
    case 12: return ENOMEM;
    case 13: return EACCES;
    case 14: return EFAULT;
    case 16: return EBUSY;
    case 17: return EEXIST;
    case 19: return ENODEV;
    case 22: return EINVAL;
    case 38: return ENOSYS;
    case 95: return ENOTSUP;
    default: return EINVAL;
  }
}
#define OSAL_SET_ERRNO(linux_errno) (errno = osal_errno_from_linux(linux_errno))
#else
/* Freestanding (no <errno.h>, e.g. a wasm64 guest): the wrappers keep the
 * Linux errno number of the last failure here, one per translation unit. */
static int osal_errno;
#define OSAL_SET_ERRNO(linux_errno) (osal_errno = (linux_errno))
#endif

/* mmap(2): the address, or MAP_FAILED with errno set. */
static inline void *osal_mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off) {
  intptr_t r = osal_sys_mmap(addr, len, prot, flags, fd, off);
  if (osal_is_error(r)) {
    OSAL_SET_ERRNO((int)-r);
    return OSAL_MAP_FAILED;
  }
  return (void *)(uintptr_t)r;
}

/* munmap(2): 0, or -1 with errno set. */
static inline int osal_munmap(void *addr, size_t len) {
  int32_t r = osal_sys_munmap(addr, len);
  if (osal_is_error(r)) {
    OSAL_SET_ERRNO((int)-r);
    return -1;
  }
  return 0;
}

/*
 * mremap(2): the (possibly moved) address, or MAP_FAILED with errno set.
 * Variadic as Linux declares it (real code calls it with four arguments): the
 * fifth, new_addr, is read only with MREMAP_FIXED.
 */
static inline void *osal_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, ...) {
  void *new_addr = NULL;
  if (flags & OSAL_MREMAP_FIXED) {
    va_list args;
    va_start(args, flags);
    new_addr = va_arg(args, void *);
    va_end(args);
  }
  intptr_t r = osal_sys_mremap(old_addr, old_len, new_len, flags, new_addr);
  if (osal_is_error(r)) {
    OSAL_SET_ERRNO((int)-r);
    return OSAL_MAP_FAILED;
  }
  return (void *)(uintptr_t)r;
}

/* mprotect(2): 0, or -1 with errno set. */
static inline int osal_mprotect(void *addr, size_t len, int prot) {
  int32_t r = osal_sys_mprotect(addr, len, prot);
  if (osal_is_error(r)) {
    OSAL_SET_ERRNO((int)-r);
    return -1;
  }
  return 0;
}

/* madvise(2): 0, or -1 with errno set. */
static inline int osal_madvise(void *addr, size_t len, int advice) {
  int32_t r = osal_sys_madvise(addr, len, advice);
  if (osal_is_error(r)) {
    OSAL_SET_ERRNO((int)-r);
    return -1;
  }
  return 0;
}

#ifdef OSAL_MMAN_REPLACE_LIBC
#ifndef PROT_NONE
#define PROT_NONE OSAL_PROT_NONE
#define PROT_READ OSAL_PROT_READ
#define PROT_WRITE OSAL_PROT_WRITE
#define PROT_EXEC OSAL_PROT_EXEC
#endif
#ifndef MAP_PRIVATE
#define MAP_SHARED OSAL_MAP_SHARED
#define MAP_PRIVATE OSAL_MAP_PRIVATE
#define MAP_FIXED OSAL_MAP_FIXED
#define MAP_ANONYMOUS OSAL_MAP_ANONYMOUS
#define MAP_ANON OSAL_MAP_ANONYMOUS
#define MAP_NORESERVE OSAL_MAP_NORESERVE
#define MAP_POPULATE OSAL_MAP_POPULATE
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE OSAL_MAP_FIXED_NOREPLACE
#endif
#ifndef MAP_FAILED
#define MAP_FAILED OSAL_MAP_FAILED
#endif
#ifndef MREMAP_MAYMOVE
#define MREMAP_MAYMOVE OSAL_MREMAP_MAYMOVE
#define MREMAP_FIXED OSAL_MREMAP_FIXED
#endif
#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP OSAL_MREMAP_DONTUNMAP
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED OSAL_MAP_UNINITIALIZED
#endif
#ifndef MADV_DONTNEED
#define MADV_NORMAL OSAL_MADV_NORMAL
#define MADV_RANDOM OSAL_MADV_RANDOM
#define MADV_SEQUENTIAL OSAL_MADV_SEQUENTIAL
#define MADV_WILLNEED OSAL_MADV_WILLNEED
#define MADV_DONTNEED OSAL_MADV_DONTNEED
#define MADV_FREE OSAL_MADV_FREE
#define MADV_HUGEPAGE OSAL_MADV_HUGEPAGE
#define MADV_NOHUGEPAGE OSAL_MADV_NOHUGEPAGE
#endif
#define mmap osal_mmap
#define munmap osal_munmap
#define mremap osal_mremap
#define mprotect osal_mprotect
#define madvise osal_madvise
#endif /* OSAL_MMAN_REPLACE_LIBC */

#ifdef __cplusplus
}
#endif

#endif /* OSAL_MMAN_H */
