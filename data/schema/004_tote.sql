-- packbench schema 4: totes and pick lists.
-- A code scanned at the station that stands for one order (a tote) or for several in
-- order (a pick list of a wave); the station opens the next one still to pack. An order
-- is in at most one tote, and leaves it when packed.
CREATE TABLE tote (
	code        TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	order_id    INTEGER NOT NULL UNIQUE REFERENCES orders(id),
	assigned_at INTEGER NOT NULL,
	PRIMARY KEY (code, seq)
);
