-- packbench schema 7: what is owed to the marketplaces besides the outbox rows.
--
-- Stock pushes. A listing is where one of our SKUs is sold in one shop (the channel's
-- item and model ids, learned from the orders the sync maps). Every change of the SKU's
-- stock bumps version in the same transaction (stock.c); the drain pushes the listing
-- when version differs from pushed_version and records the version it computed from,
-- so a change during a push leaves the listing owed and the last value always reaches
-- the channel. attempts, next_at and last_error are the retry state of the push.
CREATE TABLE shop_listing (
	shop_id        INTEGER NOT NULL REFERENCES shop(id),
	sku_id         INTEGER NOT NULL REFERENCES sku(id),
	item_id        TEXT NOT NULL,
	model_id       TEXT NOT NULL DEFAULT '',
	location       TEXT,
	version        INTEGER NOT NULL DEFAULT 1,
	pushed_version INTEGER NOT NULL DEFAULT 0,
	pushed_qty     INTEGER,
	pushed_at      INTEGER,
	attempts       INTEGER NOT NULL DEFAULT 0,
	next_at        INTEGER NOT NULL DEFAULT 0,
	last_error     TEXT,
	PRIMARY KEY (shop_id, sku_id)
);
-- Found by SKU at every stock movement. The drain scans a shop's listings by the primary
-- key: an index of the owed ones would cost every movement more than it saves the drain.
CREATE INDEX shop_listing_sku ON shop_listing(sku_id);

-- The units held back from the marketplaces per SKU; NULL: the [sync] stock_buffer
-- default. (sku.buffer, which reservation holds back, is never undercut.)
ALTER TABLE sku ADD COLUMN stock_buffer INTEGER
	CHECK (stock_buffer IS NULL OR stock_buffer >= 0);

-- Settlements: each order's fee and amount lines as the channel reports them (minor
-- units, positive = paid to the seller), replaced while the channel says they are not
-- final. settlement holds the per-order fetch state: when to ask again, the last error.
CREATE TABLE settlement (
	order_id   INTEGER PRIMARY KEY REFERENCES orders(id),
	shop_id    INTEGER NOT NULL REFERENCES shop(id),
	currency   TEXT NOT NULL DEFAULT '',
	final      INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
	fetched_at INTEGER,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    INTEGER NOT NULL DEFAULT 0,
	last_error TEXT
);
CREATE INDEX settlement_due ON settlement(shop_id, final, next_at);
-- A row per order from the moment it is delivered or completed (core/order.c makes it),
-- so the fetch finds what is due by this index, not by scanning orders.
INSERT INTO settlement(order_id, shop_id)
	SELECT id, shop_id FROM orders WHERE status IN ('DELIVERED', 'COMPLETED');

CREATE TABLE settlement_fee (
	id         INTEGER PRIMARY KEY,
	shop_id    INTEGER NOT NULL REFERENCES shop(id),
	order_id   INTEGER NOT NULL REFERENCES orders(id),
	fee_type   TEXT NOT NULL,
	amount     INTEGER NOT NULL,
	currency   TEXT NOT NULL,
	final      INTEGER NOT NULL DEFAULT 0 CHECK (final IN (0, 1)),
	fetched_at INTEGER NOT NULL,
	UNIQUE (shop_id, order_id, fee_type)
);
CREATE INDEX settlement_fee_order ON settlement_fee(order_id);

-- The outbox rows of one order (a cancel voids the ship calls not yet tried).
CREATE INDEX outbox_order ON outbox(order_id);
