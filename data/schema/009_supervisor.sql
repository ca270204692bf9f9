-- packbench schema 9: the supervisor screens, second slice.
-- The risk blacklist: a phone (digits, +84 written 0) or an address text (ASCII
-- lowercased, punctuation dropped; an order whose full address contains it is flagged).
CREATE TABLE risk_block (
	id         INTEGER PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('phone', 'address')),
	value      TEXT NOT NULL,
	reason     TEXT NOT NULL,
	user_name  TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (kind, value)
);

-- The low-stock alert of a SKU: available-to-sell in a warehouse below this (0: none).
ALTER TABLE sku ADD COLUMN low_stock INTEGER NOT NULL DEFAULT 0 CHECK (low_stock >= 0);

-- The exceptions screen reads today's audit records, the audit viewer filters by time,
-- and an order's trail is its audit records.
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_entity ON audit(entity, entity_id);

-- The risk rules read a buyer's other orders by phone from this index alone (returns,
-- COD refusals, duplicate candidates by time).
CREATE INDEX orders_phone_hist ON orders(buyer_phone, status, cod, created_at);
