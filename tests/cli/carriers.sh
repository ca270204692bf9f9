#!/usr/bin/env bash
# The carrier commands end to end: carriers list (the SAMPLE tables), carriers quote
# (prices, promises, the choice, bad input as usage errors), report carriers (the
# scorecard's columns) and carriers costs (all or nothing, errors by line).
#   carriers.sh PACKBENCH
set -u
pb=$1
tmp=$(mktemp -d)
. "$(dirname "$0")/lib.sh"
new_db t
export PACKBENCH_DB=$db
export PACKBENCH_CONFIG=$tmp/none.conf
printf '[station]\nid = ST1\n' >"$PACKBENCH_CONFIG"

expect 0 "$pb" init
expect 0 "$pb" carriers list --format csv
has out "code,name,service,cod,cod_fee_pct,cod_fee_min,cutoff,same_500g,same_days,region_500g,region_days,cross_500g,cross_days"
has out "JT,J&T Express,EZ,yes,1.00,10000,18:00,17000,1,21000,2,29000,3"
has out "SPX,SPX Express,standard,no,,,15:00,14000,2,19000,3,26000,4"

# Ha Noi -> Ho Chi Minh, 1.2 kg, COD 500,000, by 1 December, handed over at 16:30 on
# 27 November: GHTK (5 days) is late, SPX takes no COD, GHN is the cheapest in time.
expect 0 "$pb" carriers quote --from "Hà Nội" --to "TP. Hồ Chí Minh" --weight 1200 \
    --cod 500000 --deliver-by 2026-12-01 --at 2026-11-27T16:30 --format csv
has out "GHN,cross,43000,2500,45500,3,2026-11-30 23:59,yes,*"
has out "GHTK,cross,41000,0,41000,5,2026-12-03 23:59,late,"
has out "SPX,,,,,,,no COD,"
has out "VTP,cross,45000,12000,57000,2,2026-11-30 23:59,yes,"
# Prepaid and no deadline: SPX.
expect 0 "$pb" carriers quote --from "Hà Nội" --to "Hải Phòng" --weight 300 --format json
has out '"carrier": "SPX", "zone": "region", "price": 19000'
has out '"chosen": "*"'
expect 2 "$pb" carriers quote --from "Hà Nội" --to "Atlantis" --weight 300
has err "packbench: 'Atlantis' is not a province of Viet Nam"
expect 2 "$pb" carriers quote --from "Hà Nội" --to "Huế" --weight -5
has err "packbench: --weight '-5' is not grams"
expect 2 "$pb" carriers quote --from "Hà Nội" --to "Huế"

expect 0 "$pb" report carriers --from 2026-01-01 --to 2026-12-31 --format csv
has out "carrier,region,shipped,delivered,failed,open,promised_days,actual_days,success_pct,cod_finished,cod_failed_pct,costed,quoted,actual_cost,cost_diff"
expect 2 "$pb" report carriers --from yesterday

printf 'order,amount\n' >"$tmp/costs.csv"
expect 1 "$pb" carriers costs "$tmp/costs.csv"
has err "costs.csv:1: the header must be order_no,cost"
printf 'order_no,cost\nNOPE-1,20000\n' >"$tmp/costs.csv"
expect 1 "$pb" carriers costs "$tmp/costs.csv"
has err "costs.csv:2:"
printf 'order_no,cost\nNOPE-1,lots\n' >"$tmp/costs.csv"
expect 1 "$pb" carriers costs "$tmp/costs.csv"
has err "costs.csv:2: cost 'lots' is not an amount in VND"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
