/* RFC 3492 section 6.3, with the parameter values of section 5. */
#include "context/punycode.h"

enum {
	BASE = 36,
	TMIN = 1,
	TMAX = 26,
	SKEW = 38,
	DAMP = 700,
	INITIAL_BIAS = 72,
	INITIAL_N = 0x80,
};

static char digit(uint32_t d)
{
	return (char)(d < 26 ? 'a' + d : '0' + (d - 26));
}

static uint32_t adapt(uint32_t delta, uint32_t numpoints, int first)
{
	delta = first ? delta / DAMP : delta / 2;
	delta += delta / numpoints;
	uint32_t k = 0;
	while (delta > ((BASE - TMIN) * TMAX) / 2) {
		delta /= BASE - TMIN;
		k += BASE;
	}
	return k + (BASE - TMIN + 1) * delta / (delta + SKEW);
}

/* Appends one variable-length integer (section 3.3) for q. */
static int put_varint(uint32_t q, uint32_t bias, char *out, size_t outsz, size_t *o)
{
	for (uint32_t k = BASE;; k += BASE) {
		uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
		if (q < t)
			break;
		if (*o + 1 >= outsz)
			return -1;
		out[(*o)++] = digit(t + (q - t) % (BASE - t));
		q = (q - t) / (BASE - t);
	}
	if (*o + 1 >= outsz)
		return -1;
	out[(*o)++] = digit(q);
	return 0;
}

int oc_punycode_encode(const uint32_t *cp, size_t n, char *out, size_t outsz)
{
	if (outsz == 0 || n > UINT32_MAX / 2)
		return -1;
	size_t o = 0;
	for (size_t j = 0; j < n; j++) {
		if (cp[j] >= INITIAL_N)
			continue;
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)cp[j];
	}
	uint32_t b = (uint32_t)o, h = b;
	if (b > 0) {
		if (o + 1 >= outsz)
			return -1;
		out[o++] = '-';
	}

	uint32_t next = INITIAL_N, delta = 0, bias = INITIAL_BIAS;
	while (h < n) {
		uint32_t m = UINT32_MAX;
		for (size_t j = 0; j < n; j++)
			if (cp[j] >= next && cp[j] < m)
				m = cp[j];
		if (m - next > (UINT32_MAX - delta) / (h + 1))
			return -1;
		delta += (m - next) * (h + 1);
		next = m;
		for (size_t j = 0; j < n; j++) {
			if (cp[j] < next && ++delta == 0)
				return -1;
			if (cp[j] != next)
				continue;
			if (put_varint(delta, bias, out, outsz, &o) < 0)
				return -1;
			bias = adapt(delta, h + 1, h == b);
			delta = 0;
			h++;
		}
		delta++;
		next++;
	}
	out[o] = '\0';
	return (int)o;
}
