#include <criterion/criterion.h>
#include "core/siphash.h"

/* Vectors from the SipHash paper's reference implementation: key
 * 00..0f, messages 00..(n-1). */
Test(siphash, reference_vectors)
{
	uint8_t key[16], msg[64];
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	cr_assert_eq(oc_siphash(key, msg, 0), 0x726fdb47dd0e0e31ULL);
	cr_assert_eq(oc_siphash(key, msg, 1), 0x74f839c593dc67fdULL);
	cr_assert_eq(oc_siphash(key, msg, 8), 0x93f5f5799a932462ULL);
	cr_assert_eq(oc_siphash(key, msg, 15), 0xa129ca6149be45e5ULL);
}

Test(siphash, key_changes_hash)
{
	uint8_t k1[16] = { 0 }, k2[16] = { 1 };
	cr_assert_neq(oc_siphash(k1, "example.com", 11), oc_siphash(k2, "example.com", 11));
}
