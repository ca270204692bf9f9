-- packbench schema 17: packing split orders part by part and merged orders as one
-- parcel (src/core/pack.c, merge.c).
-- A part of a split order is claimed by one station of its warehouse and packed on its
-- own: who holds it now, and when it was packed (NULL: not yet). The order is PACKED
-- when every part is.
ALTER TABLE route_part ADD COLUMN packing_station TEXT;
ALTER TABLE route_part ADD COLUMN packed_at INTEGER;

-- Which part a scan and a package belong to (0: the order is not split). A merged
-- parcel's scans are kept under each member order's own lines; its packages under the
-- order whose parcel it is.
ALTER TABLE pack_scan ADD COLUMN part_no INTEGER NOT NULL DEFAULT 0;
ALTER TABLE package ADD COLUMN part_no INTEGER NOT NULL DEFAULT 0;

-- The open packages of an order (or of one part of it) while it is being packed: box
-- and accepted weight, so a restarted station resumes each as it was. Replaces
-- pack_pkg, whose key could not tell two parts packed at once apart.
CREATE TABLE pack_open_pkg (
	order_id        INTEGER NOT NULL REFERENCES orders(id),
	part_no         INTEGER NOT NULL DEFAULT 0,
	pkg_no          INTEGER NOT NULL,
	box             INTEGER NOT NULL DEFAULT 0,
	weight_g        INTEGER NOT NULL DEFAULT -1,
	weight_override TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (order_id, part_no, pkg_no)
);
INSERT INTO pack_open_pkg(order_id, part_no, pkg_no, box, weight_g, weight_override)
	SELECT order_id, 0, pkg_no, box, weight_g, weight_override FROM pack_pkg;
DROP TABLE pack_pkg;
