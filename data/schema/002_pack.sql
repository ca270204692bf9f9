-- packbench schema 2: the packing station.
-- Which station holds an order while it is PACKING (two stations cannot pack one order),
-- every scan kept so a restarted station resumes where it was, and packages with box,
-- tare, expected and measured weight.

ALTER TABLE orders ADD COLUMN packing_station TEXT;

ALTER TABLE package ADD COLUMN pkg_no INTEGER NOT NULL DEFAULT 1;
ALTER TABLE package ADD COLUMN tare_g INTEGER;
ALTER TABLE package ADD COLUMN expected_g INTEGER;
ALTER TABLE package ADD COLUMN station TEXT;
ALTER TABLE package ADD COLUMN user_name TEXT;
ALTER TABLE package ADD COLUMN weight_override TEXT;

CREATE TABLE pack_scan (
	id            INTEGER PRIMARY KEY,
	order_id      INTEGER NOT NULL REFERENCES orders(id),
	order_line_id INTEGER NOT NULL REFERENCES order_line(id),
	pkg_no        INTEGER NOT NULL,
	qty           INTEGER NOT NULL CHECK (qty > 0),
	code          TEXT NOT NULL,
	lot_code      TEXT,
	expiry        INTEGER,
	station       TEXT NOT NULL,
	user_name     TEXT NOT NULL,
	at            INTEGER NOT NULL
);
CREATE INDEX pack_scan_order ON pack_scan(order_id);
