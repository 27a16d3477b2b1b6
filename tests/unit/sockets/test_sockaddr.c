#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <string.h>
#include "sockets/sock.h"

static void round_trip(const char *in, int def, const char *want)
{
	oc_sockaddr a;
	char buf[OC_SOCKADDR_STRLEN];
	cr_assert_eq(oc_sockaddr_parse(&a, in, def), 0, "%s: %s", in, oc_error_last()->message);
	cr_assert_str_eq(oc_sockaddr_format(&a, buf), want, "%s", in);
}

Test(net_addr, valid_forms)
{
	round_trip("192.0.2.1", 53, "192.0.2.1:53");
	round_trip("192.0.2.1:8080", 53, "192.0.2.1:8080");
	round_trip("0.0.0.0:0", -1, "0.0.0.0:0");
	round_trip("[::1]:443", -1, "[::1]:443");
	round_trip("[2001:db8::1]", 80, "[2001:db8::1]:80");
	round_trip("2001:db8::1", 80, "[2001:db8::1]:80");
	round_trip("::", 53, "[::]:53");
	round_trip("[::ffff:192.0.2.1]:1", -1, "[::ffff:192.0.2.1]:1");
	round_trip("10.0.0.1:65535", -1, "10.0.0.1:65535");
}

static void rejected(const char *in, int def, const char *why)
{
	oc_sockaddr a;
	cr_assert_eq(oc_sockaddr_parse(&a, in, def), OC_EPARSE, "%s accepted", in);
	cr_assert_eq(a.len, 0, "%s leaves an address behind", in);
	const char *msg = oc_error_last()->message;
	cr_assert(strstr(msg, in) && strstr(msg, why), "%s: message '%s' lacks '%s'", in, msg, why);
}

Test(net_addr, invalid_forms)
{
	rejected("192.0.2.1", -1, "port is required");
	rejected("192.0.2.1:", 80, "port must be");
	rejected("192.0.2.1:65536", 80, "port must be");
	rejected("192.0.2.1:+80", 80, "port must be");
	rejected("192.0.2.1:8 0", 80, "port must be");
	rejected("192.0.2.1:000080", 80, "port must be");
	rejected("192.0.2", 80, "not an IP address");
	rejected("192.0.2.256", 80, "not an IP address");
	rejected("localhost:80", 80, "names are not resolved");
	rejected("", 80, "not an IP address");
	rejected("[::1", 80, "missing ']'");
	rejected("[::1]80", 80, "after ']'");
	rejected("[192.0.2.1]:80", 80, "not an IPv6");
	rejected("[fe80::1%eth0]:80", 80, "not an IPv6");
	rejected("::1:80x", 80, "not an IPv6");
}

Test(net_addr, raw_ip_port_and_equality)
{
	const uint8_t v4[4] = { 198, 18, 0, 10 };
	const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	oc_sockaddr a, b;
	char buf[OC_SOCKADDR_STRLEN];
	cr_assert_eq(oc_sockaddr_from_ip(&a, v4, 4, 443), 0);
	cr_assert_str_eq(oc_sockaddr_format(&a, buf), "198.18.0.10:443");
	cr_assert_str_eq(oc_sockaddr_format_ip(&a, buf), "198.18.0.10");
	cr_assert_eq(oc_sockaddr_port(&a), 443);
	cr_assert_eq(oc_sockaddr_family(&a), AF_INET);
	oc_sockaddr_parse(&b, "198.18.0.10:443", -1);
	cr_assert(oc_sockaddr_equal(&a, &b));
	oc_sockaddr_set_port(&b, 80);
	cr_assert_not(oc_sockaddr_equal(&a, &b));
	cr_assert_eq(oc_sockaddr_from_ip(&a, v6, 16, 53), 0);
	cr_assert_str_eq(oc_sockaddr_format_ip(&a, buf), "2001:db8::1");
	cr_assert_eq(oc_sockaddr_from_ip(&a, v6, 5, 53), OC_EINVAL);
	oc_sockaddr none = { .len = 0 };
	cr_assert_str_eq(oc_sockaddr_format(&none, buf), "-");
	cr_assert_eq(oc_sockaddr_port(&none), 0);
}

Test(net_addr, kernel_addresses)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(7) };
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	oc_sockaddr a;
	char buf[OC_SOCKADDR_STRLEN];
	cr_assert_eq(oc_sockaddr_from_sa(&a, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_str_eq(oc_sockaddr_format(&a, buf), "127.0.0.1:7");
	cr_assert_eq(oc_sockaddr_from_sa(&a, (struct sockaddr *)&sin, sizeof(sin) - 1), OC_EINVAL);
	struct sockaddr un = { .sa_family = AF_UNIX };
	cr_assert_eq(oc_sockaddr_from_sa(&a, &un, sizeof(un)), OC_EINVAL);
	cr_assert_eq(a.len, 0);
}
