"""The pages without a browser: login and logout, the session cookie, CSRF on every form, refusals
as pages, the language switch, no open redirect (in process, on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from service_support import PASSWORD
from zorgclaim.api import create_app


@pytest.fixture(scope="module")
def web(service_book):
    with TestClient(create_app(service_book.ctx)) as client:
        yield client


def _login(web, user, next_=""):
    web.cookies.clear()
    return web.post("/login", data={"username": user, "password": PASSWORD, "next": next_}, follow_redirects=False)


def test_login_sets_a_strict_http_only_session_and_sends_each_role_home(web):
    r = web.post("/login", data={"username": "member-a", "password": "wrong"}, follow_redirects=False)
    assert r.status_code == 401 and "Onbekende gebruikersnaam of onjuist wachtwoord" in r.text
    for user, home in (("member-a", "/mijn"), ("provider-a", "/zorgaanbieder"), ("handler", "/beheer")):
        r = _login(web, user)
        assert r.status_code == 303 and r.headers["location"] == home
        cookie = r.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie


def test_a_page_without_a_session_asks_to_log_in_and_next_stays_on_this_site(web):
    web.cookies.clear()
    r = web.get("/mijn", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/mijn"
    assert _login(web, "member-a", "//evil.example/x").headers["location"] == "/mijn"
    assert _login(web, "member-a", "/mijn/kosten").headers["location"] == "/mijn/kosten"


def test_every_form_needs_the_sessions_csrf_token(web):
    _login(web, "member-a")
    for path, data in (("/logout", {}), ("/mijn/kosten", {"provider": "04100001"}),
                       ("/mijn/nota", {"provider": "04100001"})):
        r = web.post(path, data=data | {"csrf": "forged"}, follow_redirects=False)
        assert r.status_code == 403 and "text/html" in r.headers["content-type"], path
    page = web.get("/mijn/kosten").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    assert web.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303


def test_refusals_are_pages_that_show_nothing_of_what_was_asked(web, service_book):
    _login(web, "member-a")
    other = service_book.members["B"]
    for path in ("/beheer", "/zorgaanbieder", f"/zorgaanbieder/patient?member_id={other}"):
        r = web.get(path)
        assert r.status_code == 403 and "<html" in r.text and other not in r.text, path
    r = web.get("/mijn/regels/NO-SUCH-LINE")
    assert r.status_code == 404 and "NO-SUCH-LINE" not in r.text.split("<main")[1].split("Niet gevonden")[0]


def test_dutch_by_default_english_on_request(web):
    _login(web, "member-a")
    assert "Mijn declaraties" in web.get("/mijn").text
    assert "My claims" in web.get("/mijn?lang=en").text
    assert "My claims" in web.get("/mijn").text            # the choice is kept
    web.get("/mijn?lang=nl")


def test_an_invoice_must_be_a_pdf_or_photo(web, service_book):
    _login(web, "member-a")
    page = web.get("/mijn/nota").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    r = web.post("/mijn/nota", data={"csrf": token, "provider": "04100001", "service_date": "2026-11-02",
                                     "code": "fysio/1000", "quantity": "1", "amount": "39,00"},
                 files={"invoice": ("nota.exe", b"MZ\x90\x00", "application/octet-stream")})
    assert r.status_code == 422 and "PDF" in r.text


def _csrf(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_a_provider_estimates_its_own_patients_share_only(web, service_book):
    _login(web, "provider-a")
    token = _csrf(web.get("/zorgaanbieder/kosten").text)
    form = {"csrf": token, "provider": service_book.providers["A"], "service_date": "2026-12-01", "code": "fysio/1000",
            "quantity": "1", "amount": "39,00"}
    r = web.post("/zorgaanbieder/kosten", data=form | {"member_id": service_book.members["A"]})
    assert r.status_code == 200 and "De patiënt betaalt zelf" in r.text
    r = web.post("/zorgaanbieder/kosten", data=form | {"member_id": service_book.members["B"]})
    assert r.status_code == 403 and service_book.members["B"] not in r.text.split("<main")[1]


def test_the_review_queue_filters_by_rule_and_keeps_the_filter_when_paging(web):
    _login(web, "handler")
    page = web.get("/beheer?rule=sample").text
    rows = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    cells = [r.split("</td><td>")[1] for r in rows.split("<tr>")[1:]]
    assert cells and all(c == "sample" for c in cells)
    if "page=2" in page:
        assert "rule=sample&amp;page=2" in page


# every page (GET) x every role: allowed (200) or refused (403); own vs. someone else's where a
# page names a member, a provider's line or a member's line
Y, N = 200, 403


def _page_cases(book):
    from zorgclaim.app.access import SYSTEM
    from zorgclaim.app.lines import lines_of
    line_a = lines_of(book.ctx, SYSTEM, member_id=book.members["A"], limit=1)[0][0]["line_id"]
    line_b = lines_of(book.ctx, SYSTEM, member_id=book.members["B"], limit=1)[0][0]["line_id"]
    prov_a = lines_of(book.ctx, SYSTEM, provider=book.providers["A"], limit=1)[0][0]["line_id"]
    prov_b = lines_of(book.ctx, SYSTEM, provider=book.providers["B"], limit=1)[0][0]["line_id"]
    member_pages = {"member": Y}
    provider_pages = {"provider": Y}
    staff_pages = {"handler": Y, "medical_adviser": Y}
    return [
        ("/mijn", member_pages), ("/mijn/nota", member_pages), ("/mijn/kosten", member_pages),
        ("/mijn/overzicht", member_pages), (f"/mijn/regels/{line_a}", member_pages),
        (f"/mijn/regels/{line_b}", {}),                                   # another member's line: refused to all
        ("/zorgaanbieder", provider_pages), ("/zorgaanbieder/overzicht", provider_pages),
        ("/zorgaanbieder/kosten", provider_pages), ("/zorgaanbieder/dbc", provider_pages),
        (f"/zorgaanbieder/regels/{prov_a}", provider_pages), (f"/zorgaanbieder/regels/{prov_b}", {}),
        (f"/zorgaanbieder/patient?member_id={book.members['A']}", provider_pages),
        (f"/zorgaanbieder/patient?member_id={book.members['B']}", {}),
        ("/beheer", staff_pages), (f"/beheer/regels/{line_b}", staff_pages),
        ("/beheer/verzekerden", staff_pages), (f"/beheer/verzekerden?member_id={book.members['B']}", staff_pages),
        ("/beheer/zorgaanbieders", staff_pages), (f"/beheer/zorgaanbieders?agb={book.providers['B']}", staff_pages),
        ("/beheer/machtigingen", staff_pages),                   # the handler sees them, the adviser decides
        ("/beheer/betaalruns", {"finance": Y}),
        ("/beheer/dashboard", {"handler": Y, "medical_adviser": Y, "finance": Y}),
    ]


def test_page_authorization_matrix(web, service_book):
    users = {"member": "member-a", "provider": "provider-a", "handler": "handler", "medical_adviser": "adviser",
             "finance": "finance", "admin": "admin"}
    wrong = []
    for path, allowed in _page_cases(service_book):
        for role, user in users.items():
            _login(web, user)
            got = web.get(path, follow_redirects=False).status_code
            want = allowed.get(role, N)
            if got != want:
                wrong.append(f"{role} {path}: {got}, expected {want}")
    assert not wrong, "\n".join(wrong)
