"""Runs zorgclaim's command line once per case in this one process (fast), capturing what it
prints and its exit code; reads cases as JSON on stdin, writes results as JSON on stdout."""

import contextlib
import io
import json
import sys


def main() -> None:
    cases = json.load(sys.stdin)
    from zorgclaim.cli import main as cli
    out = []
    real_argv = sys.argv
    for case in cases:
        stdout, stderr = io.StringIO(), io.StringIO()
        sys.argv = ["zorgclaim", *case["argv"]]
        code = 0
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                cli()
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            except BaseException as e:  # noqa: BLE001 - a case must never crash the runner
                code = -1
                stderr.write(f"UNCAUGHT {type(e).__name__}")
        out.append({"name": case["name"], "code": code, "stdout": stdout.getvalue(), "stderr": stderr.getvalue()})
    sys.argv = real_argv
    json.dump(out, sys.__stdout__)


if __name__ == "__main__":
    main()
