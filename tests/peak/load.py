#!/usr/bin/env python3
# load.py — the peak-day load test (issue 10), run by load.sh. One SQLite database, one
# packbench configuration with three shops (Shopee, Lazada, TikTok Shop) played by one
# packbench-marketsim generating orders at a campaign rate across the three; the sync
# daemon (`packbench sync --daemon`), the push receiver (`packbench webhooks --refetch`,
# the simulator pushing every new order to it) and STATIONS packing stations in line mode
# (`packbench scan`). A dispatcher plays the picking floor: it puts the waiting orders
# into totes, a few orders each, one tote queue per station; a station claims its next
# order by scanning its tote, scans every unit (a share of wrong scans, each locking the
# station until acknowledged), boxes, weighs (a share of wrong weights, locked,
# acknowledged, weighed again) and confirms; the label goes to /dev/null; the sync daemon
# makes the ship calls. Pacing: 0.3-1.5 s between scans times PACE.
#
# After SECONDS the generation stops, the stations finish the order they hold and log
# out, and the drain period (up to DRAIN s) waits for every generated order to be pulled
# and every packed order's ship call to be accepted. It prints the figures and exits 1
# when an order is lost (at the simulator but not here after a final `sync --once`),
# duplicated (two rows for one marketplace order, or accepted twice at the marketplace),
# or stuck (packed, no accepted ship call after the drain), when the generated rate was
# under the campaign rate, when the stations packed nothing, or when a process failed
# (a station answer out of protocol, a crash, a sanitizer report, the ledger or the
# audit chain broken).
#   load.py PACKBENCH SIMULATOR SKUS
# Environment: PACKBENCH_PEAK_SECONDS (60), PACKBENCH_PEAK_RATE (orders/hour over the
# three shops, 54000), PACKBENCH_PEAK_STATIONS (8), PACKBENCH_PEAK_PACE (1 for runs of
# 600 s or more, else 0.2), PACKBENCH_PEAK_DRAIN (40 s), PACKBENCH_PEAK_WRONG (0.03),
# PACKBENCH_PEAK_BADWEIGHT (0.02), PACKBENCH_PEAK_APIRATE ([sync] rate_limit_per_s: the
# requests a second packbench allows itself per shop, 10 as packbench's default),
# PACKBENCH_PEAK_REFETCH (1: the receiver re-fetches each push at once; 0: the sync
# does), PACKBENCH_PEAK_SEED, PACKBENCH_PEAK_KEEP (keep the files, with sim.json: the
# simulator's orders, ship log and counters).
#
# At pace 0.1 the 8 stations pack some 35,000 orders/h (0.2: about 20,000; 1: about
# 4,000, a real packer's pace), and at 10 requests/s a shop the ship calls then wait for
# the rate limit (a ship is 3 calls on each channel: Shopee's shipping parameter, ship,
# tracking; Lazada's items, pack, rts; and each push costs a re-fetch, on Lazada items +
# list, and it pushes its own pack and rts); the ship-call latency printed is then mostly
# that wait (PACKBENCH_PEAK_APIRATE=40: under 1 s).
import atexit
import collections
import json
import os
import random
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

CAMPAIGN_PER_HOUR = 50000     # the rate issue 10 asks for, at the least
BOX, BOX_TARE_G, UNIT_G = "M", 80, 100
SHOPS = (("shopee", "SPE", "spe"), ("lazada", "LZD", "lzd"), ("tiktok", "TTS", "tts"))


def env_num(name, default, kind=float):
    v = os.environ.get(name, "")
    if v == "":
        return default
    try:
        n = kind(v)
    except ValueError:
        sys.exit(f"load: {name}={v!r} is not a number")
    if n < 0:
        sys.exit(f"load: {name}={v!r} is negative")
    return n


if len(sys.argv) != 4:
    sys.exit("usage: load.py PACKBENCH SIMULATOR SKUS")
pb, simbin, skufile = (os.path.abspath(a) for a in sys.argv[1:4])
SECONDS = env_num("PACKBENCH_PEAK_SECONDS", 60, int)
RATE_H = env_num("PACKBENCH_PEAK_RATE", 54000)
NSTATIONS = env_num("PACKBENCH_PEAK_STATIONS", 8, int)
PACE = env_num("PACKBENCH_PEAK_PACE", 1.0 if SECONDS >= 600 else 0.2)
DRAIN = env_num("PACKBENCH_PEAK_DRAIN", 40)
WRONG = env_num("PACKBENCH_PEAK_WRONG", 0.03)
BADWEIGHT = env_num("PACKBENCH_PEAK_BADWEIGHT", 0.02)
APIRATE = env_num("PACKBENCH_PEAK_APIRATE", 10, int)
SEED = env_num("PACKBENCH_PEAK_SEED", int(time.time()) % 100000, int)
if SECONDS < 5 or NSTATIONS < 1 or not 1 <= APIRATE <= 1000:
    sys.exit("load: PACKBENCH_PEAK_SECONDS must be at least 5, STATIONS at least 1, "
             "APIRATE 1 to 1000")
random.seed(SEED)

tmp = tempfile.mkdtemp(prefix="pbpeak.")
dbpath = os.path.join(tmp, "peak.db")
conf = os.path.join(tmp, "peak.conf")
procs = {}          # name -> Popen of every long-running process
failures = []       # lines that fail the test
lock = threading.Lock()
cleaned = threading.Event()


def now_ms():
    return time.time() * 1000.0


def fail(msg):
    with lock:
        failures.append(msg)
    print("FAIL:", msg, flush=True)


def cleanup():
    """Every process still running killed; the files removed unless kept. Runs once."""
    if cleaned.is_set():
        return
    cleaned.set()
    for p in procs.values():
        if p.poll() is None:
            p.kill()
            p.wait()
    if os.environ.get("PACKBENCH_PEAK_KEEP"):
        print("kept", tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)


atexit.register(cleanup)


def die(msg):
    print("FAIL:", msg, flush=True)
    cleanup()
    sys.exit(1)


def ctl(method, path, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{simport}{path}", method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode())


def pbx(*args, pin=None):
    env = dict(os.environ)
    if pin is not None:
        env["PACKBENCH_PIN"] = pin
    return subprocess.run([pb, "--db", dbpath, "--config", conf, *args], env=env,
                          capture_output=True, text=True)


def db():
    return sqlite3.connect(f"file:{dbpath}?mode=ro", uri=True, timeout=30)


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100.0))]


def hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


os.environ.update(PACKBENCH_TEST_FAST_HASH="1", XDG_CONFIG_HOME=os.path.join(tmp, "xdg"))
for k in ("PACKBENCH_DB", "PACKBENCH_CONFIG", "PACKBENCH_PIN"):
    os.environ.pop(k, None)

# ---- the marketplace: three shops, generation off until the campaign starts ----
args = [simbin, "--listen", "127.0.0.1:0", "--seed", str(SEED), "--skus", skufile]
for ch, code, _ in SHOPS:
    args += ["--shop", f"{ch}:{code}", "--orders", "30"]
simerr = open(os.path.join(tmp, "sim.err"), "w")
procs["marketsim"] = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=simerr, text=True)
simport = procs["marketsim"].stdout.readline().strip()
if not simport.isdigit():
    die("the simulator did not start")
shops = {s["code"]: s for s in ctl("GET", "/_sim/shops")["shops"]}

# ---- the seller: SKUs, stock, packers, the configuration ----
catalogue = [l.strip() for l in open(skufile) if l.strip() and not l.startswith("#")]
with open(os.path.join(tmp, "skus.csv"), "w") as f:
    f.write("sku,name,barcodes,weight_g,lot_tracked,min_shelf_days,cost\n")
    for s in catalogue:
        f.write(f"{s},{s},BC-{s},{UNIT_G},0,0,1000\n")
with open(os.path.join(tmp, "stock.csv"), "w") as f:
    f.write("warehouse,sku,lot,expiry,qty\n")
    for s in catalogue:
        f.write(f"HCM,{s},,,100000000\n")
with open(conf, "w") as f:
    f.write("[station]\nwarehouse = HCM\nprinter = file:/dev/null\n\n")
    for ch, code, name in SHOPS:
        sh = shops[code]
        f.write(f'[shop "{name}"]\nchannel = {ch}\napi_base = http://127.0.0.1:{simport}\n'
                f"access_token = {sh['access_token']}\nrefresh_token = {sh['refresh_token']}\n"
                "warehouse = HCM\n")
        if ch == "shopee":
            f.write(f"partner_id = {sh['partner_id']}\npartner_key = {sh['partner_key']}\n"
                    f"shop_id = {sh['shop_id']}\n\n")
        else:
            f.write(f"app_key = {sh['app_key']}\napp_secret = {sh['app_secret']}\n")
            f.write(f"shop_cipher = {sh['shop_cipher']}\n\n" if ch == "tiktok" else "\n")
    f.write("[sync]\ninterval_s = 1\nin_station = no\n")
    f.write(f"rate_limit_per_s = {APIRATE}\n")
os.chmod(conf, 0o600)
steps = [("init",), ("warehouse", "add", "HCM", "--province", "Hồ Chí Minh"),
         ("import", "skus", os.path.join(tmp, "skus.csv")),
         ("import", "stock", os.path.join(tmp, "stock.csv"))]
for st in steps:
    r = pbx(*st)
    if r.returncode != 0:
        die(f"fixtures: {' '.join(st)}: {r.stderr.strip()}")
os.environ["PACKBENCH_NEW_PIN"] = "1111"
for i in range(NSTATIONS):
    r = pbx("user", "add", f"p{i + 1}", "--role", "packer")
    if r.returncode != 0:
        die(f"fixtures: user add: {r.stderr.strip()}")
del os.environ["PACKBENCH_NEW_PIN"]
r = pbx("sync", "--once")
if r.returncode != 0:
    die(f"the first sync failed: {r.stdout.strip()} {r.stderr.strip()}")


def spawn(name, args, **kw):
    err = open(os.path.join(tmp, name + ".err"), "w")
    p = subprocess.Popen([pb, "--db", dbpath, "--config", conf, *args], stderr=err, **kw)
    procs[name] = p
    return p


# ---- the push receiver, the sync daemon ----
wh = spawn("webhooks", ["webhooks", "--listen", "127.0.0.1:0"] +
           (["--refetch"] if os.environ.get("PACKBENCH_PEAK_REFETCH", "1") == "1" else []),
           stdout=subprocess.PIPE, text=True)
line = wh.stdout.readline()
if not line.startswith("listening on http://"):
    die(f"packbench webhooks did not start: {line.strip()}")
pushbase = line.split()[-1]
for ch, code, name in SHOPS:
    ctl("POST", "/_sim/webhook", {"url": f"{pushbase}/push/{ch}/{name}", "shop": code})
spawn("sync", ["sync", "--daemon"], stdout=subprocess.DEVNULL)


class Line:
    """A child's stdout read line by line with a timeout (select on the raw fd)."""

    def __init__(self, f):
        self.fd, self.buf = f.fileno(), b""

    def read(self, timeout):
        end = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")


stop = threading.Event()        # the campaign is over: no new totes, no new orders
done = threading.Event()        # everything stopped: the sampler ends
totes = [collections.deque() for _ in range(NSTATIONS)]
packed_ms = {}                  # order_no -> when its station answered "packed"
seen_ms = {}                    # order_no -> when it was first seen in the database
scan_ms = []                    # every station line: sent -> answered
stats = collections.Counter()
hwm = collections.defaultdict(int)


def count(what):
    with lock:
        stats[what] += 1


def station(i):
    name = f"ST{i + 1}"
    p = spawn(name.lower(), ["scan", "--user", f"p{i + 1}", "--station", name],
              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
              env=dict(os.environ, PACKBENCH_PIN="1111"))
    out = Line(p.stdout)
    conn = db()

    def say(text, want):
        time.sleep(random.uniform(0.3, 1.5) * PACE)
        t0 = now_ms()
        try:
            p.stdin.write((text + "\n").encode())
            p.stdin.flush()
        except OSError:
            raise RuntimeError(f"{name}: the station is gone (input {text!r})")
        reply = out.read(60)
        if reply is None:
            raise RuntimeError(f"{name}: no answer in 60 s to {text!r}")
        with lock:
            scan_ms.append(now_ms() - t0)
        if not reply.startswith(want + " "):
            raise RuntimeError(f"{name}: {text!r} answered {reply!r}, wanted {want}")
        return reply

    try:
        while not stop.is_set():
            if not totes[i]:
                time.sleep(0.1)
                continue
            code = totes[i][0]
            reply = say(code, "ok")         # "ok N order NO open: N units to scan"
            no = reply.split()[3]
            units = []
            for bc, qty in conn.execute(
                    "SELECT 'BC-' || s.sku, l.qty FROM order_line l JOIN orders o ON "
                    "o.id = l.order_id JOIN sku s ON s.id = l.sku_id WHERE o.order_no = ?",
                    (no,)):
                units += [bc] * qty
            random.shuffle(units)
            for bc in units:
                if random.random() < WRONG:
                    wrong = random.choice([f"BC-{s}" for s in catalogue
                                           if f"BC-{s}" not in units] or ["BC-NO-SUCH"])
                    say(wrong, "locked")
                    say("CMD:ACK", "ok")
                    count("wrong scans")
                say(bc, "ok")
            say(f"BOX {BOX}", "ok")
            grams = len(units) * UNIT_G + BOX_TARE_G
            if random.random() < BADWEIGHT:
                say(f"WEIGHT {grams + 400}", "locked")
                say("CMD:ACK", "ok")
                count("weight errors")
            say(f"WEIGHT {grams}", "ok")
            say("CMD:CONFIRM", "packed")
            with lock:
                packed_ms[no] = now_ms()
            count("packed")
            if conn.execute("SELECT count(*) FROM tote WHERE code = ?",
                            (code,)).fetchone()[0] == 0:
                totes[i].popleft()
    except RuntimeError as e:
        fail(str(e))
    conn.close()
    p.stdin.close()
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    if rc != 0:
        fail(f"{name}: packbench scan exited {rc}")


def dispatcher():
    """The picking floor: waiting orders into totes of 4, two totes ahead per station."""
    conn, n = db(), 0
    while not stop.is_set():
        free = conn.execute(
            "SELECT o.order_no FROM orders o WHERE o.status IN ('CONFIRMED', 'ALLOCATED') "
            "AND NOT EXISTS (SELECT 1 FROM tote t WHERE t.order_id = o.id) "
            "ORDER BY o.ship_by, o.id LIMIT ?", (8 * NSTATIONS,)).fetchall()
        free = [r[0] for r in free]
        for i in range(NSTATIONS):
            if len(totes[i]) >= 2 or not free:
                continue
            batch, free = free[:4], free[4:]
            n += 1
            code = f"T{i + 1}-{n}"
            r = pbx("tote", "assign", code, *batch)
            if r.returncode != 0:
                fail(f"tote assign {code}: {r.stderr.strip()}")
                continue
            totes[i].append(code)
            count("totes")
        time.sleep(0.5)
    conn.close()


def sampler():
    """Every 0.2 s: orders that arrived in the database; peak RSS of every process."""
    conn, last = db(), 0
    while not done.is_set():
        t = now_ms()
        for oid, no in conn.execute("SELECT id, order_no FROM orders WHERE id > ? "
                                    "ORDER BY id", (last,)):
            last = oid
            seen_ms.setdefault(no, t)
        for name, p in list(procs.items()):
            hwm[name] = max(hwm[name], hwm_kb(p.pid))
        time.sleep(0.2)
    conn.close()


threading.Thread(target=sampler, daemon=True).start()
before = {o["order_sn"] for o in ctl("GET", "/_sim/orders")["orders"]}
t0 = time.monotonic()
ctl("POST", "/_sim/gen", {"rate": RATE_H / 3600.0 / len(SHOPS)})
threads = [threading.Thread(target=station, args=(i,), daemon=True)
           for i in range(NSTATIONS)]
threads.append(threading.Thread(target=dispatcher, daemon=True))
for t in threads:
    t.start()
time.sleep(SECONDS)
ctl("POST", "/_sim/gen", {"rate": 0})
gen_secs = time.monotonic() - t0
stop.set()
for t in threads:
    t.join()
run_secs = time.monotonic() - t0

# ---- the drain: every generated order pulled, every packed order's ship accepted ----
simorders = ctl("GET", "/_sim/orders")["orders"]
generated = [o for o in simorders if o["order_sn"] not in before]
drain_t0 = time.monotonic()
while True:
    ships = ctl("GET", "/_sim/log?kind=ship")["log"]
    okship = collections.defaultdict(list)
    for e in ships:
        # Lazada's pack is logged as a ship call too; its rts is the hand-over.
        if e["ok"] and e["detail"] != "pack":
            okship[e["order_sn"]].append(e["t_ms"])
    unpulled = [o for o in simorders if o["order_sn"] not in seen_ms]
    unshipped = [no for no in packed_ms if no not in okship]
    if (not unpulled and not unshipped) or time.monotonic() - drain_t0 > DRAIN:
        break
    time.sleep(0.5)
drain_secs = time.monotonic() - drain_t0
counters = {code: ctl("GET", f"/_sim/counters?shop={code}") for _, code, _ in SHOPS}
if os.environ.get("PACKBENCH_PEAK_KEEP"):
    with open(os.path.join(tmp, "sim.json"), "w") as f:
        json.dump({"counters": counters, "orders": ctl("GET", "/_sim/orders")["orders"], "ships": ships,
                   "packed_ms": packed_ms, "seen_ms": seen_ms}, f)
for name in ("webhooks", "sync"):
    p = procs[name]
    hwm[name] = max(hwm[name], hwm_kb(p.pid))
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "killed after 30 s"
    if rc != 0:
        fail(f"packbench {name} exited {rc} on SIGTERM")
hwm["marketsim"] = max(hwm["marketsim"], hwm_kb(procs["marketsim"].pid))
done.set()
stuck = [no for no in packed_ms if no not in okship]

# ---- a final clean sync, then what is lost or duplicated ----
r = pbx("sync", "--once")
if r.returncode != 0:
    fail(f"the final sync --once failed: {r.stdout.strip()} {r.stderr.strip()}")
conn = db()
q = lambda sql, *a: conn.execute(sql, a).fetchall()
have = {no for (no,) in q("SELECT order_no FROM orders")}
lost = [o["order_sn"] for o in simorders if o["order_sn"] not in have]
dups = q("SELECT o.order_no, count(*) FROM orders o GROUP BY o.order_no HAVING count(*) > 1")
dupships = [sn for sn, t in okship.items() if len(t) > 1]
notpacked = [no for (no, st) in q("SELECT order_no, status FROM orders")
             if no in packed_ms and st != "PACKED" and st != "SHIPPED"]
pending = q("SELECT count(*) FROM outbox WHERE kind = 'ready_to_ship' AND done_at IS NULL")[0][0]
unbalanced = q("SELECT count(*) FROM stock_level l WHERE l.on_hand <> (SELECT coalesce(sum("
               "d_on_hand), 0) FROM stock_move m WHERE m.warehouse_id = l.warehouse_id AND "
               "m.sku_id = l.sku_id AND m.lot_id = l.lot_id) OR l.reserved <> (SELECT "
               "coalesce(sum(qty), 0) FROM reservation r WHERE r.warehouse_id = "
               "l.warehouse_id AND r.sku_id = l.sku_id AND r.lot_id = l.lot_id)")[0][0]
overres = q("SELECT count(*) FROM order_line l WHERE l.qty < (SELECT coalesce(sum(qty), 0) "
            "FROM reservation r WHERE r.order_line_id = l.id)")[0][0]
dbpacked = q("SELECT count(*) FROM orders WHERE status IN ('PACKED', 'SHIPPED')")[0][0]
pulled = len(have)
chan = dict(q("SELECT o.order_no, s.channel FROM orders o JOIN shop s ON s.id = o.shop_id"))
conn.close()
av = pbx("audit", "verify")
dbsize = sum(os.path.getsize(dbpath + x) for x in ("", "-wal", "-shm")
             if os.path.exists(dbpath + x))

lag = [seen_ms[o["order_sn"]] - o["born_ms"] for o in generated if o["order_sn"] in seen_ms]
shiplat = [okship[no][0] - t for no, t in packed_ms.items() if no in okship]
rate = len(generated) / gen_secs * 3600
for name in procs:
    path = os.path.join(tmp, name + ".err")
    if os.path.exists(path):
        with open(path, errors="replace") as f:
            text = f.read()
        if "Sanitizer" in text or "runtime error" in text:
            fail(f"{name}: {[l for l in text.splitlines() if 'Sanitizer' in l or 'runtime error' in l][0]}")

# ---- the figures ----
print(f"peak load: {SECONDS} s campaign at {RATE_H:.0f} orders/h over {len(SHOPS)} shops "
      f"(shopee, lazada, tiktok), {NSTATIONS} stations, pace {PACE:g} "
      f"({0.3 * PACE:.2f}-{1.5 * PACE:.2f} s between scans), API limit {APIRATE}/s a shop, "
      f"seed {SEED}")
print(f"  orders generated     {len(generated)} in {gen_secs:.1f} s = {rate:.0f}/h "
      f"(campaign rate {CAMPAIGN_PER_HOUR}/h); at the simulator in all {len(simorders)}")
print(f"  orders pulled        {pulled} (by the end of the drain "
      f"{len(simorders) - len(unpulled)} of {len(simorders)})")
print(f"  orders packed        {len(packed_ms)} ({len(packed_ms) / run_secs * 3600:.0f}/h; "
      f"{stats['totes']} totes, {stats['wrong scans']} wrong scans, "
      f"{stats['weight errors']} weight errors, all acknowledged and corrected)")
print(f"  ship calls accepted  {len(okship)} of {len(packed_ms)} packed; latency packed -> "
      f"accepted p50 {pct(shiplat, 50) / 1000:.2f} s, p99 {pct(shiplat, 99) / 1000:.2f} s")
print("                       " + ", ".join(
    f"{ch} p50 {pct(v, 50) / 1000:.2f} s, p99 {pct(v, 99) / 1000:.2f} s" for ch, v in
    ((ch, [okship[no][0] - t for no, t in packed_ms.items() if no in okship and
           chan.get(no) == ch]) for ch, _, _ in SHOPS)))
print(f"  scan time            {len(scan_ms)} lines, p50 {pct(scan_ms, 50):.1f} ms, "
      f"p99 {pct(scan_ms, 99):.1f} ms, max {max(scan_ms or [0]):.1f} ms")
print(f"  sync lag             created at the simulator -> in the database: p50 "
      f"{pct(lag, 50) / 1000:.2f} s, p99 {pct(lag, 99) / 1000:.2f} s, max "
      f"{max(lag or [0]) / 1000:.2f} s (polled every 0.2 s)")
print("  marketplace calls    " + ", ".join(
    f"{name} {counters[code]['calls']} ({counters[code]['calls'] / (run_secs + drain_secs):.1f}/s, "
    f"{counters[code]['rate_limited']} refused for rate)" for _, code, name in SHOPS))
print(f"  database             {dbsize / 1048576:.1f} MiB (with WAL); drain {drain_secs:.1f} s")
print("  peak RSS             " + ", ".join(
    f"{n} {hwm[n] / 1024:.1f}" for n in ["marketsim", "sync", "webhooks"] +
    [f"st{i + 1}" for i in range(NSTATIONS)]) + " MiB")
print(f"  lost {len(lost)}, duplicated {len(dups) + len(dupships)}, stuck {len(stuck)}")

for sn in lost[:10]:
    fail(f"LOST: simulator order {sn} never pulled, even after a final sync")
for no, n in dups[:10]:
    fail(f"DUPLICATED: order {no} has {n} rows")
for sn in dupships[:10]:
    fail(f"DUPLICATED: order {sn} accepted {len(okship[sn])} times at the marketplace")
for no in stuck[:10]:
    fail(f"STUCK: order {no} packed, no ship call accepted after the {DRAIN:g} s drain")
if rate < CAMPAIGN_PER_HOUR:
    fail(f"the simulator generated {rate:.0f} orders/h, under the campaign rate "
         f"{CAMPAIGN_PER_HOUR}/h")
if not packed_ms:
    fail("the stations packed nothing")
if dbpacked < len(packed_ms) or notpacked:
    fail(f"{len(packed_ms)} packed at the stations, {dbpacked} packed in the database "
         f"({notpacked[:3]} not)")
if pending:
    fail(f"{pending} ship call(s) still pending after the final sync")
if unbalanced or overres:
    fail(f"stock: {unbalanced} level(s) off the ledger, {overres} line(s) over-reserved")
if av.returncode != 0:
    fail(f"audit verify: {av.stdout.strip()} {av.stderr.strip()}")
cleanup()
print("peak load:", "FAIL" if failures else "ok")
sys.exit(1 if failures else 0)
