/*
 * The two libgfortran symbols that Debian's static libopenblas.a (its LAPACK part) refers to.
 * libgfortran.a cannot be linked into a shared object (its TLS relocations are not PIC), so the
 * prebuilt binary defines these two itself, with hidden visibility so that they never clash with
 * a real libgfortran loaded by the host process.
 */
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>

/* Fortran's // operator: dest = s1 // s2, truncated or blank-padded to destlen. */
__attribute__((visibility("hidden"))) void _gfortran_concat_string(size_t destlen, char *dest, size_t len1,
                                                                   const char *s1, size_t len2, const char *s2) {
  if (len1 >= destlen) {
    memcpy(dest, s1, destlen);
    return;
  }
  memcpy(dest, s1, len1);
  dest += len1;
  destlen -= len1;
  if (len2 >= destlen) {
    memcpy(dest, s2, destlen);
    return;
  }
  memcpy(dest, s2, len2);
  memset(dest + len2, ' ', destlen - len2);
}

/* ETIME: CPU seconds used so far (LAPACK's SECOND/DSECND timers). The array argument is not
   written: LAPACK's routines only use the return value. */
__attribute__((visibility("hidden"))) float _gfortran_etime(void *unused) {
  (void)unused;
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1.0f;
  return (float)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (float)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6f;
}
