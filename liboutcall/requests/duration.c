#include "requests/duration.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/error.h"

static const struct {
	char unit;
	int64_t seconds;
} units[] = { { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 } };

int oc_duration_parse(const char *text, int64_t *seconds)
{
	size_t digits = strspn(text, "0123456789");
	/* Eight digits keep n far from overflow before the range check. */
	if (digits == 0 || digits > 8 || !text[digits] || text[digits + 1])
		goto bad;
	int64_t n = 0;
	for (size_t i = 0; i < digits; i++)
		n = n * 10 + (text[i] - '0');
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (text[digits] != units[u].unit)
			continue;
		if (n == 0 || n > OC_DURATION_MAX / units[u].seconds)
			break;
		*seconds = n * units[u].seconds;
		return 0;
	}
bad:
	return oc_error_set(OC_EINVAL, "invalid duration '%s': write a positive number and a unit, "
		"e.g. 30s, 10m, 2h or 1d (at most 366d)", text);
}

void oc_duration_format(int64_t seconds, char *out, size_t size)
{
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (seconds % units[u].seconds == 0) {
			snprintf(out, size, "%" PRId64 "%c", seconds / units[u].seconds, units[u].unit);
			return;
		}
	}
}

void oc_time_format(int64_t unix_s, char out[OC_TIME_TEXT_MAX])
{
	time_t t = (time_t)unix_s;
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, OC_TIME_TEXT_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, OC_TIME_TEXT_MAX, "@%" PRId64, unix_s);
}
