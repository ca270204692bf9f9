/*
 * transport.h — sends a struct request over HTTP(S) with libcurl to a shop's api_base or
 * auth_base and gives back the status, the body (size-capped) and Retry-After. One curl
 * easy handle per transport, so a shop's calls reuse its connection; TLS is always
 * verified, plain http:// is accepted only for loopback (the simulator, tests).
 */
#ifndef PB_TRANSPORT_H
#define PB_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "market.h"
#include "request.h"

struct transport_opts {
	long connect_ms;            /* 0: 10 s */
	long total_ms;              /* whole call, 0: 60 s */
	size_t max_body;            /* larger responses fail; 0: 16 MiB */
};

struct transport_resp {
	long http;                  /* 0 when no response arrived */
	char *body;                 /* NUL-terminated, len bytes; owned, transport_resp_free */
	size_t len;
	int64_t retry_after;        /* seconds from now, -1 when the header was absent */
};

struct transport;

/*
 * A transport for one shop, used by one thread at a time (auth_base NULL: api_base).
 * NULL with one line in err when a base is not an https:// URL or a loopback http://
 * one. Caller frees with transport_free.
 */
struct transport *transport_new(const char *api_base, const char *auth_base,
    const struct transport_opts *opts, char *err, size_t errlen);
void transport_free(struct transport *t);

/*
 * Send r (query already made by request_finish). MC_OK when a response arrived, whatever
 * its status (resp filled; the connector's check classifies it); MC_RETRY when the
 * network failed (refused, timeout, reset, truncated); MC_FATAL when retrying cannot help
 * (bad URL, certificate rejected, body over the cap). err always says what happened;
 * resp is reset first and is the caller's to free.
 */
enum market_class transport_send(struct transport *t, const struct request *r,
    struct transport_resp *resp, struct market_error *err);
void transport_resp_free(struct transport_resp *resp);

/* A Retry-After value (delta-seconds or HTTP-date) as seconds after now (Unix s), never
 * negative; -1 when it is neither. */
int64_t transport_retry_after(const char *value, int64_t now);

#endif
