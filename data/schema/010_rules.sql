-- packbench schema 10: the order rules (src/core/rules.h).
-- Rule sets by version: the text as loaded, who and when; one is active at a time (the
-- older versions stay, for the record and to go back to).
CREATE TABLE rule_set (
	version    INTEGER PRIMARY KEY,
	text       TEXT NOT NULL,
	author     TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	active     INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
	nrules     INTEGER NOT NULL
);
CREATE INDEX rule_set_active ON rule_set(active);

-- What rules put on an order: tags (comma-separated), risk flags (reasons, "; "
-- separated) and the box to pack it in. The warehouse and carrier a rule sets are
-- schema 11's route_warehouse_id, route_carrier and route_service.
ALTER TABLE orders ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN rule_flags TEXT NOT NULL DEFAULT '';
ALTER TABLE orders ADD COLUMN box TEXT;
