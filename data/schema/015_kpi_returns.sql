-- A parcel can come back without passing RETURNING: the station receives it straight
-- from SHIPPED or DELIVERED (returns.c) as RETURNED or PART_RETURNED. The KPIs date a
-- return, and tell a failed delivery from a buyer's return, by the first of the three.
DROP TRIGGER order_kpi_audit;
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
		returning_at = CASE WHEN NEW.action = 'transition' AND returning_at IS NULL AND
			json_extract(NEW.after, '$.status') IN ('RETURNING', 'RETURNED',
			'PART_RETURNED') THEN NEW.at ELSE returning_at END,
		returning_from = CASE WHEN NEW.action = 'transition' AND returning_at IS NULL AND
			json_extract(NEW.after, '$.status') IN ('RETURNING', 'RETURNED',
			'PART_RETURNED') THEN
			coalesce(json_extract(CASE WHEN json_valid(NEW.before) THEN NEW.before END, '$.status'), '') ELSE returning_from END
	WHERE order_id = CAST(NEW.entity_id AS INTEGER);
END;

-- Orders already returned that way: their first such move from the audit log.
UPDATE order_kpi SET
	returning_at = (SELECT at FROM audit WHERE entity = 'order' AND entity_id =
		CAST(order_kpi.order_id AS TEXT) AND action = 'transition' AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') IN
		('RETURNED', 'PART_RETURNED') ORDER BY id LIMIT 1),
	returning_from = (SELECT coalesce(json_extract(CASE WHEN json_valid(before) THEN before
		END, '$.status'), '') FROM audit WHERE entity = 'order' AND entity_id =
		CAST(order_kpi.order_id AS TEXT) AND action = 'transition' AND
		json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') IN
		('RETURNED', 'PART_RETURNED') ORDER BY id LIMIT 1)
WHERE returning_at IS NULL AND EXISTS (SELECT 1 FROM audit WHERE entity = 'order' AND
	entity_id = CAST(order_kpi.order_id AS TEXT) AND action = 'transition' AND
	json_extract(CASE WHEN json_valid(after) THEN after END, '$.status') IN
	('RETURNED', 'PART_RETURNED'));
