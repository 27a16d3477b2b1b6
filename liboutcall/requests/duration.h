/* Durations as operators and agents write them ("30s", "10m", "2h", "1d"),
 * and times as request records and rule file headers show them. */
#ifndef OC_REQUESTS_DURATION_H
#define OC_REQUESTS_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The longest duration accepted: a year. Longer grants are permanent
 * rules in disguise; write them as rule files. */
#define OC_DURATION_MAX (366LL * 86400)

/* A positive decimal number followed by one unit letter (s, m, h, d), at
 * most OC_DURATION_MAX. Returns 0 or OC_EINVAL naming the text. */
int oc_duration_parse(const char *text, int64_t *seconds);
/* The largest unit that divides the duration exactly ("90s", "2h"). */
void oc_duration_format(int64_t seconds, char *out, size_t size);

/* Unix seconds as "2024-05-01T10:00:00Z" (UTC). */
#define OC_TIME_TEXT_MAX 32
void oc_time_format(int64_t unix_s, char out[OC_TIME_TEXT_MAX]);

#endif
