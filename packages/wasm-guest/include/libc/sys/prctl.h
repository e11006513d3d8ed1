/*
 * <sys/prctl.h> of @osal/wasm-guest's drop-in integration. Emscripten's musl
 * has the header (included here, but no prctl in its libc); wasi-libc has none,
 * so this one declares prctl(). `-losal-mman` defines it and answers
 * PR_SET_VMA / PR_SET_VMA_ANON_NAME as Linux does: it names the anonymous
 * mappings of a range (the name shows in osal's maps listings and pictures).
 * Other options fail with EINVAL.
 */
#ifndef OSAL_DROPIN_SYS_PRCTL_H
#define OSAL_DROPIN_SYS_PRCTL_H

#ifdef __EMSCRIPTEN__
#include_next <sys/prctl.h>
#else
#ifdef __cplusplus
extern "C" {
#endif
int prctl(int, ...);
#ifdef __cplusplus
}
#endif
#endif

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif

#endif /* OSAL_DROPIN_SYS_PRCTL_H */
