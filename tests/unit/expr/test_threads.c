/* One compiled expression evaluated from several threads at once. */
#include <criterion/criterion.h>
#include <pthread.h>
#include "helpers.h"

enum { THREADS = 6, ROUNDS = 3000 };

static oc_expr *shared;

static void *worker(void *arg)
{
	long id = (long)arg;
	oc_context ctx;
	sample_context(&ctx);
	long wrong = 0;
	for (int i = 0; i < ROUNDS; i++) {
		/* Alternate between a request that matches and one that does
		 * not, out of step with the other threads. */
		bool match = ((i + id) % 3) != 0;
		ctx.http_path = match ? "/v1/repos/acme/widgets/issues" : "/v1/admin/users";
		ctx.http_host = match ? "api.github.com" : "evil.example";
		oc_tri want = match ? OC_TRI_TRUE : OC_TRI_FALSE;
		wrong += oc_expr_eval(shared, &ctx) != want;
	}
	return (void *)wrong;
}

Test(threads, concurrent_evaluation_with_matches)
{
	shared = compile_ok("http.host.endsWith(\".github.com\") && "
		"http.path.matches(\"^/v[0-9]+/repos/[a-z0-9_-]+/[a-z0-9_-]+(/.*)?$\") && "
		"!http.path.matches(\"(?i)/admin/\")");
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, worker, (void *)i), 0);
	long wrong = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		wrong += (long)r;
	}
	oc_expr_free(shared);
	cr_assert_eq(wrong, 0, "%ld wrong results", wrong);
}
