-- Changes other stations should hear of at once (src/core/notify.c): a row per
-- notification, written in the transaction that made the change, read by every
-- listener from the last id it saw, pruned to the newest few thousand as it goes.
CREATE TABLE change_log (
	id      INTEGER PRIMARY KEY,
	at      INTEGER NOT NULL,
	channel TEXT NOT NULL,
	payload TEXT NOT NULL
);
