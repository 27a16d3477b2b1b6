/* ClientHellos made by real TLS stacks: mbedTLS in this process (its
 * output is captured from the BIO, no socket involved) and the openssl
 * command line client against a loopback listener of the test. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>
#include "core/buf.h"
#include "sockets/sock.h"
#include "tls/clienthello.h"

static int capture(void *ctx, const unsigned char *buf, size_t len)
{
	return oc_buf_append(ctx, buf, len) ? MBEDTLS_ERR_SSL_ALLOC_FAILED : (int)len;
}

static int nothing_yet(void *ctx, unsigned char *buf, size_t len)
{
	return MBEDTLS_ERR_SSL_WANT_READ;
}

static void expect_real(const oc_buf *wire)
{
	oc_tls_hello h;
	oc_tls_hello_init(&h);
	int rc = oc_tls_hello_parse(&h, (const uint8_t *)wire->data, wire->len);
	cr_assert_eq(rc, OC_TLS_DONE, "%s", h.error ? h.error : "more bytes expected");
	cr_assert_str_eq(h.sni, "real.example");
	cr_assert(h.alpn_len == 12 && !memcmp(h.alpn, "\x02h2\x08http/1.1", 12));
	oc_tls_hello_free(&h);
}

Test(tls_real, mbedtls_client_hello)
{
	mbedtls_ssl_context ssl;
	mbedtls_ssl_config conf;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
	static const char *alpn[] = { "h2", "http/1.1", NULL };
	oc_buf wire = OC_BUF_INIT;

	mbedtls_ssl_init(&ssl);
	mbedtls_ssl_config_init(&conf);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	cr_assert_eq(mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
		(const unsigned char *)"outcall-test", 12), 0);
	cr_assert_eq(mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT,
		MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT), 0);
	mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
	cr_assert_eq(mbedtls_ssl_conf_alpn_protocols(&conf, alpn), 0);
	cr_assert_eq(mbedtls_ssl_setup(&ssl, &conf), 0);
	cr_assert_eq(mbedtls_ssl_set_hostname(&ssl, "real.example"), 0);
	mbedtls_ssl_set_bio(&ssl, &wire, capture, nothing_yet, NULL);
	cr_assert_eq(mbedtls_ssl_handshake(&ssl), MBEDTLS_ERR_SSL_WANT_READ);
	cr_assert_gt(wire.len, 50);

	expect_real(&wire);

	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	oc_buf_free(&wire);
}

Test(tls_real, openssl_s_client_hello)
{
	if (access("/usr/bin/openssl", X_OK) != 0)
		cr_skip_test("openssl is not installed");
	oc_sockaddr any, bound;
	oc_sockaddr_parse(&any, "127.0.0.1:0", -1);
	int lfd = oc_sock_listen_tcp(&any, 1, 0);
	cr_assert_geq(lfd, 0);
	oc_sock_local(lfd, &bound);
	char target[OC_SOCKADDR_STRLEN];
	oc_sockaddr_format(&bound, target);

	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		execl("/usr/bin/openssl", "openssl", "s_client", "-connect", target,
			"-servername", "real.example", "-alpn", "h2,http/1.1", (char *)NULL);
		_exit(127);
	}

	/* Bounded: 5 s for the connection and the whole hello. */
	oc_buf wire = OC_BUF_INIT;
	int s = -1, rc = OC_TLS_MORE;
	oc_tls_hello h;
	oc_tls_hello_init(&h);
	for (int waited = 0; rc == OC_TLS_MORE && waited < 5000; waited += 50) {
		struct pollfd p = { .fd = s < 0 ? lfd : s, .events = POLLIN };
		if (poll(&p, 1, 50) != 1)
			continue;
		if (s < 0) {
			s = oc_sock_accept(lfd, NULL);
			continue;
		}
		char chunk[4096];
		ssize_t n = read(s, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		oc_buf_append(&wire, chunk, (size_t)n);
		rc = oc_tls_hello_parse(&h, (const uint8_t *)wire.data, wire.len);
	}
	oc_tls_hello_free(&h);
	if (s >= 0)
		close(s);
	close(lfd);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	cr_assert_eq(rc, OC_TLS_DONE, "no complete ClientHello from openssl s_client (%zu bytes)", wire.len);
	expect_real(&wire);
	oc_buf_free(&wire);
}
