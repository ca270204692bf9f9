#!/usr/bin/env python3
# crash_check.py — the invariants crash.sh checks after every killed process, read from
# the database and the simulator's control endpoints; prints one line per violation and
# exits with their count (capped at 100).
#   crash_check.py DB PORT IMPORTS mid|final
# IMPORTS lists "PREFIX ORDERS" (order_no prefix, orders in the file) of every import
# started so far.
import json
import sqlite3
import sys
import urllib.request

dbpath, port, imports, mode = sys.argv[1:5]
bad = []


def sim(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return json.loads(r.read().decode())


db = sqlite3.connect(dbpath, timeout=30)
q = lambda sql, *a: db.execute(sql, a).fetchall()

# Orders: one row per marketplace order id; after a clean sync, every simulator order.
for no, n in q("SELECT order_no, count(*) FROM orders GROUP BY order_no HAVING count(*) > 1"):
    bad.append(f"order {no} is in the database {n} times")
simshop = q("SELECT id FROM shop WHERE channel = 'shopee' AND shop_code <> 'shop-csv'")
simshop = simshop if len(simshop) == 1 else []
simorders = sim("/_sim/orders")["orders"]
if mode == "final":
    have = {r[0] for r in q("SELECT order_no FROM orders WHERE shop_id = ?", simshop[0][0])} \
        if simshop else set()
    for o in simorders:
        if o["order_sn"] not in have:
            bad.append(f"simulator order {o['order_sn']} was never pulled")

# Stock: the cache equals the ledger's sums, no running sum ever went below zero and
# the reservations add up to what is reserved.
for wh, sku, lot, oh, rs, moh, mrs in q(
        "SELECT l.warehouse_id, l.sku_id, l.lot_id, l.on_hand, l.reserved, "
        "coalesce(sum(m.d_on_hand), 0), coalesce(sum(m.d_reserved), 0) "
        "FROM stock_level l LEFT JOIN stock_move m ON m.warehouse_id = l.warehouse_id "
        "AND m.sku_id = l.sku_id AND m.lot_id = l.lot_id "
        "GROUP BY l.warehouse_id, l.sku_id, l.lot_id"):
    if (oh, rs) != (moh, mrs):
        bad.append(f"stock {wh}/{sku}/{lot}: level {oh} on hand {rs} reserved, "
                   f"ledger {moh}/{mrs}")
for wh, sku, lot in q("SELECT DISTINCT warehouse_id, sku_id, lot_id FROM stock_move "
                      "EXCEPT SELECT warehouse_id, sku_id, lot_id FROM stock_level"):
    bad.append(f"stock {wh}/{sku}/{lot}: ledger moves but no level row")
for wh, sku, lot, mid, oh, rs in q(
        "SELECT * FROM (SELECT warehouse_id, sku_id, lot_id, id, "
        "sum(d_on_hand) OVER w AS oh, sum(d_reserved) OVER w AS rs FROM stock_move "
        "WINDOW w AS (PARTITION BY warehouse_id, sku_id, lot_id ORDER BY id)) "
        "WHERE oh < 0 OR rs < 0 LIMIT 5"):
    bad.append(f"stock {wh}/{sku}/{lot} negative after move {mid}: {oh} on hand, {rs} reserved")
for wh, sku, lot, rs, res in q(
        "SELECT l.warehouse_id, l.sku_id, l.lot_id, l.reserved, "
        "(SELECT coalesce(sum(qty), 0) FROM reservation r WHERE r.warehouse_id = "
        "l.warehouse_id AND r.sku_id = l.sku_id AND r.lot_id = l.lot_id) "
        "FROM stock_level l"):
    if rs != res:
        bad.append(f"stock {wh}/{sku}/{lot}: {rs} reserved but reservations hold {res}")

# Owed calls: each packed order owes one ship call; the simulator accepted at most one
# per order, exactly one once the outbox row is done; final: none left pending.
okships = {}
for e in sim("/_sim/log?kind=ship")["log"]:
    if e.get("ok"):
        okships[e["order_sn"]] = okships.get(e["order_sn"], 0) + 1
for sn, n in okships.items():
    if n > 1:
        bad.append(f"order {sn} was shipped {n} times at the marketplace")
for no, n in q("SELECT o.order_no, count(*) FROM outbox x JOIN orders o ON o.id = x.order_id "
               "WHERE x.kind = 'ready_to_ship' GROUP BY x.order_id HAVING count(*) > 1"):
    bad.append(f"order {no} owes {n} ship calls")
for no, done, void in q("SELECT o.order_no, x.done_at, x.last_error GLOB 'void*' "
                        "FROM outbox x JOIN orders o ON o.id = x.order_id "
                        "WHERE x.kind = 'ready_to_ship'"):
    if done is not None and okships.get(no, 0) != (0 if void else 1):
        bad.append(f"order {no}: ship call marked done, the marketplace saw "
                   f"{okships.get(no, 0)} accepted")
    if mode == "final" and done is None:
        bad.append(f"order {no}: ship call still pending after a clean sync")
if simshop:
    owed = {r[0] for r in q("SELECT o.order_no FROM outbox x JOIN orders o ON "
                            "o.id = x.order_id WHERE x.kind = 'ready_to_ship'")}
    for (no,) in q("SELECT order_no FROM orders o WHERE shop_id = ? AND EXISTS "
                   "(SELECT 1 FROM package p WHERE p.order_id = o.id) AND status NOT IN "
                   "('PACKING', 'CANCELLED')", simshop[0][0]):
        if no not in owed:
            bad.append(f"order {no} was packed but owes no ship call")
    for sn in okships:
        if sn not in owed:
            bad.append(f"order {sn} was shipped at the marketplace without being owed")

# Imports: all rows of a file or none.
with open(imports) as f:
    for line in f:
        prefix, want = line.split()
        n = q("SELECT count(*) FROM orders WHERE order_no GLOB ?", prefix + "-*")[0][0]
        if n not in (0, int(want)):
            bad.append(f"import {prefix}: {n} of {want} orders in the database")

for b in bad[:20]:
    print("VIOLATION:", b)
sys.exit(min(len(bad), 100))
