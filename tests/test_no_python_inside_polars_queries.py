"""No Python function runs inside a polars query in the project's code.

polars runs a query on its pool's thread; a Python function inside it (map_elements, map_batches,
map_groups, ...) needs the interpreter lock there. In the server, another thread can hold that lock
while it waits for the same pool (e.g. pickling a frame for a planner process): a deadlock, seen
under load in the payment due dates. Work out per-value results in Python and join them instead."""

import re
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "zorgclaim"
CALLS = re.compile(r"\.(map_elements|map_batches|map_groups|map_rows|apply)\(")


def test_the_source_calls_no_python_function_inside_a_polars_query():
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name.endswith("_test.py"):
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if CALLS.search(code):
                found.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert not found, "a Python function inside a polars query:\n" + "\n".join(found)
