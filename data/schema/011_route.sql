-- packbench schema 11: routing, split, merge and carriers (src/core/route.c, merge.c,
-- carrier.c).
-- A warehouse or carrier chosen by a rule's `set warehouse` / `set carrier` (or a
-- person): routing takes it over its own choice. NULL: choose automatically.
ALTER TABLE orders ADD COLUMN route_warehouse_id INTEGER REFERENCES warehouse(id);
ALTER TABLE orders ADD COLUMN route_carrier TEXT;
ALTER TABLE orders ADD COLUMN route_service TEXT;

-- A shop whose parcels the seller ships with a carrier of its choice rather than the
-- platform's logistics (manual shops always do).
ALTER TABLE shop ADD COLUMN self_ship INTEGER NOT NULL DEFAULT 0 CHECK (self_ship IN (0, 1));

-- An order split over warehouses: one package per part, each from its warehouse (the
-- reservations say which units). An order filled by one warehouse has no rows here.
CREATE TABLE route_part (
	order_id     INTEGER NOT NULL REFERENCES orders(id),
	part_no      INTEGER NOT NULL,
	warehouse_id INTEGER NOT NULL REFERENCES warehouse(id),
	PRIMARY KEY (order_id, part_no)
);

-- The carrier an order ships with and why (auto: cheapest that meets the deadline;
-- rule: a rule or person set it; platform: the channel's own logistics), its quote in
-- the currency's minor unit, and what happened: when it was handed over and delivered
-- (or failed), and what it actually cost (an import of the carrier's invoice, or the
-- settlement's shipping fee).
CREATE TABLE order_carrier (
	order_id      INTEGER PRIMARY KEY REFERENCES orders(id),
	carrier       TEXT NOT NULL,
	service       TEXT NOT NULL DEFAULT '',
	source        TEXT NOT NULL CHECK (source IN ('auto', 'rule', 'platform')),
	zone          TEXT NOT NULL DEFAULT '',
	region        TEXT NOT NULL DEFAULT '',
	weight_g      INTEGER NOT NULL DEFAULT 0,
	quote         INTEGER,
	cod_fee       INTEGER NOT NULL DEFAULT 0,
	promised_days INTEGER,
	promised_at   INTEGER,
	quoted_at     INTEGER NOT NULL,
	shipped_at    INTEGER,
	done_at       INTEGER,
	outcome       TEXT CHECK (outcome IS NULL OR outcome IN ('delivered', 'failed')),
	actual_cost   INTEGER CHECK (actual_cost IS NULL OR actual_cost >= 0),
	cost_source   TEXT
);
CREATE INDEX order_carrier_shipped ON order_carrier(shipped_at);

-- Orders merged into another's parcel at the bench: order_id ships in the parcel of
-- parcel_id (same shop, buyer phone and address).
CREATE TABLE order_merge (
	order_id  INTEGER PRIMARY KEY REFERENCES orders(id),
	parcel_id INTEGER NOT NULL REFERENCES orders(id),
	user_name TEXT NOT NULL,
	at        INTEGER NOT NULL
);
CREATE INDEX order_merge_parcel ON order_merge(parcel_id);
