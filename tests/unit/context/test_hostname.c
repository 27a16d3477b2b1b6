#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <outcall/outcall.h>

static char out[OC_HOSTNAME_MAX];

/* Normalises `in` and checks the result; expect NULL for a rejection. */
static void check(const char *in, const char *expect)
{
	memset(out, 'X', sizeof(out));
	int rc = oc_hostname_normalize(in, out, sizeof(out));
	if (!expect) {
		cr_assert_eq(rc, OC_EINVAL, "\"%s\" accepted as \"%s\"", in, rc >= 0 ? out : "");
		cr_assert_eq(oc_error_last()->code, OC_EINVAL);
		return;
	}
	cr_assert_geq(rc, 0, "\"%s\" rejected: %s", in, oc_error_last()->message);
	cr_assert_str_eq(out, expect, "\"%s\"", in);
	cr_assert_eq(rc, (int)strlen(expect));
}

static char *repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

Test(hostname, ascii_lower_case)
{
	check("GitHub.COM", "github.com");
	check("api.example.com", "api.example.com");
	check("_dmarc.Example.ORG", "_dmarc.example.org");
	check("xn--BCHER-kva.example", "xn--bcher-kva.example");
	check("198.18.0.10", "198.18.0.10");
	check("localhost", "localhost");
}

Test(hostname, one_trailing_dot_removed)
{
	check("example.com.", "example.com");
	check("example.com..", NULL);
	check(".", NULL);
	check("", NULL);
}

Test(hostname, empty_labels_rejected)
{
	check("a..b", NULL);
	check(".example.com", NULL);
	cr_assert(strstr(oc_error_last()->message, "empty label at offset 0"), "%s", oc_error_last()->message);
}

Test(hostname, idn_labels_become_a_labels)
{
	check("bücher.example", "xn--bcher-kva.example");
	/* ASCII letters are lower-cased, non-ASCII ones are kept as they are. */
	check("München.DE.", "xn--mnchen-3ya.de");
	check("Bücher.Example", "xn--bcher-kva.example");
	check("пример.испытание", "xn--e1afmkfd.xn--80akhbyknj4f");
	check("straße.de", "xn--strae-oqa.de");
}

Test(hostname, length_limits)
{
	char l63[64], l64[65], l61[62], name[300];
	repeat(l63, 'a', 63);
	repeat(l64, 'a', 64);
	repeat(l61, 'b', 61);
	check(l63, l63);
	check(l64, NULL);
	cr_assert(strstr(oc_error_last()->message, "longer than 63 bytes"), "%s", oc_error_last()->message);

	snprintf(name, sizeof(name), "%s.%s.%s.%s", l63, l63, l63, l61);
	cr_assert_eq(strlen(name), 253);
	check(name, name);
	char dotted[300];
	snprintf(dotted, sizeof(dotted), "%s.", name);
	check(dotted, name);
	snprintf(name, sizeof(name), "%s.%s.%s.%sb", l63, l63, l63, l61);
	check(name, NULL);
	cr_assert(strstr(oc_error_last()->message, "longer than 253 bytes"), "%s", oc_error_last()->message);

	char huge[4000];
	repeat(huge, 'a', sizeof(huge) - 1);
	check(huge, NULL);
}

Test(hostname, idn_label_length_counts_the_a_label)
{
	char in[200], expect[80];
	/* 30 ASCII + 25 ü: 62 bytes as an A-label. */
	size_t o = 0;
	memset(in, 'a', 30);
	o = 30;
	for (int i = 0; i < 25; i++) {
		in[o++] = (char)0xc3;
		in[o++] = (char)0xbc;
	}
	in[o] = '\0';
	snprintf(expect, sizeof(expect), "xn--%s-yfd%s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"aaaaaaaaaaaaaaaaaaaaaaaa");
	check(in, expect);
	cr_assert_eq(strlen(out), 62);

	/* 59 ü: 65 bytes as an A-label; 60: refused before encoding. */
	for (int n = 59; n <= 60; n++) {
		o = 0;
		for (int i = 0; i < n; i++) {
			in[o++] = (char)0xc3;
			in[o++] = (char)0xbc;
		}
		in[o] = '\0';
		check(in, NULL);
		cr_assert(strstr(oc_error_last()->message, "longer than 63 bytes as an A-label"),
			"%s", oc_error_last()->message);
	}
}

Test(hostname, invalid_utf8_rejected)
{
	check("b\xfc" "cher.example", NULL);  /* Latin-1, not UTF-8 */
	cr_assert(strstr(oc_error_last()->message, "invalid UTF-8 at offset 1"), "%s", oc_error_last()->message);
	check("a\xc0\xae.com", NULL);         /* overlong '.' */
	check("a\xed\xa0\x80.com", NULL);     /* surrogate */
	check("a\xf4\x90\x80\x80.com", NULL); /* above U+10FFFF */
	check("a\xc3", NULL);                 /* truncated */
	check("a\xc3" "a.com", NULL);         /* bad continuation */
}

Test(hostname, control_and_special_bytes_rejected)
{
	const char *bad[] = { "a\tb.com", "a b.com", "a/b.com", "user@host", "a\x7f.com",
		"a\x01", "*.example.com", "a\xc2\x85\x62.com", "a%2e.com" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check(bad[i], NULL);
	check("a b.com", NULL);
	cr_assert_str_eq(oc_error_last()->message, "host name \"a b.com\": byte 0x20 at offset 1 "
		"is not allowed in a host name (letters, digits, '-', '_' and '.' only)");
	/* The message never carries raw control bytes. */
	check("evil\n.com", NULL);
	cr_assert(strstr(oc_error_last()->message, "\"evil\\x0a.com\""), "%s", oc_error_last()->message);
}

Test(hostname, ipv6_literals)
{
	check("[2001:DB8::1]", "2001:db8::1");
	check("2001:db8::A", "2001:db8::a");
	check("::1", "::1");
	check("[::ffff:198.18.0.1]", "::ffff:198.18.0.1");
	check("[::1", NULL);
	check("::1]", NULL);
	check("1:2:3", NULL);
	check("[fe80::1%eth0]", NULL);
	check("example.com:443", NULL);
	cr_assert_str_eq(oc_error_last()->message, "host name \"example.com:443\": is not a valid IPv6 "
		"address (':' appears only in IPv6 literals: strip any port first)");
}

Test(hostname, output_buffer_limits)
{
	char small[12];
	cr_assert_eq(oc_hostname_normalize("example.com", small, 11), OC_ELIMIT);
	cr_assert_eq(oc_hostname_normalize("example.com", small, 12), 11);
	cr_assert_str_eq(small, "example.com");
	cr_assert_eq(oc_hostname_normalize("[::1]", small, 3), OC_ELIMIT);
	cr_assert_eq(oc_hostname_normalize(NULL, small, 12), OC_EINVAL);
}
