// Wine's <time.h> lacks struct timespec and gmtime_s, which the UCRT declares and libc++'s
// <ctime> names.
#pragma once
#include_next <time.h>

#ifdef __cplusplus
extern "C" {
#endif

struct timespec {
    time_t tv_sec;
    long tv_nsec;
};
int __cdecl timespec_get(struct timespec *, int);
errno_t __cdecl gmtime_s(struct tm *, const time_t *);

#ifdef __cplusplus
}
#endif
