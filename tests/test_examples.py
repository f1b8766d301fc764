"""The commands of examples/README.md run as written, on a fresh folder, and say what the page says."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _commands() -> list[list[str]]:
    text = (ROOT / "examples" / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    out = []
    for block in blocks:
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith(".venv/bin/zorgclaim "):
                out.append(shlex.split(line)[1:])
    return out


def test_every_example_command_runs_and_the_decisions_are_the_ones_described(tmp_path):
    env = dict(os.environ, ZORGCLAIM_HOME=str(tmp_path / "examples-home"))
    outputs = {}
    cmds = _commands()
    assert len(cmds) >= 9
    for args in cmds:
        args = [str(ROOT / a) if a.startswith("examples/") else a for a in args]
        args = [str(tmp_path / a) if a.startswith("examples-out") else a for a in args]
        r = subprocess.run([sys.executable, "-m", "zorgclaim.cli", *args], capture_output=True, text=True, env=env,
                           cwd=tmp_path, timeout=300)
        assert r.returncode == 0, (args, r.stdout[-800:], r.stderr[-800:])
        outputs[" ".join(args[:2])] = r.stdout
    import polars as pl
    d = pl.read_parquet(tmp_path / "examples-out" / "decisions.parquet")
    by = {r["line_id"]: r for r in d.iter_rows(named=True)}
    assert by["FY20"]["payer"] == "onvz/topfit" and by["FY21"]["payer"] == "onvz/vrije-keuze-basis"
    assert by["FY21"]["deductible"] == 3800
    assert by["H1"]["codes"] == ["8022"] and by["H2"]["payee"] == "member" and by["H2"]["allowed"] == 14400
    assert by["Z1"]["allowed"] == 100000 and by["G1"]["deductible"] == 0
    assert not d.filter(pl.col("status") == "pended").height
    pay = next(v for k, v in outputs.items() if k.startswith("pay"))
    assert "3 payments" in pay


def test_the_readmes_commands_on_the_examples_run_as_written(tmp_path):
    """Every command of the README that works on examples/ or the scenarios (the demo book's ones are
    run by `make demo` and tests/test_cli.py)."""
    text = (ROOT / "README.md").read_text()
    cmds = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.split(" # ")[0].strip()
            if line.startswith(".venv/bin/zorgclaim ") and ("examples/" in line or " scenario " in line):
                line = re.sub(r"\[[^\]]*\]", "", line)            # optional parts left out
                args = []
                for a in shlex.split(line)[1:]:
                    args += sorted(str(p.relative_to(ROOT)) for p in ROOT.glob(a)) if "*" in a else [a]
                cmds.append(args)
    assert len(cmds) >= 7
    env = dict(os.environ, ZORGCLAIM_HOME=str(tmp_path / "home"))
    for args in cmds:
        r = subprocess.run([sys.executable, "-m", "zorgclaim.cli", *args], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=300)
        assert r.returncode == 0, (args, r.stdout[-500:], r.stderr[-500:])
