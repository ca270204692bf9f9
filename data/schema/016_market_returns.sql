-- packbench schema 16: marketplace returns pulled from the channels' return APIs.
-- A return the channel announces is an rma row (source 'marketplace', market_id its
-- return id) carrying what the channel last said of it: its state mapped to ours
-- (market_status: requested, accepted, in_transit, received, refunded, rejected,
-- cancelled), the channel's own status text, the buyer's reason, the tracking number of
-- the return parcel and the channel's update time (a pull never applies an older one).
-- rma_market_unit holds the units per seller SKU the buyer asked to send back.
ALTER TABLE rma ADD COLUMN market_status TEXT;
ALTER TABLE rma ADD COLUMN market_their TEXT;
ALTER TABLE rma ADD COLUMN market_reason TEXT;
ALTER TABLE rma ADD COLUMN market_tracking TEXT;
ALTER TABLE rma ADD COLUMN market_updated_at INTEGER;
CREATE INDEX rma_market_tracking ON rma(market_tracking);

CREATE TABLE rma_market_unit (
	rma_id INTEGER NOT NULL REFERENCES rma(id),
	sku    TEXT NOT NULL,
	qty    INTEGER NOT NULL CHECK (qty > 0),
	PRIMARY KEY (rma_id, sku)
);
