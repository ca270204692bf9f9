/*
 * evq.h — the queue device events travel in from the device threads to the UI thread:
 * a mutex-protected growable ring plus an eventfd that is readable while the queue is
 * not empty.
 */
#ifndef PB_EVQ_H
#define PB_EVQ_H

#include "devices.h"

struct evq;

/* A new empty queue, or NULL when no eventfd could be made. Free with evq_free. */
struct evq *evq_new(void);
void evq_free(struct evq *q);
/* The fd to poll for POLLIN. */
int evq_fd(const struct evq *q);
/* Append a copy of ev (any thread). Allocation failure aborts. */
void evq_push(struct evq *q, const struct dev_event *ev);
/* Take the oldest: 1, or 0 when empty (then the fd is drained too). */
int evq_pop(struct evq *q, struct dev_event *out);
/* Events waiting. */
size_t evq_len(struct evq *q);

#endif
