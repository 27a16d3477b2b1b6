/* SipHash-2-4 (Aumasson and Bernstein): a keyed hash for tables whose keys
 * an attacker chooses (DNS names, peer addresses). With a random key the
 * attacker cannot aim many keys at one bucket. */
#ifndef OC_CORE_SIPHASH_H
#define OC_CORE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define OC_SIPHASH_KEY_LEN 16

uint64_t oc_siphash(const uint8_t key[OC_SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
