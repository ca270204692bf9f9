-- packbench schema 12: returns (RMA).
-- A return (rma) of an order is opened when the marketplace announces it or when the
-- parcel is scanned at the station, and closed ('received') when its units have been
-- inspected; each inspected unit is an rma_unit row naming the lot it was shipped from,
-- its condition and reason. Units back in stock are 'return' movements into that lot;
-- units that cannot be sold again come back and are written off ('writeoff' movements),
-- so the ledger gains the kind 'writeoff' (the table is rebuilt for its CHECK).

CREATE TABLE stock_move_new (
	id           INTEGER PRIMARY KEY,
	at           INTEGER NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN
	               ('receive', 'reserve', 'unreserve', 'ship', 'adjust', 'return',
	                'writeoff')),
	warehouse_id INTEGER NOT NULL REFERENCES warehouse(id),
	sku_id       INTEGER NOT NULL REFERENCES sku(id),
	lot_id       INTEGER NOT NULL REFERENCES lot(id),
	d_on_hand    INTEGER NOT NULL,
	d_reserved   INTEGER NOT NULL,
	order_id     INTEGER,
	user_name    TEXT,
	note         TEXT
);
INSERT INTO stock_move_new(id, at, kind, warehouse_id, sku_id, lot_id, d_on_hand,
    d_reserved, order_id, user_name, note)
  SELECT id, at, kind, warehouse_id, sku_id, lot_id, d_on_hand, d_reserved, order_id,
    user_name, note FROM stock_move;
DROP TABLE stock_move;
ALTER TABLE stock_move_new RENAME TO stock_move;
CREATE INDEX stock_move_key ON stock_move(warehouse_id, sku_id, lot_id);
CREATE INDEX stock_move_order ON stock_move(order_id);

CREATE TABLE rma (
	id            INTEGER PRIMARY KEY,
	order_id      INTEGER NOT NULL REFERENCES orders(id),
	status        TEXT NOT NULL CHECK (status IN ('open', 'received')),
	source        TEXT NOT NULL CHECK (source IN ('marketplace', 'station')),
	market_id     TEXT,                 -- the channel's return id, when it gave one
	opened_at     INTEGER NOT NULL,
	received_at   INTEGER,
	user_name     TEXT,
	station       TEXT,
	currency      TEXT NOT NULL,
	ship_cost     INTEGER NOT NULL DEFAULT 0 CHECK (ship_cost >= 0),
	handling_cost INTEGER NOT NULL DEFAULT 0 CHECK (handling_cost >= 0),
	note          TEXT
);
CREATE INDEX rma_order ON rma(order_id);
CREATE INDEX rma_open ON rma(status, opened_at);
CREATE UNIQUE INDEX rma_market ON rma(market_id);

CREATE TABLE rma_unit (
	id           INTEGER PRIMARY KEY,
	rma_id       INTEGER NOT NULL REFERENCES rma(id),
	order_id     INTEGER NOT NULL REFERENCES orders(id),
	warehouse_id INTEGER NOT NULL REFERENCES warehouse(id),
	sku_id       INTEGER NOT NULL REFERENCES sku(id),
	lot_id       INTEGER NOT NULL REFERENCES lot(id),
	qty          INTEGER NOT NULL CHECK (qty > 0),
	condition    TEXT NOT NULL CHECK (condition IN
	               ('resalable', 'damaged', 'missing', 'wrong_item')),
	reason       TEXT NOT NULL
);
CREATE INDEX rma_unit_order ON rma_unit(order_id, warehouse_id, sku_id, lot_id);
CREATE INDEX rma_unit_rma ON rma_unit(rma_id);
