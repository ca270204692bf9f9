-- packbench schema 14: stock on order, for the demand forecast's reorder quantity
-- (src/core/demand.h): units bought from a supplier and not yet received into a
-- warehouse. An open row (received_at NULL) counts as on order.
CREATE TABLE purchase_due (
	id           INTEGER PRIMARY KEY,
	warehouse_id INTEGER NOT NULL REFERENCES warehouse(id),
	sku_id       INTEGER NOT NULL REFERENCES sku(id),
	qty          INTEGER NOT NULL CHECK (qty > 0),
	due_at       INTEGER,
	created_at   INTEGER NOT NULL,
	received_at  INTEGER,
	note         TEXT
);
CREATE INDEX purchase_due_open ON purchase_due(warehouse_id, sku_id, received_at);
