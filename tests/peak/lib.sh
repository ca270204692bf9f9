# Sourced by the scripts that run packbench against packbench-marketsim (tests/peak,
# tests/pg/stations.sh, tests/sync/station_sync.sh): start the simulator, call its
# control API, write the [shop "Sim"] section that points at it, the catalogue's CSVs.
# The caller sets $tmp and kills $simpid in its EXIT trap.

# sim_start SIMULATOR ARGS...: the simulator on a free loopback port (ARGS: --orders,
# --seed, --skus ...); sets $simpid and $port, or ends the test when it does not start.
sim_start() {
	local bin=$1 i
	shift
	"$bin" --listen 127.0.0.1:0 "$@" >"$tmp/port" &
	simpid=$!
	for ((i = 0; i < 50; i++)); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	port=$(head -1 "$tmp/port")
	[ -n "$port" ] || { echo "FAIL: the simulator did not start"; exit 1; }
}

ctl() {     # ctl METHOD PATH [BODY]: the simulator's control API, the reply printed
	python3 - "$port" "$1" "$2" "${3:-}" <<'PY'
import sys, urllib.request
port, method, path, body = sys.argv[1:5]
req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
    data=body.encode() if body else None, headers={"Content-Type": "application/json"})
print(urllib.request.urlopen(req, timeout=10).read().decode())
PY
}

# sim_shop [WAREHOUSE]: the config section of the simulator's Shopee shop.
sim_shop() {
	cat <<EOF
[shop "Sim"]
channel = shopee
api_base = http://127.0.0.1:$port
partner_id = 1000001
partner_key = sim-partner-key
shop_id = 2000001
access_token = sim-access-token
refresh_token = sim-refresh-token
EOF
	[ -z "${1:-}" ] || echo "warehouse = $1"
}

# sim_catalogue SKULIST: $catalogue, the SKUs of the simulator's list (no comments).
sim_catalogue() { mapfile -t catalogue < <(grep -v '^#' "$1" | grep .); }

# catalogue_skus_csv: $tmp/skus.csv, every SKU of $catalogue with barcode BC-SKU, 100 g.
catalogue_skus_csv() {
	local s
	{
		echo "sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost"
		for s in "${catalogue[@]}"; do echo "$s,$s,BC-$s,100,0,0,1000"; done
	} >"$tmp/skus.csv"
}

# catalogue_stock_csv QTY: $tmp/stock.csv, QTY of every SKU of $catalogue in HCM.
catalogue_stock_csv() {
	local s
	{
		echo "warehouse,sku,lot,expiry,qty"
		for s in "${catalogue[@]}"; do echo "HCM,$s,,,$1"; done
	} >"$tmp/stock.csv"
}

# pack_input QUERY ORDER_NO: line-mode input that packs the order: each unit's barcode
# (BC-SKU, as catalogue_skus_csv makes them), box M, the weight those SKUs make (100 g a
# unit, 80 g of box), confirm. QUERY names the test's function that answers one SQL query.
pack_input() {
	local query=$1 no=$2 bc n u units=0
	echo "$no"
	while IFS='|' read -r bc n; do
		for ((u = 0; u < n; u++)); do echo "$bc"; done
		units=$((units + n))
	done < <("$query" "SELECT 'BC-' || s.sku, l.qty FROM order_line l JOIN orders o ON
	    o.id = l.order_id JOIN sku s ON s.id = l.sku_id WHERE o.order_no = '$no'
	    ORDER BY l.line_no")
	echo "BOX M"
	echo "WEIGHT $((units * 100 + 80))"
	echo "CMD:CONFIRM"
}
