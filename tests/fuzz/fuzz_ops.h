/*
 * fuzz_ops.h — the returns-list mappers of src/market/ops_*.c, static there, as the
 * fuzz_ops_*.c wrappers open them: a response (status http, body, NUL-terminated as the
 * transport gives it) answering q, mapped into rs.
 */
#ifndef PB_FUZZ_OPS_H
#define PB_FUZZ_OPS_H

#include <stddef.h>

#include "market/market.h"
#include "market/ops.h"

enum market_class fuzz_shopee_returns(long http, const char *body, size_t len,
    const struct market_listq *q, struct market_returns *rs, struct market_error *err);
enum market_class fuzz_lazada_returns(long http, const char *body, size_t len,
    const struct market_listq *q, struct market_returns *rs, struct market_error *err);
enum market_class fuzz_tiktok_returns(long http, const char *body, size_t len,
    const struct market_listq *q, struct market_returns *rs, struct market_error *err);

#endif
