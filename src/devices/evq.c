/* evq.c — device event queue with an eventfd (see evq.h). */
#include "evq.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct evq {
	pthread_mutex_t mu;
	struct dev_event *ring;
	size_t cap, head, len;
	int fd;
};

struct evq *
evq_new(void)
{
	struct evq *q = calloc(1, sizeof *q);

	if (q == NULL)
		return NULL;
	q->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->fd < 0) {
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	return q;
}

void
evq_free(struct evq *q)
{
	if (q == NULL)
		return;
	close(q->fd);
	pthread_mutex_destroy(&q->mu);
	free(q->ring);
	free(q);
}

int
evq_fd(const struct evq *q)
{
	return q->fd;
}

static void
evq_grow(struct evq *q)
{
	size_t cap = q->cap ? q->cap * 2 : 16, i;
	struct dev_event *r = malloc(cap * sizeof *r);

	if (r == NULL) {
		fputs("packbench: out of memory\n", stderr);
		abort();
	}
	for (i = 0; i < q->len; i++)
		r[i] = q->ring[(q->head + i) % q->cap];
	free(q->ring);
	q->ring = r;
	q->cap = cap;
	q->head = 0;
}

void
evq_push(struct evq *q, const struct dev_event *ev)
{
	uint64_t one = 1;

	pthread_mutex_lock(&q->mu);
	if (q->len == q->cap)
		evq_grow(q);
	q->ring[(q->head + q->len) % q->cap] = *ev;
	q->len++;
	/* Under the lock, so a pop that empties the queue cannot drain this wake-up. */
	if (write(q->fd, &one, sizeof one) < 0) {
		/* EAGAIN only when the counter is near overflow: it is readable anyway. */
	}
	pthread_mutex_unlock(&q->mu);
}

int
evq_pop(struct evq *q, struct dev_event *out)
{
	uint64_t n;
	int got = 0;

	pthread_mutex_lock(&q->mu);
	if (q->len > 0) {
		*out = q->ring[q->head];
		q->head = (q->head + 1) % q->cap;
		q->len--;
		got = 1;
	}
	if (q->len == 0 && read(q->fd, &n, sizeof n) < 0) {
		/* EAGAIN: already drained */
	}
	pthread_mutex_unlock(&q->mu);
	return got;
}

size_t
evq_len(struct evq *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->len;
	pthread_mutex_unlock(&q->mu);
	return n;
}
