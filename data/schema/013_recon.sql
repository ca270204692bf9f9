-- packbench schema 13: reconciliation and KPIs (src/core/recon.c, src/core/kpi.c).
--
-- Where a settlement line came from: 'api' (the sync's finance fetch) or 'file' (a
-- channel's settlement report imported with `packbench import settlement`).
ALTER TABLE settlement_fee ADD COLUMN source TEXT NOT NULL DEFAULT 'api';

-- The moments the KPIs measure, one row per order, kept from the audit log as it is
-- written: every order transition (and an order created straight into a status) is an
-- audit record in the transaction that makes it, and the trigger below copies its time
-- into this row in that same transaction. The KPI report reads this table instead of
-- parsing the audit log of a million orders. packed_units is the units scanned at the
-- station when the order became PACKED (NULL: never packed at a station).
CREATE TABLE order_kpi (
	order_id       INTEGER PRIMARY KEY REFERENCES orders(id) ON DELETE CASCADE,
	packed_at      INTEGER,
	packed_units   INTEGER,
	shipped_at     INTEGER,
	delivered_at   INTEGER,
	cancelled_at   INTEGER,
	cancel_from    TEXT,
	cancel_reason  TEXT,
	cancel_user    TEXT,
	returning_at   INTEGER,
	returning_from TEXT
);

CREATE TRIGGER order_kpi_audit AFTER INSERT ON audit
WHEN NEW.entity = 'order' AND NEW.action IN ('transition', 'create') AND json_valid(NEW.after)
BEGIN
	INSERT INTO order_kpi(order_id) VALUES (CAST(NEW.entity_id AS INTEGER))
		ON CONFLICT(order_id) DO NOTHING;
	-- An order first seen already past a step (created SHIPPED, say) has no time for
	-- it; one first seen cancelled counts as cancelled.
	UPDATE order_kpi SET
		packed_at = CASE WHEN NEW.action = 'transition' AND
			json_extract(NEW.after, '$.status') = 'PACKED' THEN NEW.at ELSE packed_at END,
		packed_units = CASE WHEN NEW.action = 'transition' AND
			json_extract(NEW.after, '$.status') = 'PACKED' THEN (SELECT sum(qty) FROM
			pack_scan WHERE order_id = CAST(NEW.entity_id AS INTEGER)) ELSE packed_units END,
		shipped_at = CASE WHEN NEW.action = 'transition' AND
			json_extract(NEW.after, '$.status') = 'SHIPPED' THEN NEW.at ELSE shipped_at END,
		delivered_at = CASE WHEN NEW.action = 'transition' AND
			json_extract(NEW.after, '$.status') = 'DELIVERED' THEN NEW.at
			ELSE delivered_at END,
		cancelled_at = CASE json_extract(NEW.after, '$.status') WHEN 'CANCELLED' THEN NEW.at
			ELSE cancelled_at END,
		cancel_from = CASE json_extract(NEW.after, '$.status') WHEN 'CANCELLED' THEN
			coalesce(json_extract(CASE WHEN json_valid(NEW.before) THEN NEW.before END, '$.status'), '') ELSE cancel_from END,
		cancel_reason = CASE json_extract(NEW.after, '$.status') WHEN 'CANCELLED' THEN
			coalesce(json_extract(NEW.after, '$.reason'), '') ELSE cancel_reason END,
		cancel_user = CASE json_extract(NEW.after, '$.status') WHEN 'CANCELLED' THEN
			NEW.user_name ELSE cancel_user END,
		returning_at = CASE WHEN NEW.action = 'transition' AND
			json_extract(NEW.after, '$.status') = 'RETURNING' THEN NEW.at
			ELSE returning_at END,
		returning_from = CASE WHEN NEW.action = 'transition' AND
			json_extract(NEW.after, '$.status') = 'RETURNING' THEN
			coalesce(json_extract(CASE WHEN json_valid(NEW.before) THEN NEW.before END, '$.status'), '') ELSE returning_from END
	WHERE order_id = CAST(NEW.entity_id AS INTEGER);
END;

-- Orders that existed before this migration: their moments from the audit log once.
INSERT INTO order_kpi(order_id)
	SELECT DISTINCT CAST(entity_id AS INTEGER) FROM audit
	WHERE entity = 'order' AND action IN ('transition', 'create')
	AND CAST(entity_id AS INTEGER) IN (SELECT id FROM orders);
UPDATE order_kpi SET
	packed_at = (SELECT max(at) FROM audit WHERE entity = 'order' AND entity_id =
		CAST(order_kpi.order_id AS TEXT) AND action = 'transition' AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'PACKED'),
	shipped_at = (SELECT max(at) FROM audit WHERE entity = 'order' AND entity_id =
		CAST(order_kpi.order_id AS TEXT) AND action = 'transition' AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'SHIPPED'),
	delivered_at = (SELECT max(at) FROM audit WHERE entity = 'order' AND entity_id =
		CAST(order_kpi.order_id AS TEXT) AND action = 'transition' AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'DELIVERED'),
	cancelled_at = (SELECT max(at) FROM audit WHERE entity = 'order' AND entity_id =
		CAST(order_kpi.order_id AS TEXT) AND json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'CANCELLED'),
	cancel_from = (SELECT coalesce(json_extract(CASE WHEN json_valid(before) THEN before END, '$.status'), '') FROM audit
		WHERE entity = 'order' AND entity_id = CAST(order_kpi.order_id AS TEXT) AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'CANCELLED' ORDER BY id DESC LIMIT 1),
	cancel_reason = (SELECT coalesce(json_extract(CASE WHEN json_valid(after) THEN after END, '$.reason'), '') FROM audit
		WHERE entity = 'order' AND entity_id = CAST(order_kpi.order_id AS TEXT) AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'CANCELLED' ORDER BY id DESC LIMIT 1),
	cancel_user = (SELECT user_name FROM audit
		WHERE entity = 'order' AND entity_id = CAST(order_kpi.order_id AS TEXT) AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'CANCELLED' ORDER BY id DESC LIMIT 1),
	returning_at = (SELECT max(at) FROM audit WHERE entity = 'order' AND entity_id =
		CAST(order_kpi.order_id AS TEXT) AND action = 'transition' AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'RETURNING'),
	returning_from = (SELECT coalesce(json_extract(CASE WHEN json_valid(before) THEN before END, '$.status'), '') FROM audit
		WHERE entity = 'order' AND entity_id = CAST(order_kpi.order_id AS TEXT) AND
		action = 'transition' AND json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') = 'RETURNING'
		ORDER BY id DESC LIMIT 1);

-- The KPI report reads settlement lines by order and packages by time (parcels per
-- hour per packer) from these indexes alone, and the ledger's movements since a time
-- (the stock at the start and end of a period).
CREATE INDEX kpi_settlement_fee_order ON settlement_fee(order_id, fee_type, amount);
CREATE INDEX kpi_package_at ON package(created_at, user_name);
CREATE INDEX kpi_stock_move_at ON stock_move(at);
