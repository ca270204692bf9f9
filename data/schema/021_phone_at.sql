-- The risk check's duplicate candidates (src/core/risk.c): the orders to one phone within
-- a time window, read as an index range, not every order of the phone (marketplaces
-- mask buyers' phones, so thousands of orders can share one).
CREATE INDEX orders_phone_at ON orders(buyer_phone, created_at);
