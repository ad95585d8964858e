#!/usr/bin/env python3
"""Browse-page render time in headless Chromium, warm: the page's HTML, script and API call,
and its 100 thumbnails (cached on disk after the first visit) all loaded and decoded. Driven
over WebDriver (chromedriver); the time is the page's own clock (performance.now() from
navigation start to the last thumbnail's load), median over RUNS visits after one warm-up.

    serve_browse.py HOST:PORT [RUNS=15]

Standard library only; needs chromium and chromedriver on PATH.
"""
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

WAIT_IMAGES = """
const done = arguments[arguments.length - 1];
function check() {
  const imgs = [...document.querySelectorAll('#grid img')];
  if (imgs.length >= 100 && imgs.every(i => i.complete && i.naturalWidth > 0)) done(performance.now());
  else setTimeout(check, 5);
}
check();
"""


def call(port, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        r = urllib.request.urlopen(req, timeout=90)
    except urllib.error.HTTPError as e:
        raise SystemExit(f"{method} {path}: {e.read()[:300]!r}")
    with r:
        return json.loads(r.read())["value"]


def main():
    host = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    driver = subprocess.Popen(["chromedriver", f"--port={port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except OSError:
                time.sleep(0.1)
        profile = tempfile.mkdtemp(prefix="serve-browse-")
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,3000", f"--user-data-dir={profile}",
                "--disk-cache-size=1", "--media-cache-size=1"]
        session = call(port, "POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": {"args": args}}}})["sessionId"]
        base = f"/session/{session}"
        call(port, "POST", f"{base}/timeouts", {"script": 60000})
        times = []
        for run in range(runs + 1):
            # A new query string each time, so the browser's memory cache never serves the page.
            call(port, "POST", f"{base}/url", {"url": f"http://{host}/?per_page=100&v={run}"})
            t = call(port, "POST", f"{base}/execute/async", {"script": WAIT_IMAGES, "args": []})
            if run:
                times.append(t)
        call(port, "DELETE", base)
        print(json.dumps({"runs": runs, "median_ms": round(statistics.median(times), 1),
                          "min_ms": round(min(times), 1), "max_ms": round(max(times), 1)}))
    finally:
        driver.terminate()
        driver.wait()


if __name__ == "__main__":
    main()
