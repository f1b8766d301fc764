"""An uploaded claims file, taken in and decided in the background: the upload is answered with a
job id at once; the job's status, its summary and - for a PM304 - the PM305 return message (for a
FHIR Bundle: its responses) are read back when it is done."""

from __future__ import annotations

import datetime as dt
import json
import traceback
import uuid
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from zorgclaim.app import claims
from zorgclaim.app.access import Forbidden, NotFound, Principal, log_access
from zorgclaim.app.context import Context
from zorgclaim.formats.tabular import InputError
from zorgclaim.store import jobs as store
from zorgclaim.store.repository import decisions_of
from zorgclaim.store.repository import process as run_process

_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zorgclaim-job")


def start(ctx: Context, p: Principal, data: bytes, name: str, received: dt.date | None = None,
          wait: bool = False) -> str:
    """Read the file now (a file that cannot be read at all is an InputError at once), then take it
    in and decide it in the background; returns the job id."""
    inp = claims.read(ctx, data, name, received)
    claims.own_lines(p, inp.lines)
    job_id = str(uuid.uuid4())
    store.create_job(ctx.engine, job_id, inp.kind, name, p.name, p.provider, p.member_id)
    future = _pool.submit(_run, ctx, p, inp, job_id, received)
    if wait:
        future.result()
    return job_id


def _run(ctx: Context, p: Principal, inp, job_id: str, received: dt.date | None) -> None:
    try:
        store.set_job(ctx.engine, job_id, "running")
        taken = claims.intake(ctx, p, inp, received)
        if taken.result.file_id is not None and taken.result.stored:
            run_process(ctx.engine, ctx.world, booked=ctx.today())
        ids = inp.lines["line_id"].unique().to_list()
        decided = decisions_of(ctx.engine, ids) if taken.result.file_id is not None else pl.DataFrame()
        result = {
            "format": inp.kind, "name": inp.name, "lines_read": inp.lines.height, "problems": inp.problems[:200],
            "refused_whole": taken.result.refused_whole or inp.rejected,
            "file_codes": list(inp.vektis.file_codes) if inp.vektis is not None else [],
            "stored": taken.result.stored, "sent_before": taken.result.repeats[:200],
            "decided": decided.height,
            "by_status": ({} if decided.height == 0 else
                          dict(decided.group_by("status").len().sort("status").iter_rows())),
            "lines": [] if decided.height == 0 else [
                {k: r[k] for k in ("line_id", "status", "allowed", "deductible", "paid", "codes")}
                for r in decided.drop("steps").sort("line_id").head(1000).iter_rows(named=True)],
        }
        name, body = _return_message(ctx, inp, decided)
        store.set_job(ctx.engine, job_id, "done", result, name, body)
    except InputError as e:
        store.set_job(ctx.engine, job_id, "failed", {"error": str(e)})
    except Exception as e:  # noqa: BLE001 - the job records the failure; the server goes on
        store.set_job(ctx.engine, job_id, "failed", {"error": f"{type(e).__name__}: the file could not be processed",
                                                     "trace": traceback.format_exc(limit=3).splitlines()[-1]})


def _return_message(ctx: Context, inp, decided: pl.DataFrame) -> tuple[str | None, str | None]:
    if inp.kind == "pm304" and inp.vektis is not None:
        from zorgclaim.formats.vektis.write import write_pm305
        text = write_pm305(inp.vektis, decided if decided.height else None, ctx.today(), f"ZC-{inp.digest[:16]}")
        return inp.name.rsplit(".", 1)[0] + ".pm305", text
    if inp.kind == "fhir" and inp.fhir is not None and decided.height:
        from zorgclaim.formats.fhir.response_out import responses
        bundle = responses(inp.fhir, decided, ctx.reference, ctx.today())
        return "fhir-responses.json", json.dumps(bundle, ensure_ascii=False)
    return None, None


def get(ctx: Context, p: Principal, job_id: str, with_file: bool = False) -> dict:
    j = store.get_job(ctx.engine, job_id, with_file)
    if j is None:
        raise NotFound(f"no job {job_id!r}")
    if p.role not in ("system", "handler") and j["actor"] != p.name:
        raise Forbidden("this is not your job")
    log_access(ctx.engine, p, "read-job", "job", job_id)
    return j

