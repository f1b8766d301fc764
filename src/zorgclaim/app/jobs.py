"""An uploaded claims file, taken in and decided in the background: the upload is answered with a
job id at once; the job's status, its summary and - for a PM304 - the PM305 return message (for a
FHIR Bundle: its responses) are read back when it is done."""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

import polars as pl

from zorgclaim.app import claims
from zorgclaim.app.access import Forbidden, NotFound, Principal, log_access
from zorgclaim.app.context import Context
from zorgclaim.app.failures import where
from zorgclaim.formats.tabular import InputError
from zorgclaim.store import jobs as store
from zorgclaim.store.repository import decisions_of
from zorgclaim.store.repository import process as run_process

log = logging.getLogger("zorgclaim.jobs")
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zorgclaim-job")


def start(ctx: Context, p: Principal, data: bytes, name: str, received: dt.date | None = None,
          wait: bool = False) -> str:
    """Read the file now (a file that cannot be read at all is an InputError at once), then take it
    in and decide it in the background; returns the job id."""
    received = claims.receipt_date(ctx, p, received)
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
        # only the lines this file brought in: a line id sent before (by anyone) is answered 8021,
        # never with the decision of the line that id names
        repeats = set(taken.result.repeats)
        ids = [i for i in inp.lines["line_id"].unique().to_list() if i not in repeats]
        decided = (_with_repeats(decisions_of(ctx.engine, ids), inp.lines, repeats)
                   if taken.result.file_id is not None else pl.DataFrame())
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
        # the failure's own message may quote a value of the file (a BSN): it goes to no one
        log.error("job %s failed: %s", job_id, where(e))
        store.set_job(ctx.engine, job_id, "failed", {"error": "the file could not be processed; "
                                                     "the failure was logged for the operator (job " + job_id + ")"})


def _with_repeats(decided: pl.DataFrame, lines: pl.DataFrame, repeats: set[str]) -> pl.DataFrame:
    """The decisions, plus a refusal (8021: sent before) for each repeated line id of this file."""
    if not repeats:
        return decided
    rep = lines.filter(pl.col("line_id").is_in(list(repeats))).unique("line_id", keep="first")
    rows = pl.DataFrame({"line_id": rep["line_id"], "member_id": rep["member_id"]}).with_columns(
        pl.lit("rejected").alias("status"), pl.lit(0, pl.Int64).alias("declared"), pl.lit(0, pl.Int64).alias("allowed"),
        pl.lit(0, pl.Int64).alias("deductible"), pl.lit(0, pl.Int64).alias("paid"), pl.lit("none").alias("payee"),
        pl.lit(None, pl.String).alias("payer"), pl.lit(["8021"], pl.List(pl.String)).alias("codes"),
        pl.lit([], decided.schema["steps"]).alias("steps"))
    return pl.concat([decided, rows.select(decided.columns).cast(decided.schema)])


def _return_message(ctx: Context, inp, decided: pl.DataFrame) -> tuple[str | None, str | None]:
    if inp.kind == "pm304" and inp.vektis is not None:
        from zorgclaim.formats.vektis.write import write_pm305
        text = write_pm305(inp.vektis, decided if decided.height else None, ctx.today(), f"ZC-{inp.digest[:16]}")
        return inp.name.rsplit(".", 1)[0] + ".pm305", text
    if inp.kind == "fhir" and inp.fhir is not None:          # every Claim answered, decided or not
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

