-- packbench schema 3: what the pack flow and labels look up by order.
-- Labels and restocking find an order's ledger movements, and the lot check its
-- reservations by line, without scanning the whole history.
CREATE INDEX stock_move_order ON stock_move(order_id);
CREATE INDEX reservation_line ON reservation(order_line_id);

-- Each open package's box and accepted weight, so a station that restarts mid-order
-- resumes every package as it was, not only the scans.
CREATE TABLE pack_pkg (
	order_id        INTEGER NOT NULL REFERENCES orders(id),
	pkg_no          INTEGER NOT NULL,
	box             INTEGER NOT NULL DEFAULT 0,
	weight_g        INTEGER NOT NULL DEFAULT -1,
	weight_override TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (order_id, pkg_no)
);
