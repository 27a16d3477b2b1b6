/* Definitions shared by every public header. */
#ifndef OUTCALL_COMMON_H
#define OUTCALL_COMMON_H

/* Marks the public ABI. The library is built with -fvisibility=hidden, so
 * only declarations carrying OC_API are exported (and the linker version
 * script further limits exports to oc_* names). */
#if defined(__GNUC__)
#define OC_API __attribute__((visibility("default")))
#else
#define OC_API
#endif

#endif
