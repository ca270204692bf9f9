-- packbench schema 19: purchase orders recorded by `packbench purchase` (src/core/purchase.h).
-- A purchase order's reference (several rows, one per SKU and warehouse, may share it),
-- and the time an open row was cancelled. A row is on order while neither received_at
-- nor cancelled_at is set.
ALTER TABLE purchase_due ADD COLUMN ref TEXT;
ALTER TABLE purchase_due ADD COLUMN cancelled_at INTEGER;
CREATE INDEX purchase_due_ref ON purchase_due(ref);
