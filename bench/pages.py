"""Server time of each web page on a book of the demo's size (100,000 lines, 10,000 members):
the median of several renders in process (no network), with the machine.

    python pages.py [--lines 100000] [--members 10000] [--keep DIR]

Results go to results/pages-<time>.json."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent / "tests"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=10_000)
    ap.add_argument("--keep", default="/tmp/zorgclaim-pages-book")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    from fastapi.testclient import TestClient

    from api_load import machine
    from service_support import PASSWORD, make_book
    from zorgclaim.api import create_app
    folder = Path(a.keep)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    book = make_book(folder, f"sqlite:///{folder}/z.db", members=a.members, lines=a.lines)
    print(f"book ready in {time.perf_counter() - t0:.0f} s", flush=True)
    member, agb = book.members["A"], book.providers["A"]
    pages = {"member-a": ["/mijn", "/mijn/nota", "/mijn/kosten", "/mijn/overzicht"],
             "provider-a": ["/zorgaanbieder", "/zorgaanbieder/overzicht", "/zorgaanbieder/dbc"],
             "handler": ["/beheer", "/beheer/dashboard", f"/beheer/verzekerden?member_id={member}",
                         f"/beheer/zorgaanbieders?agb={agb}"],
             "adviser": ["/beheer/machtigingen"], "finance": ["/beheer/betaalruns"]}
    out = {"machine": machine(), "lines": a.lines, "members": a.members, "pages": {}}
    with TestClient(create_app(book.ctx)) as c:
        time.sleep(3)     # a server that started a moment ago (it computes the dashboard's figures at start)
        for user, paths in pages.items():
            c.cookies.clear()
            c.post("/login", data={"username": user, "password": PASSWORD})
            for path in paths:
                times = []
                for _ in range(a.rounds):
                    t = time.perf_counter()
                    r = c.get(path)
                    times.append(time.perf_counter() - t)
                    assert r.status_code == 200, (path, r.status_code)
                out["pages"][path] = {"median_ms": round(statistics.median(times) * 1000, 1),
                                      "max_ms": round(max(times) * 1000, 1)}
                print(path, out["pages"][path], flush=True)
            line = c.get("/mijn").text.split('href="/mijn/regels/')[1].split('"')[0] if user == "member-a" else None
            if line:
                t = time.perf_counter()
                c.get(f"/mijn/regels/{line}")
                out["pages"]["/mijn/regels/{id}"] = {"median_ms": round((time.perf_counter() - t) * 1000, 1)}
    (ROOT / "results").mkdir(exist_ok=True)
    dest = ROOT / "results" / f"pages-{time.strftime('%Y%m%d-%H%M%S')}.json"
    dest.write_text(json.dumps(out, indent=2))
    print("->", dest)


if __name__ == "__main__":
    main()
