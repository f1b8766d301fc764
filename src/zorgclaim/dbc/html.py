"""A printable HTML invoice per DBC: start and end date, product, amount, and every activity in
5-minute units."""

from __future__ import annotations

import html

import polars as pl

from zorgclaim.domain.money import fmt_eur

KIND_NL = {"contact": "behandeling", "team": "teamoverleg", "dossier": "dossierwerk"}


def invoice_html(dbc: dict, lines: pl.DataFrame, clinic: str = "Kliniek") -> str:
    e = html.escape
    rows = "\n".join(
        f"<tr><td>{r['date']}</td><td>{e(r['discipline'])}</td><td>{KIND_NL.get(r['kind'], e(r['kind']))}</td>"
        f"<td class=n>{r['unit_minutes']} min</td></tr>" for r in lines.iter_rows(named=True))
    amount = fmt_eur(dbc["invoice_amount"]) if dbc.get("invoice_amount") is not None else "-"
    to = {"insurer": f"zorgverzekeraar ({e(str(dbc.get('insurer')))})", "patient": "patiënt"}.get(dbc.get("billed_to"), "-")
    return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Factuur {e(dbc['dbc_id'])}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ccc;padding:2px 8px}}
.n{{text-align:right}}@media print{{.noprint{{display:none}}}}</style></head>
<body>
<h1>{e(clinic)} — factuur DBC-zorgproduct</h1>
<p>Patiënt: {e(dbc['patient'])} · DBC: {e(dbc['dbc_id'])} ({e(dbc['kind'])}) · zorgvraag {e(dbc['care_demand'])}</p>
<p>Startdatum: <b>{dbc['start']}</b> · Einddatum: <b>{dbc['end']}</b> · Diagnose: {e(str(dbc.get('diagnosis') or '-'))}</p>
<p>Zorgproduct: <b>{e(str(dbc.get('code')))}</b> {e(str(dbc.get('product_label') or ''))} · gewogen uren {dbc.get('weighted_hours')}</p>
<p>Bedrag: <b>{amount}</b> · Gefactureerd aan: {to}</p>
<p>Alle activiteiten per eenheid van 5 minuten ({lines.height} eenheden):</p>
<table><tr><th>datum</th><th>discipline</th><th>soort</th><th class=n>eenheid</th></tr>
{rows}
</table>
</body></html>
"""
