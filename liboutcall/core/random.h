/* Bytes from the kernel's CSPRNG, for anything an attacker must not guess
 * (DNS query ids, hash-table keys). */
#ifndef OC_CORE_RANDOM_H
#define OC_CORE_RANDOM_H

#include <stddef.h>

/* Fills buf with len random bytes from getrandom(2). Returns 0 or OC_EOS
 * (with the last error set). May block only before the kernel's entropy
 * pool is first initialised, early in boot. Thread-safe. */
int oc_random_bytes(void *buf, size_t len);

#endif
