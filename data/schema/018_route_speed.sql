-- packbench schema 18: the KPI moments' trigger (schema 13, 15) runs only for the audit
-- records it has something to copy from: an order created, or a transition to a status
-- whose time the KPIs keep (packed, shipped, delivered, cancelled, returning, returned).
-- Transitions to CONFIRMED, ON_HOLD, ALLOCATED and PACKING, most of the log at intake
-- (every order is allocated as it is confirmed, route.h), left the row as it was and
-- are now skipped before the trigger's body runs. Same body, its IN lists written as
-- comparisons.
DROP TRIGGER order_kpi_audit;
CREATE TRIGGER order_kpi_audit AFTER INSERT ON audit
WHEN NEW.entity = 'order' AND json_valid(NEW.after) AND (NEW.action = 'create' OR
	(NEW.action = 'transition' AND json_extract(NEW.after, '$.status') <> 'CONFIRMED' AND
	json_extract(NEW.after, '$.status') <> 'ON_HOLD' AND
	json_extract(NEW.after, '$.status') <> 'ALLOCATED' AND
	json_extract(NEW.after, '$.status') <> 'PACKING'))
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
			(json_extract(NEW.after, '$.status') = 'RETURNING' OR
			json_extract(NEW.after, '$.status') = 'RETURNED' OR
			json_extract(NEW.after, '$.status') = 'PART_RETURNED') THEN NEW.at ELSE returning_at END,
		returning_from = CASE WHEN NEW.action = 'transition' AND returning_at IS NULL AND
			(json_extract(NEW.after, '$.status') = 'RETURNING' OR
			json_extract(NEW.after, '$.status') = 'RETURNED' OR
			json_extract(NEW.after, '$.status') = 'PART_RETURNED') THEN
			coalesce(json_extract(CASE WHEN json_valid(NEW.before) THEN NEW.before END, '$.status'), '') ELSE returning_from END
	WHERE order_id = CAST(NEW.entity_id AS INTEGER);
END;
