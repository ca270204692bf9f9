-- packbench schema 5: the supervisor screens.
-- The SLA board counts open orders by status and ship-by, filtered by shop and
-- warehouse, from this index alone (it holds only the open orders, some 10% of the
-- table). The confirmation queue's risk flags look buyers up by phone.
CREATE INDEX orders_open ON orders(status, ship_by, shop_id, warehouse_id)
	WHERE status IN ('NEW', 'CONFIRMED', 'ON_HOLD', 'ALLOCATED', 'PACKING', 'PACKED');
CREATE INDEX orders_phone ON orders(buyer_phone);
