"""The policy library's loading of products: an override changes only the fields it names."""

from __future__ import annotations

import datetime as dt
import shutil

import yaml

from zorgclaim.policy import library as libmod
from zorgclaim.policy.library import load_library


def _benefit(library, product: str, benefit: str):
    return next(b for b in library.benefits[product] if b.id == benefit)


def test_an_override_keeps_the_packages_amounts_in_cents(tmp_path):
    """Overriding only the limits of a benefit with a co-payment in euros keeps the package's
    co-payment as it is (once validated: cents), not a hundred times it."""
    data = tmp_path / "policy"
    shutil.copytree(libmod.DATA_DIR, data)
    f = data / "products" / "onvz" / "vrije-keuze-basis.yaml"
    doc = yaml.safe_load(f.read_text())
    doc.setdefault("overrides", {})["orthopedische-schoenen"] = {"limits": {"max_count": 1, "window": "12_months"}}
    f.write_text(yaml.safe_dump(doc, allow_unicode=True))
    library = load_library(data)
    package = next(b for b in library.packages["zvw"].benefits if b.id == "orthopedische-schoenen")
    overridden = _benefit(library, doc["id"], "orthopedische-schoenen")
    day = dt.date(2024, 6, 1)
    assert overridden.limits.max_count.at(day) == 1 and package.limits.max_count is None
    assert overridden.pricing.co_payment == package.pricing.co_payment
    assert overridden.pricing.co_payment.at(day) == 13000        # EUR 130 a pair in 2024
    assert overridden.source == package.source


def test_the_vgz_shoe_terms_override_only_the_limits():
    library = load_library()
    package = next(b for b in library.packages["zvw"].benefits if b.id == "orthopedische-schoenen")
    vgz = _benefit(library, "vgz/natura", "orthopedische-schoenen")
    assert vgz.pricing.co_payment == package.pricing.co_payment
    assert vgz.limits.max_count.at(dt.date(2024, 6, 1)) == 2
