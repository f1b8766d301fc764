"""Checks on zorgclaim's FHIR output, shared by the FHIR and API tests: every resource validates
with fhir.resources' R4B models, and no local reference in it dangles."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class


def _references(node):
    """Every Reference.reference string under `node` (contained resources included)."""
    if isinstance(node, dict):
        if isinstance(node.get("reference"), str):
            yield node["reference"]
        for v in node.values():
            yield from _references(v)
    elif isinstance(node, list):
        for v in node:
            yield from _references(v)


def dangling(doc: dict) -> list[str]:
    """The local references of a resource or Bundle that point to nothing in it: `#id` without
    that contained resource, `urn:uuid:`/`urn:oid:` without an entry of that fullUrl, a relative
    or conditional reference (`Type/id`, `Type?...`) without an entry whose fullUrl ends in it.
    An absolute http(s) reference points outside and is not checked."""
    entries = [e["resource"] for e in doc.get("entry", [])] if doc["resourceType"] == "Bundle" else [doc]
    urls = {e.get("fullUrl") for e in doc.get("entry", [])} if doc["resourceType"] == "Bundle" else set()
    bad = []
    for res in entries:
        contained = {"#"} | {f"#{c.get('id')}" for c in res.get("contained", [])}
        for ref in _references(res):
            if ref.startswith("#"):
                ok = ref in contained
            elif ref.startswith("urn:"):
                ok = ref in urls
            elif ref.startswith(("http://", "https://")):
                ok = True
            else:
                ok = any(u and u.endswith("/" + ref) for u in urls)
            if not ok:
                bad.append(f"{res['resourceType']}/{res.get('id')}: {ref}")
    return bad


def assert_valid_and_resolved(doc: dict) -> None:
    """`doc` (a resource or a Bundle) and each of its entries validate as R4B; no reference dangles."""
    get_fhir_model_class(doc["resourceType"]).model_validate(doc)
    for e in doc.get("entry", []) if doc["resourceType"] == "Bundle" else []:
        get_fhir_model_class(e["resource"]["resourceType"]).model_validate(e["resource"])
    assert dangling(doc) == []
