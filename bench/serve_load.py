#!/usr/bin/env python3
"""Load on a running `imagenet-multilabel serve`: CLIENTS threads post reviews for SECONDS
seconds (each its own reviewer, keep-alive connections, the pairs of /api/queue), recording
each acknowledged (201) review id and each request's latency; then every acknowledged id must
be in GET /api/reviews exactly once. Prints JSON: requests, throughput, latency percentiles.

    serve_load.py HOST:PORT [CLIENTS=32] [SECONDS=30]

Standard library only.
"""
import http.client
import json
import sys
import threading
import time


def main():
    host = sys.argv[1]
    clients = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    conn = http.client.HTTPConnection(host)
    conn.request("GET", "/api/queue?limit=100")
    pairs = json.loads(conn.getresponse().read())["pairs"]
    if not pairs:
        raise SystemExit("the queue is empty: load models with unreviewed predictions")
    acked, latencies, failures = [], [], []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client(k):
        c = http.client.HTTPConnection(host)
        mine_ids, mine_lat, i = [], [], 0
        while time.monotonic() < stop:
            p = pairs[(k * 7 + i) % len(pairs)]
            i += 1
            body = json.dumps({"file_name": p["file_name"], "label": p["label"],
                               "decision": ["correct", "wrong", "unclear"][i % 3],
                               "reviewer": f"load{k}", "model": p["model"]})
            t = time.perf_counter()
            try:
                c.request("POST", "/api/reviews", body, {"Content-Type": "application/json"})
                r = c.getresponse()
                data = r.read()
            except OSError as e:
                with lock:
                    failures.append(str(e))
                c = http.client.HTTPConnection(host)
                continue
            mine_lat.append(time.perf_counter() - t)
            if r.status == 201:
                mine_ids.append(json.loads(data)["id"])
            else:
                with lock:
                    failures.append(f"{r.status} {data[:200]!r}")
        with lock:
            acked.extend(mine_ids)
            latencies.extend(mine_lat)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    conn = http.client.HTTPConnection(host)
    conn.request("GET", "/api/reviews")
    stored = [r["id"] for r in json.loads(conn.getresponse().read())["reviews"]]
    stored_set = set(stored)
    missing = [i for i in acked if i not in stored_set]
    twice = len(stored) - len(stored_set)
    latencies.sort()
    pct = lambda q: 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))]
    print(json.dumps({
        "clients": clients, "seconds": round(elapsed, 1), "requests": len(latencies),
        "acknowledged": len(acked), "failures": len(failures), "first_failures": failures[:3],
        "stored": len(stored), "acknowledged_missing": len(missing), "stored_twice": twice,
        "per_second": round(len(latencies) / elapsed, 1),
        "latency_ms": {"p50": round(pct(0.50), 2), "p90": round(pct(0.90), 2),
                        "p99": round(pct(0.99), 2), "max": round(1000 * latencies[-1], 2)},
    }, indent=1))
    if missing or twice or failures:
        raise SystemExit("FAILED: an acknowledged review is missing or stored twice, or a request failed")


if __name__ == "__main__":
    main()
