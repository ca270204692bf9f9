/*
 * simutil.h — what the tests against packbench-marketsim share: starting it on an
 * ephemeral loopback port with a transport to it, its control endpoint, stopping it
 * (its exit status checked, so a leak under ASan fails the test), and loading the SKU
 * list both sides use; a database stocked with that list, a sleep that does not
 * wait, the simulated Shopee shop's credentials and the arguments every such suite
 * takes.
 */
#ifndef PB_SIMUTIL_H
#define PB_SIMUTIL_H

#include <jansson.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/db.h"
#include "core/session.h"
#include "market/market.h"

struct transport;

struct sim {
	pid_t pid;
	unsigned short port;
	struct transport *tr;
};

/* Start the simulator at path with --listen 127.0.0.1:0 and the NULL-terminated args.
 * 0, or -1 with nothing left running. */
int sim_start(struct sim *sm, const char *path, const char *const *args);
/* SIGTERM and wait; 0 when it exited 0. */
int sim_stop(struct sim *sm);
/* A suite's end: its database db at dbfile removed (tu_db_free) unless NULL, then
 * sim_stop. */
int sim_stop_db(struct sim *sm, struct db *db, const char *dbfile);
/* A control call (/_sim/...): the parsed answer (caller decrefs) or NULL. */
json_t *sim_ctl(struct sim *sm, const char *method, const char *path, const char *body);
/* The simulator's view of order sn of shop (GET /_sim/orders; caller decrefs), NULL when
 * it has none. */
json_t *sim_order_of(struct sim *sm, const char *shop, const char *sn);
/* One of GET /_sim/counters. */
int64_t sim_counter(struct sim *sm, const char *name);
/* The next count answers spoiled: kind 500, truncated, drop or none. */
void sim_fault(struct sim *sm, const char *kind, int count);
/* The SKUs listed in path (one a line, # comments): weight_g each (-1 unknown), and qty
 * received at warehouse wh when qty > 0. The count, or -1. */
int sim_import_skus(struct session *s, const char *path, int64_t weight_g, int64_t wh,
    int64_t qty);
/* Warehouse HCM (its id in *wh) with the SKUs listed in path, 100 g each, qty of each
 * received there: the number of SKUs, or -1. */
int sim_stock_db(struct session *s, const char *path, int64_t qty, int64_t *wh);
/* A market_call_env sleep_ms that returns at once. */
void sim_no_sleep(void *ctx, int64_t ms);
/* The simulator's Shopee shop (partner 1000001, shop 2000001) signed with key, with
 * access token (NULL for none). */
struct market_creds sim_shopee_creds(const char *key, const char *token);
/* The start of a suite's main(): argv[1] (the simulator) into *sim_path and argv[2] (its
 * SKU list) into *skus_path, then the CUnit registry initialised. 0; 2 after printing
 * "usage: " usage on stderr when argc < nargs; 1 when CUnit failed. */
int sim_main(int argc, char **argv, int nargs, const char *usage, const char **sim_path,
    const char **skus_path);

#endif
