/*
 * <sys/mman.h> of @osal/wasm-guest's drop-in integration: put this folder
 * first on the include path (`osal-guest-flags --cflags`) and link
 * `-losal-mman` (`osal-guest-flags --libs`), and a C file written for Linux
 * gets mmap, munmap, mremap, mprotect and madvise from osal, unchanged.
 *
 * It includes the libc's own header (wasi-libc's needs _WASI_EMULATED_MMAN,
 * defined here; nothing of wasi-libc's emulation is linked) for the
 * prototypes and Linux constants, and adds what wasm libcs leave out:
 * MAP_FIXED_NOREPLACE, MAP_UNINITIALIZED and MREMAP_DONTUNMAP. mremap is
 * variadic, as on Linux (declared with _GNU_SOURCE, as glibc does).
 */
#ifndef OSAL_DROPIN_SYS_MMAN_H
#define OSAL_DROPIN_SYS_MMAN_H

#if defined(__wasi__) && !defined(_WASI_EMULATED_MMAN)
#define _WASI_EMULATED_MMAN 1
#endif
#include_next <sys/mman.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#ifndef MAP_UNINITIALIZED
#define MAP_UNINITIALIZED 0x4000000
#endif
#if defined(_GNU_SOURCE) && !defined(MREMAP_DONTUNMAP)
#define MREMAP_DONTUNMAP 4
#endif

#endif /* OSAL_DROPIN_SYS_MMAN_H */
