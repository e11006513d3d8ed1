/*
 * libosal-mman: the mmap family of Linux for C compiled to wasm32, served by
 * the JS host's osal backend. Link it instead of wasi-libc's
 * -lwasi-emulated-mman (or Emscripten's own mmap) with the flags of
 * `osal-guest-flags --libs`; compile against the drop-in <sys/mman.h> of
 * `osal-guest-flags --cflags`.
 *
 * Each function calls one host import and turns its result (address, or
 * -errno with Linux numbers) into the libc convention: MAP_FAILED / -1 with
 * errno in the libc's own numbering (WASI's on wasi-libc and Emscripten).
 *
 * Imports: on wasi-libc the import module "osal" (SPEC section 5); on
 * Emscripten the module "env", names "osal_*", which the shipped JS library
 * (emscripten/osal-library.js, `--js-library`) provides.
 *
 * Also here, because a program that maps memory needs them to agree with the
 * backend:
 *   - sysconf(_SC_PAGESIZE) and getpagesize() answer the guest-facing page
 *     size (the import page_size), through -Wl,--wrap=sysconf and
 *     -Wl,--wrap=getpagesize;
 *   - prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, start, len, name) names the
 *     range (import set_vma_name); neither libc has a prctl of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifdef __EMSCRIPTEN__
#define OSAL_IMPORT(name) __attribute__((import_module("env"), import_name("osal_" name)))
#else
#define OSAL_IMPORT(name) __attribute__((import_module("osal"), import_name(name)))
#endif

OSAL_IMPORT("mmap") int32_t osal_import_mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off);
OSAL_IMPORT("munmap") int32_t osal_import_munmap(void *addr, size_t len);
OSAL_IMPORT("mremap") int32_t osal_import_mremap(void *old_addr, size_t old_len, size_t new_len, int flags, void *new_addr);
OSAL_IMPORT("mprotect") int32_t osal_import_mprotect(void *addr, size_t len, int prot);
OSAL_IMPORT("madvise") int32_t osal_import_madvise(void *addr, size_t len, int advice);
OSAL_IMPORT("page_size") int32_t osal_import_page_size(void);
OSAL_IMPORT("set_vma_name") int32_t osal_import_set_vma_name(void *addr, size_t len, const char *name);

/* A Linux errno number in the libc's own numbering; numbers osal never returns become EINVAL. */
static int libc_errno(int linux_errno) {
  switch (linux_errno) {
    case 1: return EPERM;
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

/* True when a raw result is -errno (Linux convention: [-4095, -1]). */
static int is_error(int32_t result) {
  return (uint32_t)result > (uint32_t)-4096;
}

static void *address_or_failed(int32_t result) {
  if (is_error(result)) {
    errno = libc_errno(-result);
    return MAP_FAILED;
  }
  return (void *)(uintptr_t)(uint32_t)result;
}

static int zero_or_failed(int32_t result) {
  if (is_error(result)) {
    errno = libc_errno(-result);
    return -1;
  }
  return 0;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  return address_or_failed(osal_import_mmap(addr, len, prot, flags, fd, (int64_t)off));
}

int munmap(void *addr, size_t len) {
  return zero_or_failed(osal_import_munmap(addr, len));
}

/* Variadic as Linux declares it: the fifth argument is read only with MREMAP_FIXED. */
void *mremap(void *old_addr, size_t old_len, size_t new_len, int flags, ...) {
  void *new_addr = NULL;
  if (flags & MREMAP_FIXED) {
    va_list args;
    va_start(args, flags);
    new_addr = va_arg(args, void *);
    va_end(args);
  }
  return address_or_failed(osal_import_mremap(old_addr, old_len, new_len, flags, new_addr));
}

int mprotect(void *addr, size_t len, int prot) {
  return zero_or_failed(osal_import_mprotect(addr, len, prot));
}

int madvise(void *addr, size_t len, int advice) {
  return zero_or_failed(osal_import_madvise(addr, len, advice));
}

int posix_madvise(void *addr, size_t len, int advice) {
  /* POSIX_MADV_DONTNEED is advisory only (glibc ignores it): never drop bytes for it. */
  if (advice == POSIX_MADV_DONTNEED) return 0;
  int32_t r = osal_import_madvise(addr, len, advice);
  return is_error(r) ? libc_errno(-r) : 0;
}

long __real_sysconf(int name);

/* sysconf with _SC_PAGESIZE answered by the host (-Wl,--wrap=sysconf). */
long __wrap_sysconf(int name) {
  if (name == _SC_PAGESIZE) return (long)osal_import_page_size();
  return __real_sysconf(name);
}

/* getpagesize() answered by the host (-Wl,--wrap=getpagesize). */
int __wrap_getpagesize(void) {
  return (int)osal_import_page_size();
}

static int set_vma(va_list args) {
  unsigned long what = va_arg(args, unsigned long);
  if (what != PR_SET_VMA_ANON_NAME) {
    errno = EINVAL;
    return -1;
  }
  void *start = (void *)va_arg(args, unsigned long);
  size_t len = (size_t)va_arg(args, unsigned long);
  const char *name = (const char *)va_arg(args, unsigned long);
  return zero_or_failed(osal_import_set_vma_name(start, len, name));
}

#ifdef __EMSCRIPTEN__
/*
 * Emscripten keeps the program break itself: the page manager must take its
 * pages from the guest's sbrk. Exported under a name of its own so the host
 * finds it whatever EXPORTED_FUNCTIONS says.
 */
__attribute__((export_name("osal_sbrk"))) void *osal_sbrk(intptr_t increment) {
  return sbrk(increment);
}
#endif

/* prctl: neither wasi-libc nor Emscripten 3.1.6 has one; PR_SET_VMA is answered, anything else is EINVAL. */
int prctl(int option, ...) {
  if (option != PR_SET_VMA) {
    errno = EINVAL;
    return -1;
  }
  va_list args;
  va_start(args, option);
  int result = set_vma(args);
  va_end(args);
  return result;
}
