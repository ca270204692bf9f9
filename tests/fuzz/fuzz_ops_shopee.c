/*
 * fuzz_ops_shopee.c — src/market/ops_shopee.c compiled into the fuzz targets with their
 * coverage, and its returns-list mapper (static there, behind the network call) opened
 * to fuzz_market_json.c.
 */
#include "market/ops_shopee.c"

#include "fuzz_ops.h"

enum market_class
fuzz_shopee_returns(long http, const char *body, size_t len, const struct market_listq *q,
    struct market_returns *rs, struct market_error *err)
{
	struct transport_resp resp = { .http = http, .body = (char *)body, .len = len,
	    .retry_after = -1 };

	return parse_returns(&resp, q, rs, err);
}
