/* A fake Docker engine for the client's tests: a Unix socket served by a
 * thread that records every request and answers with what the test's
 * `answer` function returns. */
#ifndef OC_TEST_DOCKER_FAKE_H
#define OC_TEST_DOCKER_FAKE_H

#include <outcall/outcall.h>
#include "docker/docker.h"
#include <pthread.h>
#include <stdbool.h>

#define FAKE_MAX_REQUESTS 64

struct fake_request {
	char method[16];
	char target[1024];
	char *body;
};

/* What to do with a request: raw bytes to send (NULL: close without an
 * answer); with `hang`, send them and keep the connection open until the
 * fake stops. */
struct fake_answer {
	const char *raw;
	bool hang;
};

typedef struct fake_answer (*fake_answer_fn)(const struct fake_request *req, void *arg);

struct fake {
	char path[108];
	int listen_fd;
	int stop_fd;            /* eventfd: wakes the thread to end */
	pthread_t thread;
	pthread_mutex_t lock;
	fake_answer_fn answer;
	void *arg;
	struct fake_request requests[FAKE_MAX_REQUESTS];
	int nrequests;
	int hung[FAKE_MAX_REQUESTS]; /* connections kept open */
	int nhung;
};

/* Starts a fake in a new temporary directory. */
void fake_start(struct fake *f, fake_answer_fn answer, void *arg);
void fake_stop(struct fake *f);
/* Closes the connections kept open by `hang` answers (a stream ending). */
void fake_drop_hung(struct fake *f);
int fake_count(struct fake *f);
/* Copy of request i (method and target). */
struct fake_request fake_request(struct fake *f, int i);

/* A 200 with a JSON body and Content-Length; the text lives in a static
 * buffer per call site's needs: copy before the next call. */
const char *fake_json(int status, const char *json);
/* The answer to GET /version of an engine speaking `api`. */
const char *fake_version(const char *api);

/* Runs the loop until *flag or 5 s pass; false on timeout. */
bool run_until(oc_loop *loop, const bool *flag);

#endif
