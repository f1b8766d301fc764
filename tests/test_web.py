"""The web pages in a real browser: Playwright driving Debian's Chromium (`make test` installs it)
against `zorgclaim serve` on a decided book. The journeys of a member, a provider, a claims handler
and a medical adviser end to end, role isolation by typed URLs, and an axe-core check of each main
page. Each journey's last page is kept in docs/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import polars as pl
import pytest

from service_support import PASSWORD, SYSTEM, TODAY, Server, make_book

CHROMIUM = os.environ.get("ZORGCLAIM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(CHROMIUM is None, reason="no chromium (make test installs Debian's chromium)")]
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-book")
    book = make_book(folder, f"sqlite:///{folder}/z.db")
    extra = _extra_users(book)
    server = Server(book)
    yield book, server, extra
    server.stop()
    book.ctx.engine.dispose()


def _extra_users(book) -> dict:
    """A member with deductible left this year (to see the bar move) and the member of a held line."""
    from zorgclaim.app.members import deductible_meter
    from zorgclaim.app.users import add_user
    from zorgclaim.store.review import items
    out = {}
    for m in book.ctx.world.members["member_id"].sort().to_list():
        meter = {y["year"]: y for y in deductible_meter(book.ctx, SYSTEM, m)}
        if meter.get(TODAY.year, {}).get("left", 0) >= 10000 and _insured(book, m):
            add_user(book.ctx, SYSTEM, "member-room", "member", PASSWORD, m, None, replace=True)
            out["room"] = m
            break
    out["hotel"] = _hotel_guest(book)
    add_user(book.ctx, SYSTEM, "provider-hotel", "provider", PASSWORD, None, out["hotel"]["agb"], replace=True)
    held, _ = items(book.ctx.engine, queue="handler", limit=50)
    for h in held:
        if h["member_id"] not in book.members.values():
            add_user(book.ctx, SYSTEM, "member-held", "member", PASSWORD, h["member_id"], None, replace=True)
            out["held"] = h
            break
    return out


def _hotel_guest(book) -> dict:
    """A care hotel ONVZ recognises, and a member whose module still pays a care hotel this year."""
    from zorgclaim.app.members import remaining
    hotel = book.ctx.world.providers.filter((pl.col("kind") == "zorghotel")
                                             & pl.col("recognized_by").list.contains("onvz"))["agb"][0]
    modules = book.ctx.world.coverages.filter(pl.col("product").is_in(["onvz/topfit", "onvz/superfit", "onvz/zorgplan"])
                                              & (pl.col("from") <= dt.date(2026, 11, 1)) & (pl.col("to") >= TODAY))
    w = book.ctx.world
    fit = set(w.members.filter(pl.col("death_date").is_null() & (pl.col("birth_date") <= dt.date(TODAY.year - 18, 1, 1))
                               & ~pl.col("member_id").is_in(w.wlz["member_id"].implode()))["member_id"].to_list())
    for m in modules["member_id"].unique().sort().to_list():
        # (a care-hotel limit needs an indication: `remaining` lists it once used, so not listed is all left)
        left = [x["left"] for x in remaining(book.ctx, SYSTEM, m, check=False) if x["benefit"] == "zorghotel"]
        if m in fit and (not left or left[0] >= 60000) and _insured(book, m):
            bsn = book.ctx.world.members.filter(pl.col("member_id") == m)["bsn"][0]
            return {"agb": hotel, "member": m, "bsn": bsn}
    raise AssertionError("no member with care-hotel cover left in the book")


def _insured(book, member: str) -> bool:
    cov = book.ctx.world.coverages.filter((pl.col("member_id") == member) & (pl.col("from") <= TODAY)
                                          & (pl.col("to").is_null() | (pl.col("to") >= TODAY)))
    return cov.height > 0


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()


def _login(browser, server, user):
    page = browser.new_context(viewport={"width": 1200, "height": 900}, locale="nl-NL").new_page()
    page.goto(server.base + "/login")
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    return page


def _shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _bar(page, year) -> int:
    return int(page.get_by_role("progressbar", name=f"Eigen risico {year}").get_attribute("aria-valuenow"))


def _accept_if_sampled(book, member: str) -> None:
    """The nota's line id is random, and the review rules' random sample (about 1 line in 120)
    may hold it for a person: then a handler accepts it, and the money moves as for any other."""
    from sqlalchemy import select

    from zorgclaim.app import review
    from zorgclaim.app.access import Principal
    from zorgclaim.store.models import ClaimLine, Decision
    with book.ctx.engine.connect() as conn:
        line_id, status = conn.execute(
            select(Decision.line_id, Decision.status).join(ClaimLine, ClaimLine.line_id == Decision.line_id)
            .where((ClaimLine.member_id == member) & ClaimLine.line_id.like("NOTA-%"))
            .order_by(Decision.batch_id.desc())).first()
    if status == "pended":
        handler = Principal("handler", "handler")
        review.take(book.ctx, handler, line_id)
        review.decide(book.ctx, handler, line_id, "accept", "the random sample held the test's nota")


def _send_nota(page, pdf, provider: str, name: str, day: dt.date, code: str, amount: str) -> None:
    """Fill in the member's nota form (its country chosen before) and send it with a PDF."""
    page.get_by_label("AGB-code van de zorgverlener").fill(provider)
    page.get_by_label("Naam van de zorgverlener (zoals op de nota)").fill(name)
    page.get_by_label("Datum zorg").fill(day.isoformat())
    page.get_by_label("Prestatie").select_option(code)
    page.get_by_label("Aantal").fill("1")
    page.get_by_label("Bedrag (euro)").fill(amount)
    pdf.write_bytes(PDF)
    page.get_by_label("De nota (PDF, JPG of PNG, ten hoogste 10 MB)").set_input_files(str(pdf))
    page.get_by_role("button", name="Insturen").click()
    page.wait_for_load_state()


def test_member_sends_a_nota_with_a_pdf_and_sees_why_and_the_bar_move(site, browser, tmp_path):
    book, server, extra = site
    page = _login(browser, server, "member-room")
    assert page.url.endswith("/mijn")
    before = _bar(page, TODAY.year)
    supplier = book.ctx.world.providers.filter(pl.col("kind") == "hulpmiddelen").row(0, named=True)
    page.get_by_role("link", name="Nota insturen").click()
    _send_nota(page, tmp_path / "nota.pdf", supplier["agb"], supplier["name"], TODAY - dt.timedelta(days=10),
               "hulpmiddel/ORTHES", "45,00")
    result = page.get_by_role("region", name="Beslissing")
    assert result.is_visible()
    text = result.inner_text()
    assert "bron:" in text and "Eigen risico" in text        # the reasons, with their sources
    _shot(page, "1-member-nota-decided")
    _accept_if_sampled(book, extra["room"])
    page.get_by_role("link", name="Mijn declaraties").click()
    assert _bar(page, TODAY.year) > before
    _shot(page, "1-member-home")
    # the nota's file is kept with the line and can be opened again
    page.get_by_role("link", name=(TODAY - dt.timedelta(days=10)).strftime("%-d ") + "november 2026").first.click()
    assert page.get_by_role("link", name="nota.pdf").is_visible()
    _shot(page, "1-member-line")


def test_a_nota_from_abroad_is_held_at_the_dutch_tariff_for_a_handler(site, browser, tmp_path):
    from sqlalchemy import select

    from zorgclaim.store.models import ClaimLine, Decision, ReviewItem
    book, server, extra = site
    page = _login(browser, server, "member-room")
    page.get_by_role("link", name="Nota insturen").click()
    page.get_by_label("Land waar de zorg is gegeven").select_option("ES")
    assert page.get_by_label("Land waar de zorg is gegeven").locator("option").first.inner_text() == "Nederland"
    _send_nota(page, tmp_path / "factura.pdf", "ES-ORTOPEDIA-1", "Ortopedia Marbella", TODAY - dt.timedelta(days=12),
               "hulpmiddel/ORTHES", "400,00")
    text = page.get_by_role("region", name="Beslissing").inner_text()
    assert "in behandeling" in text and "Tarief: zorg in het buitenland" in text
    _shot(page, "1-member-nota-abroad-held")
    with book.ctx.engine.connect() as conn:
        line_id, country, status, review, allowed = conn.execute(
            select(ClaimLine.line_id, ClaimLine.country, Decision.status, ReviewItem.rule, Decision.allowed)
            .join(Decision, Decision.line_id == ClaimLine.line_id).join(ReviewItem, ReviewItem.line_id == ClaimLine.line_id)
            .where((ClaimLine.member_id == extra["room"]) & (ClaimLine.provider == "ES-ORTOPEDIA-1"))).one()
    assert (country, status, review) == ("ES", "pended", "care-abroad") and 0 < allowed < 40000
    # the member's own line page says where the care was given (the provider is shown to staff)
    page.goto(f"{server.base}/mijn/regels/{line_id}")
    assert "Spanje" in page.locator("dl.facts").inner_text()
    _shot(page, "1-member-abroad-line")
    # the claims handler sees where the care was given and who gave it, with the rule's reason
    page = _login(browser, server, "handler")
    page.goto(f"{server.base}/beheer/regels/{line_id}")
    facts = page.locator("dl.facts").inner_text()
    assert "Spanje" in facts and "ES-ORTOPEDIA-1 (Ortopedia Marbella)" in facts
    assert any("care-abroad" in h for h in page.get_by_role("heading", level=2).all_inner_texts())
    _shot(page, "3-handler-abroad-line")


def test_provider_uploads_a_pm304_sees_returns_and_downloads_the_pm305(site, browser, tmp_path):
    from zorgclaim.domain.schema import conform_lines
    from zorgclaim.formats.vektis.write import write_pm304
    book, server, _ = site
    agb = book.providers["A"]
    ids = [f"W{uuid.uuid4().hex[:8]}" for _ in range(2)]
    lines = conform_lines(pl.DataFrame({
        "line_id": ids, "member_id": [book.members["A"]] * 2, "provider": [agb] * 2,
        "service_date": [dt.date(2026, 10, 6), dt.date(2026, 10, 13)], "code": ["fysio/1000"] * 2,
        "quantity": [1, 1], "declared": [3900, 3900]}).with_columns(pl.lit(TODAY).alias("received")))
    f = tmp_path / "oktober.pm304"
    f.write_bytes(write_pm304(lines, book.ctx.world.members, invoice=f"INV-{uuid.uuid4().hex[:6]}", invoice_date=TODAY,
                              provider=agb).encode("latin-1"))
    page = _login(browser, server, "provider-a")
    page.get_by_label("Bestand (PM304, ZH308, FHIR-bundel, CSV)").set_input_files(str(f))
    page.get_by_role("button", name="Insturen").click()
    page.wait_for_url("**/zorgaanbieder/bestanden/*")
    table = page.get_by_role("table").inner_text()
    assert all(i in table for i in ids)
    _shot(page, "2-provider-returns")
    with page.expect_download() as dl:
        page.get_by_role("link", name="Retourbericht downloaden").click()
    path = dl.value.path()
    text = Path(path).read_bytes().decode("latin-1")
    assert all(i in text for i in ids)                     # the PM305 returns both lines


def test_a_held_line_is_changed_by_a_handler_and_the_member_sees_it(site, browser):
    book, server, extra = site
    held = extra["held"]
    page = _login(browser, server, "handler")
    page.get_by_role("button", name=f"In behandeling nemen {held['line_id']}").click()
    page.wait_for_url(f"**/beheer/regels/{held['line_id']}")
    page.get_by_role("radio", name="Vergoeding ten hoogste").check()
    page.get_by_label("Ten hoogste (euro, bij 'vergoeding ten hoogste')").fill("10,00")
    page.get_by_label("Reden").fill("Alleen het deel dat de nota onderbouwt")
    page.get_by_role("button", name="Beslissen").click()
    page.wait_for_load_state()
    assert "Alleen het deel dat de nota onderbouwt" in page.get_by_role("region", name="Audittrail").inner_text()
    _shot(page, "3-handler-decided")
    member = _login(browser, server, "member-held")
    member.goto(server.base + f"/mijn/regels/{held['line_id']}")
    body = member.locator("main").inner_text()
    assert "ten hoogste € 10,00" in body.replace("\u00a0", " ")
    assert "Alleen het deel dat de nota onderbouwt" in body
    _shot(member, "3-member-sees-the-change")


def test_a_handler_sees_a_members_deductible_limits_and_lines(site, browser):
    """The staff's member page shows the same limits table as the member's own (one template)."""
    book, server, extra = site
    page = _login(browser, server, "handler")
    page.goto(server.base + f"/beheer/verzekerden?member_id={extra['room']}")
    assert page.get_by_role("heading", name="Wat resteert").is_visible()
    table = page.locator("main table").first.inner_text()
    assert "Eigen bijdrage geneesmiddelen boven het jaarmaximum" in table and "Telt opnieuw vanaf" in table
    _shot(page, "3-handler-member-limits")


def test_an_adviser_grants_an_authorization_and_the_providers_line_is_paid(site, browser, tmp_path):
    book, server, extra = site
    guest = extra["hotel"]
    page = _login(browser, server, "provider-hotel")
    page.get_by_label("Verzekerdennummer").first.fill(guest["member"])
    page.get_by_label("Vergoeding").select_option("zorghotel")
    page.get_by_label("Vanaf").fill("2026-11-09")
    page.get_by_label("Tot en met").fill("2026-11-20")
    page.get_by_label("Toelichting").fill("herstel na heupoperatie; indicatie van de huisarts")
    page.get_by_role("button", name="Toestemming vooraf aanvragen").click()
    notice = page.get_by_role("status").inner_text()
    auth_id = notice.split("Aangevraagd: ")[1].split(".")[0]
    adviser = _login(browser, server, "adviser")
    adviser.goto(server.base + "/beheer/machtigingen")
    adviser.get_by_label("Reden", exact=False).last.fill("indicatie en duur passen bij het herstel")
    row = adviser.get_by_role("row").filter(has_text=auth_id)
    row.get_by_label("Reden").fill("indicatie en duur passen bij het herstel")
    row.get_by_role("button", name="Toekennen").click()
    adviser.wait_for_load_state()
    assert auth_id not in adviser.locator("main").inner_text()      # no longer waiting
    line_id = f"ZH{uuid.uuid4().hex[:8]}"
    csv = tmp_path / "zorghotel.csv"
    csv.write_text("line_id,member_id,bsn,provider,received,service_date,code,quantity,amount,indication_by,indication_kind,"
                   f"authorization\n{line_id},{guest['member']},{guest['bsn']},{guest['agb']},{TODAY},2026-11-10,zorghotel/ZH-DAG,"
                   f"3,600.00,01100001,zorghotel,{auth_id}\n")
    page.goto(server.base + "/zorgaanbieder")
    page.get_by_label("Bestand (PM304, ZH308, FHIR-bundel, CSV)").set_input_files(str(csv))
    page.get_by_role("button", name="Insturen").click()
    page.wait_for_load_state()
    assert "/zorgaanbieder/bestanden/" in page.url, page.locator("main").inner_text()[:500]
    row = page.get_by_role("row").filter(has_text=line_id).inner_text().replace("\u00a0", " ")
    assert "toegewezen" in row and "€ 600,00" in row, row
    _shot(page, "4-provider-paid-after-authorization")


def test_role_isolation_by_typed_urls(site, browser):
    book, server, _ = site
    from zorgclaim.app.lines import lines_of
    other_line = lines_of(book.ctx, SYSTEM, member_id=book.members["B"], limit=1)[0][0]["line_id"]
    page = _login(browser, server, "member-a")
    for url in (f"/mijn/regels/{other_line}", "/beheer", "/zorgaanbieder", f"/beheer/regels/{other_line}"):
        r = page.goto(server.base + url)
        assert r.status == 403, url
        body = page.locator("main").inner_text()
        assert "Geen toegang" in page.title() and book.members["B"] not in body and other_line not in body
    _shot(page, "5-member-refused")
    prov_b_line = lines_of(book.ctx, SYSTEM, provider=book.providers["B"], limit=1)[0][0]["line_id"]
    page = _login(browser, server, "provider-a")
    r = page.goto(server.base + f"/zorgaanbieder/regels/{prov_b_line}")
    assert r.status == 403 and prov_b_line not in page.locator("main").inner_text()
    r = page.goto(server.base + f"/zorgaanbieder/patient?member_id={book.members['B']}")
    assert r.status == 403


def test_a_clinic_groups_its_activity_log_into_dbcs_prechecks_them_and_opens_an_invoice(site, browser, tmp_path):
    from zorgclaim.app import dbc
    _, server, _ = site
    dbc.demo(20, 3, tmp_path)
    page = _login(browser, server, "provider-a")
    page.get_by_role("link", name="DBC's en facturen").click()
    page.get_by_label("Activiteitenlog (CSV)").set_input_files(str(tmp_path / "activities.csv"))
    page.get_by_label("Patiënten met hun verzekering (CSV; nodig voor de controle vooraf)").set_input_files(
        str(tmp_path / "patients.csv"))
    page.get_by_role("button", name="Groeperen en controleren").click()
    page.wait_for_load_state()
    dbcs = page.get_by_role("region", name="DBC-zorgproducten")
    assert dbcs.locator("tbody tr").count() > 0
    assert page.get_by_role("region", name="Controle vooraf door de regels van de verzekeraar").is_visible()
    _shot(page, "2-clinic-dbcs-and-precheck")
    with page.context.expect_page() as opened:
        dbcs.get_by_role("link").first.click()
    invoice = opened.value
    invoice.wait_for_load_state()
    assert "Factuur" in invoice.content() or "factuur" in invoice.content()


def test_a_clinic_log_with_an_activity_before_its_weights_is_refused_with_a_message(site, browser, tmp_path):
    """The grouper's error (an activity dated before its discipline's first weight) is shown on the
    page as a 422 message naming the activity, not a server error."""
    import polars as pl

    from zorgclaim.app import dbc
    _, server, _ = site
    dbc.demo(5, 3, tmp_path)
    acts = pl.read_csv(tmp_path / "activities.csv", infer_schema_length=0)
    acts = acts.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("2020-06-01"))
                             .otherwise(pl.col("date")).alias("date"))
    acts.write_csv(tmp_path / "early.csv")
    page = _login(browser, server, "provider-a")
    page.goto(server.base + "/zorgaanbieder/dbc")
    page.get_by_label("Activiteitenlog (CSV)").set_input_files(str(tmp_path / "early.csv"))
    with page.expect_response(lambda r: r.request.method == "POST") as answered:
        page.get_by_role("button", name="Groeperen en controleren").click()
    assert answered.value.status == 422
    alert = page.get_by_role("alert").inner_text()
    assert "before the first weight of its discipline" in alert and f"activity {acts['activity_id'][0]} " in alert
    _shot(page, "2-clinic-grouping-error")


def test_finance_runs_a_payment_and_downloads_the_pain001_and_a_provider_sees_it(site, browser):
    book, server, _ = site
    page = _login(browser, server, "finance")
    page.get_by_role("link", name="Betaalruns").click()
    page.get_by_label("Rundatum").fill(TODAY.isoformat())
    page.get_by_role("button", name="Betalen").click()
    page.wait_for_load_state()
    assert "Betaalrun" in page.get_by_role("status").inner_text() or "niets te betalen" in page.get_by_role("status").inner_text()
    with page.expect_download() as dl:
        page.get_by_role("link", name="Downloaden").first.click()
    assert Path(dl.value.path()).read_text().startswith("<?xml")
    _shot(page, "7-finance-payment-runs")
    provider = _login(browser, server, "provider-a")
    provider.get_by_role("link", name="Rekeningoverzicht en betalingen").click()
    assert "Eindsaldo" in provider.locator("main").inner_text()
    assert provider.get_by_role("heading", name="Betalingen", exact=True).is_visible()


def test_the_dashboard_shows_figures_a_manager_can_also_read_as_tables(site, browser):
    _, server, _ = site
    page = _login(browser, server, "finance")
    assert page.url.endswith("/beheer/dashboard")
    figures = page.locator("figure")
    assert figures.count() == 5
    for k in range(5):
        fig = figures.nth(k)
        assert fig.get_by_role("img").count() == 1
        fig.locator("summary").click()
        assert fig.locator("tbody tr").count() > 0
    _shot(page, "6-dashboard")


@pytest.mark.parametrize("user, path", [("handler", "/beheer/dashboard"), ("adviser", "/beheer/machtigingen"),
                                        ("finance", "/beheer/betaalruns"), ("provider-a", "/zorgaanbieder/dbc"),
                                        ("provider-a", "/zorgaanbieder/overzicht"), ("member-a", "/mijn/overzicht"),
                                        ("handler", "/beheer/verzekerden"), ("member-a", "/mijn"), ("member-a", "/mijn/nota"), ("member-a", "/mijn/kosten"),
                                        ("provider-a", "/zorgaanbieder"), ("handler", "/beheer"), (None, "/login")])
def test_no_serious_accessibility_violations(site, browser, user, path):
    from axe_playwright_python.sync_playwright import Axe
    _, server, _ = site
    page = _login(browser, server, user) if user else browser.new_page()
    page.goto(server.base + path)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, [(v["id"], v["help"], [n["target"] for n in v["nodes"][:3]]) for v in bad]
