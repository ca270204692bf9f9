/*
 * fuzz_ops_tiktok.c — src/market/ops_tiktok.c compiled into the fuzz targets with their
 * coverage, and its returns-list mapper (static there, behind the network call) opened
 * to fuzz_market_json.c.
 */
#include "market/ops_tiktok.c"

#include "fuzz_ops.h"

enum market_class
fuzz_tiktok_returns(long http, const char *body, size_t len, const struct market_listq *q,
    struct market_returns *rs, struct market_error *err)
{
	struct transport_resp resp = { .http = http, .body = (char *)body, .len = len,
	    .retry_after = -1 };

	(void)q;
	return parse_returns(&resp, rs, err);
}
