#include "fake.h"

#include <criterion/criterion.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "tmpfiles.h"

/* Reads one request (head and Content-Length body), bounded by 2 s. */
static bool read_request(int fd, struct fake_request *req)
{
	char buf[65536];
	size_t len = 0;
	char *end = NULL;
	size_t need = 0;
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 2000) <= 0)
			return false;
		ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			const char *cl = strcasestr(buf, "\r\nContent-Length: ");
			need = (size_t)(end + 4 - buf) + (cl && cl < end ? strtoul(cl + 18, NULL, 10) : 0);
		}
		if (end && len >= need)
			break;
	}
	sscanf(buf, "%15s %1023s", req->method, req->target);
	req->body = strdup(end + 4);
	return true;
}

static void *serve(void *arg)
{
	struct fake *f = arg;
	for (;;) {
		struct pollfd p[2] = { { f->listen_fd, POLLIN, 0 }, { f->stop_fd, POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 || p[1].revents)
			break;
		int c = accept(f->listen_fd, NULL, NULL);
		if (c < 0)
			continue;
		struct fake_request req = { 0 };
		if (!read_request(c, &req)) {
			close(c);
			continue;
		}
		pthread_mutex_lock(&f->lock);
		if (f->nrequests < FAKE_MAX_REQUESTS)
			f->requests[f->nrequests++] = req;
		else
			free(req.body);
		pthread_mutex_unlock(&f->lock);
		struct fake_answer a = f->answer(&req, f->arg);
		/* a kept connection is listed before its answer goes out: once the
		 * client has read it, fake_drop_hung must find it */
		bool keep = false;
		pthread_mutex_lock(&f->lock);
		if (a.hang && f->nhung < FAKE_MAX_REQUESTS) {
			f->hung[f->nhung++] = c;
			keep = true;
		}
		pthread_mutex_unlock(&f->lock);
		if (a.raw)
			send(c, a.raw, strlen(a.raw), MSG_NOSIGNAL);
		if (!keep)
			close(c);
	}
	return NULL;
}

void fake_start(struct fake *f, fake_answer_fn answer, void *arg)
{
	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "%s/docker.sock", tmp_dir());
	f->answer = answer;
	f->arg = arg;
	pthread_mutex_init(&f->lock, NULL);
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, f->path);
	cr_assert_eq(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	cr_assert_eq(listen(f->listen_fd, 16), 0);
	f->stop_fd = eventfd(0, EFD_CLOEXEC);
	cr_assert_eq(pthread_create(&f->thread, NULL, serve, f), 0);
}

void fake_drop_hung(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	for (int i = 0; i < f->nhung; i++)
		close(f->hung[i]);
	f->nhung = 0;
	pthread_mutex_unlock(&f->lock);
}

void fake_stop(struct fake *f)
{
	uint64_t one = 1;
	cr_assert_eq(write(f->stop_fd, &one, sizeof(one)), (ssize_t)sizeof(one));
	pthread_join(f->thread, NULL);
	fake_drop_hung(f);
	close(f->listen_fd);
	close(f->stop_fd);
	for (int i = 0; i < f->nrequests; i++)
		free(f->requests[i].body);
	unlink(f->path);
	tmp_cleanup();
}

int fake_count(struct fake *f)
{
	pthread_mutex_lock(&f->lock);
	int n = f->nrequests;
	pthread_mutex_unlock(&f->lock);
	return n;
}

struct fake_request fake_request(struct fake *f, int i)
{
	pthread_mutex_lock(&f->lock);
	struct fake_request r = f->requests[i];
	r.body = NULL;
	pthread_mutex_unlock(&f->lock);
	return r;
}

const char *fake_json(int status, const char *json)
{
	static __thread char buf[65536];
	snprintf(buf, sizeof(buf), "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
		"Api-Version: 1.41\r\nContent-Length: %zu\r\n\r\n%s", status, strlen(json), json);
	return buf;
}

const char *fake_version(const char *api)
{
	static __thread char json[512];
	snprintf(json, sizeof(json), "{\"Version\":\"99.0-fake\",\"ApiVersion\":\"%s\","
		"\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\","
		"\"KernelVersion\":\"6.1\"}", api);
	return fake_json(200, json);
}

bool run_until(oc_loop *loop, const bool *flag)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!*flag) {
		oc_loop_run_once(loop, 20);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > 5000)
			return false;
	}
	return true;
}
