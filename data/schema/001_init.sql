-- packbench schema 1: the whole model of the foundation.
-- Portable subset (SQLite and PostgreSQL): no AUTOINCREMENT, integer times and money.

CREATE TABLE warehouse (
	id        INTEGER PRIMARY KEY,
	code      TEXT NOT NULL UNIQUE,
	name      TEXT NOT NULL,
	province  TEXT NOT NULL
);

CREATE TABLE shop (
	id           INTEGER PRIMARY KEY,
	channel      TEXT NOT NULL CHECK (channel IN ('shopee', 'lazada', 'tiktok', 'manual')),
	shop_code    TEXT NOT NULL,
	name         TEXT NOT NULL,
	warehouse_id INTEGER REFERENCES warehouse(id),
	UNIQUE (channel, shop_code)
);

CREATE TABLE sku (
	id             INTEGER PRIMARY KEY,
	sku            TEXT NOT NULL UNIQUE,
	name           TEXT NOT NULL,
	weight_g       INTEGER CHECK (weight_g IS NULL OR weight_g >= 0),
	lot_tracked    INTEGER NOT NULL DEFAULT 0 CHECK (lot_tracked IN (0, 1)),
	min_shelf_days INTEGER NOT NULL DEFAULT 0 CHECK (min_shelf_days >= 0),
	cost           INTEGER CHECK (cost IS NULL OR cost >= 0),
	buffer         INTEGER NOT NULL DEFAULT 0 CHECK (buffer >= 0)
);

-- A barcode may stand for a pack of N units. The same code on two SKUs is allowed in the
-- table (suppliers do reuse codes) and reported by `skus check`.
CREATE TABLE barcode (
	id       INTEGER PRIMARY KEY,
	code     TEXT NOT NULL,
	sku_id   INTEGER NOT NULL REFERENCES sku(id) ON DELETE CASCADE,
	pack_qty INTEGER NOT NULL DEFAULT 1 CHECK (pack_qty >= 1),
	UNIQUE (code, sku_id)
);
CREATE INDEX barcode_code ON barcode(code);
CREATE INDEX barcode_sku ON barcode(sku_id);

-- Lots: every stocked unit belongs to a lot; SKUs that are not lot-tracked use the lot ''.
CREATE TABLE lot (
	id          INTEGER PRIMARY KEY,
	sku_id      INTEGER NOT NULL REFERENCES sku(id),
	lot_code    TEXT NOT NULL,
	expiry      INTEGER,
	received_at INTEGER NOT NULL,
	UNIQUE (sku_id, lot_code)
);

-- Append-only ledger: each movement changes on-hand and/or reserved.
CREATE TABLE stock_move (
	id           INTEGER PRIMARY KEY,
	at           INTEGER NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN
	               ('receive', 'reserve', 'unreserve', 'ship', 'adjust', 'return')),
	warehouse_id INTEGER NOT NULL REFERENCES warehouse(id),
	sku_id       INTEGER NOT NULL REFERENCES sku(id),
	lot_id       INTEGER NOT NULL REFERENCES lot(id),
	d_on_hand    INTEGER NOT NULL,
	d_reserved   INTEGER NOT NULL,
	order_id     INTEGER,
	user_name    TEXT,
	note         TEXT
);
CREATE INDEX stock_move_key ON stock_move(warehouse_id, sku_id, lot_id);

-- Cache of the ledger sums; the CHECKs are the last line of defence for "never negative".
CREATE TABLE stock_level (
	warehouse_id INTEGER NOT NULL REFERENCES warehouse(id),
	sku_id       INTEGER NOT NULL REFERENCES sku(id),
	lot_id       INTEGER NOT NULL REFERENCES lot(id),
	on_hand      INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0),
	reserved     INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
	PRIMARY KEY (warehouse_id, sku_id, lot_id)
);
CREATE INDEX stock_level_sku ON stock_level(sku_id);

CREATE TABLE orders (
	id           INTEGER PRIMARY KEY,
	shop_id      INTEGER NOT NULL REFERENCES shop(id),
	order_no     TEXT NOT NULL,
	status       TEXT NOT NULL,
	version      INTEGER NOT NULL DEFAULT 1,
	created_at   INTEGER NOT NULL,
	ship_by      INTEGER,
	updated_at   INTEGER NOT NULL,
	cod          INTEGER NOT NULL DEFAULT 0 CHECK (cod >= 0),
	currency     TEXT NOT NULL,
	total        INTEGER NOT NULL,
	buyer_name   TEXT NOT NULL DEFAULT '',
	buyer_phone  TEXT NOT NULL DEFAULT '',
	address      TEXT NOT NULL DEFAULT '',
	district     TEXT NOT NULL DEFAULT '',
	province     TEXT NOT NULL DEFAULT '',
	warehouse_id INTEGER REFERENCES warehouse(id),
	tracking_no  TEXT,
	UNIQUE (shop_id, order_no)
);
CREATE INDEX orders_no ON orders(order_no);
CREATE INDEX orders_status ON orders(status, ship_by);
CREATE INDEX orders_tracking ON orders(tracking_no);

CREATE TABLE order_line (
	id         INTEGER PRIMARY KEY,
	order_id   INTEGER NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
	line_no    INTEGER NOT NULL,
	sku_id     INTEGER NOT NULL REFERENCES sku(id),
	qty        INTEGER NOT NULL CHECK (qty > 0),
	unit_price INTEGER NOT NULL,
	UNIQUE (order_id, line_no)
);

CREATE TABLE reservation (
	id            INTEGER PRIMARY KEY,
	order_id      INTEGER NOT NULL REFERENCES orders(id),
	order_line_id INTEGER NOT NULL REFERENCES order_line(id),
	warehouse_id  INTEGER NOT NULL REFERENCES warehouse(id),
	sku_id        INTEGER NOT NULL REFERENCES sku(id),
	lot_id        INTEGER NOT NULL REFERENCES lot(id),
	qty           INTEGER NOT NULL CHECK (qty > 0),
	created_at    INTEGER NOT NULL
);
CREATE INDEX reservation_order ON reservation(order_id);
CREATE INDEX reservation_key ON reservation(warehouse_id, sku_id, lot_id);

CREATE TABLE package (
	id          INTEGER PRIMARY KEY,
	order_id    INTEGER NOT NULL REFERENCES orders(id),
	box         TEXT,
	weight_g    INTEGER,
	carrier     TEXT,
	tracking_no TEXT,
	created_at  INTEGER NOT NULL
);
CREATE INDEX package_order ON package(order_id);

CREATE TABLE app_user (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL UNIQUE,
	role         TEXT NOT NULL CHECK (role IN ('packer', 'supervisor', 'admin')),
	pin_hash     TEXT NOT NULL,
	badge        TEXT UNIQUE,
	failed       INTEGER NOT NULL DEFAULT 0,
	locked_until INTEGER NOT NULL DEFAULT 0,
	active       INTEGER NOT NULL DEFAULT 1,
	created_at   INTEGER NOT NULL
);

-- Hash-chained audit log; audit_head anchors the end of the chain so that removing the
-- newest records is detected too.
CREATE TABLE audit (
	id        INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	user_name TEXT NOT NULL,
	station   TEXT NOT NULL,
	entity    TEXT NOT NULL,
	entity_id TEXT NOT NULL,
	action    TEXT NOT NULL,
	before    TEXT NOT NULL,
	after     TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);
CREATE TABLE audit_head (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	last_id   INTEGER NOT NULL,
	last_hash TEXT NOT NULL
);

-- Calls owed to a marketplace, written in the transaction that caused them.
CREATE TABLE outbox (
	id         INTEGER PRIMARY KEY,
	shop_id    INTEGER NOT NULL REFERENCES shop(id),
	order_id   INTEGER REFERENCES orders(id),
	kind       TEXT NOT NULL,
	payload    TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	next_at    INTEGER NOT NULL DEFAULT 0,
	done_at    INTEGER,
	last_error TEXT
);
CREATE INDEX outbox_pending ON outbox(done_at, next_at);

CREATE TABLE sync_cursor (
	shop_id    INTEGER NOT NULL REFERENCES shop(id),
	kind       TEXT NOT NULL,
	cursor     TEXT,
	window_end INTEGER,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (shop_id, kind)
);
