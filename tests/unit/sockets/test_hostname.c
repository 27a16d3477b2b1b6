#include <criterion/criterion.h>
#include <string.h>
#include "sockets/hostname.h"

static bool ok(const char *s, bool dot)
{
	return oc_hostname_syntax_ok(s, strlen(s), dot);
}

Test(net_hostname, syntax)
{
	cr_assert(ok("example.com", false));
	cr_assert(ok("a", false));
	cr_assert(ok("xn--caf-dma.example", false));
	cr_assert(ok("_dmarc.internal-host.example", false));
	cr_assert(ok("198.18.0.10", false), "syntax alone allows digits");
	cr_assert(ok("example.com.", true));
	cr_assert_not(ok("example.com.", false));
	cr_assert_not(ok(".", true));
	cr_assert_not(ok("", true));
	cr_assert_not(ok(".example", false));
	cr_assert_not(ok("a..b", false));
	cr_assert_not(ok("example.com..", true));
	cr_assert_not(ok("exa mple", false));
	cr_assert_not(ok("exa%6dple", false));
	cr_assert_not(ok("caf\xc3\xa9", false));
	cr_assert_not(ok("a/b", false));
	cr_assert_not(ok("a@b", false));
	char label[80];
	memset(label, 'a', 63);
	label[63] = '\0';
	cr_assert(ok(label, false));
	strcat(label, "a");
	cr_assert_not(ok(label, false), "64-byte label");
	char name[300] = "";
	for (int i = 0; i < 63; i++)
		strcat(name, "abc.");
	strcat(name, "a");
	cr_assert_eq(strlen(name), 253);
	cr_assert(ok(name, false));
	strcat(name, "b");
	cr_assert_not(ok(name, false), "254 bytes");
}

Test(net_hostname, numeric_last_label)
{
	const char *numeric[] = { "127.0.0.1", "127.1", "2130706433", "0x7f.1", "a.0X1F", "1.2.3.4.", "0x" };
	const char *names[] = { "example.com", "1.2.3.com", "a.0xg", "123a", "a.-1" };
	for (size_t i = 0; i < sizeof(numeric) / sizeof(numeric[0]); i++)
		cr_assert(oc_hostname_ends_in_number(numeric[i], strlen(numeric[i])), "%s", numeric[i]);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_assert_not(oc_hostname_ends_in_number(names[i], strlen(names[i])), "%s", names[i]);
}
