"""Grouping: weighted treatment hours per DBC, then the zorgproduct from diagnosis group and hours
band, with its tariff (the NZa maximum, or the insurer's contracted price when the clinic has one).
"The number of weighted treatment hours, together with your diagnosis, decides the product"
(Xpert Clinics Revalidatie - Vergoeding (2024)): the diagnosis group comes from the DBC's diagnosis
code (`data/diagnosis_groups.csv`, by prefix; a diagnosis no prefix names is in group '*', other
diagnoses), the band from the hours.

Weights per discipline are dated data (`data/weights.csv`; from 2021 the arts counts three times): a
revalidatiearts's minute weighs more than a physiotherapist's (Xpert Clinics Revalidatie - Vergoeding (2024)).
"""

from __future__ import annotations

import polars as pl

from zorgclaim.dbc.lifecycle import Dbc
from zorgclaim.dbc.tables import DbcTables


class GroupingError(ValueError):
    pass


def diagnosis_group(diagnosis: str | None, tables: DbcTables) -> str:
    """The group of a diagnosis code: of the longest prefix that names it, else '*' (other diagnoses)."""
    best = ("", "*")
    for prefix, grp in tables.diagnosis_groups.select("prefix", "group").iter_rows():
        if diagnosis and diagnosis.startswith(prefix) and len(prefix) > len(best[0]):
            best = (prefix, grp)
    return best[1]


def membership(dbcs: list[Dbc]) -> pl.DataFrame:
    return pl.DataFrame([(d.dbc_id, a) for d in dbcs for a in d.activity_ids], schema={"dbc_id": pl.String, "activity_id": pl.Int64},
                        orient="row")


def group(dbcs: list[Dbc], activities: pl.DataFrame, tables: DbcTables) -> pl.DataFrame:
    """Per DBC: weighted hours, product code and label, and the NZa tariff on the start date."""
    acts = membership(dbcs).join(activities, on="activity_id", how="inner")
    unknown = sorted(set(acts["discipline"].unique().to_list()) - set(tables.weights["discipline"].to_list()))
    if unknown:
        raise GroupingError(f"no weight for discipline(s) {unknown}; known: {sorted(set(tables.weights['discipline']))}")
    w = tables.weights.select("discipline", "from_", "weight").sort("from_")
    acts = (acts.sort("date").join_asof(w, left_on="date", right_on="from_", by="discipline", check_sortedness=False)
            .with_columns((pl.col("minutes") * pl.col("weight")).alias("weighted_minutes")))
    undated = acts.filter(pl.col("weight").is_null())
    if undated.height:      # an activity before its discipline's first weight would count as 0 hours
        a = undated.row(0, named=True)
        first = w.filter(pl.col("discipline") == a["discipline"])["from_"].min()
        raise GroupingError(f"activity {a['activity_id']} of DBC {a['dbc_id']} ({a['discipline']}, {a['date']}) is "
                            f"before the first weight of its discipline ({first}); "
                            f"{undated.height} activit{'y' if undated.height == 1 else 'ies'} cannot be weighed")
    hours = acts.group_by("dbc_id").agg((pl.col("weighted_minutes").sum() / 60).round(4).alias("weighted_hours"),
                                        pl.col("minutes").sum().alias("minutes"))
    frame = pl.DataFrame([{"dbc_id": d.dbc_id, "start": d.start, "group": diagnosis_group(d.diagnosis, tables)}
                          for d in dbcs], schema={"dbc_id": pl.String, "start": pl.Date, "group": pl.String})
    banded = (frame.join(hours, on="dbc_id", how="left").with_columns(pl.col("weighted_hours").fill_null(0.0))
              .join(tables.products.select("group", "hours_from", "hours_to", "code", pl.col("label").alias("product_label")),
                    on="group", how="left")
              .filter((pl.col("weighted_hours") >= pl.col("hours_from")) & (pl.col("weighted_hours") < pl.col("hours_to"))))
    t = tables.tariffs.select("code", "from_", pl.col("amount").alias("nza_tariff")).sort("from_")
    banded = banded.sort("start").join_asof(t, left_on="start", right_on="from_", by="code", check_sortedness=False)
    return (frame.select("dbc_id", pl.col("group").alias("diagnosis_group"))
            .join(banded.select("dbc_id", "weighted_hours", "minutes", "code", "product_label", "nza_tariff"),
                  on="dbc_id", how="left"))
