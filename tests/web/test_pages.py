"""Content pages, security headers, CSRF, and the captured-messages page."""

import re

import pytest

from portal.content import privacy_notice
from tests.helpers import normalise


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/", "Ask for or correct your family support records"),
        ("/privacy", "Family Support and Complex Families: privacy notice"),
        (
            "/accessibility",
            "Accessibility statement for Ask for or correct your family support records",
        ),
        ("/cookies", "Cookies"),
        ("/contact", "Contact us"),
    ],
)
def test_content_pages(client_request, url, heading):
    page = client_request.get(url)
    assert page.h1.get_text(strip=True) == heading
    # A council service: its own name in the header, no crown, no GOV.UK logo.
    assert (
        page.select_one(".govuk-generic-header").get_text(strip=True) == "London Borough of Camden"
    )
    assert not page.select(".govuk-header__logotype, .govuk-logo, svg.govuk-footer__crown")
    footer_links = {a.get_text(strip=True) for a in page.select("footer a")}
    assert {"Privacy notice", "Accessibility statement", "Cookies", "Contact us"} <= footer_links
    assert page.select_one(".govuk-phase-banner")


def test_start_page_explains_the_rights_time_limit_and_cost(client_request):
    text = client_request.get("/").get_text()
    for phrase in (
        "right of access",
        "right to rectification",
        "right to restriction",
        "right to object",
        "It is free",
        "one calendar month",
        "up to 2 more months",
    ):
        assert phrase in text


def test_privacy_notice_is_rendered_from_the_structured_file(client_request):
    text = client_request.get("/privacy").get_text()
    notice = privacy_notice()
    for section in ("purposes", "categories"):
        for item in notice[section]:
            assert item["text"] in text
    assert notice["dpo"]["name"] in text
    assert "casework@ico.org.uk" in text and "0303 123 1113" in text


def test_council_and_service_names_come_from_configuration(make_app, monkeypatch):
    monkeypatch.setenv("COUNCIL_NAME", "Example Borough Council")
    monkeypatch.setenv("SERVICE_NAME", "Your family records")
    app = make_app()
    with app.app_context():
        html = app.test_client().get("/").get_data(as_text=True)
    assert "Example Borough Council" in html and "Your family records" in html


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_session_cookie_holds_no_personal_data(client_request, client):
    client.get("/request/start")
    client_request.post("/request/right", {"right": "access"})
    client_request.post("/request/who", {"who": "me"})
    client_request.post(
        "/request/details", {"full_name": "Unique Name", "date_of_birth": ["1", "2", "1985"]}
    )
    cookie = client.get_cookie("portal_session")
    assert cookie.http_only
    # Only a random token: the answers, and even the draft's id, stay server-side
    # (tests/web/test_sessions.py).
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie.value)


def test_static_assets_are_served_with_the_right_paths(client):
    css = client.get("/static/govuk/portal.min.css")
    assert css.status_code == 200
    body = css.get_data(as_text=True)
    assert "GDS Transport" not in body and "arial" in body.lower()
    assert "url(/assets/" not in body and 'url("/assets/' not in body
    assert client.get("/static/govuk/govuk-frontend.min.js").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/request/right",
        "/request/confirm-contact",
        "/request/confirm-contact/resend",
        "/request/check",
    ],
)
def test_every_form_needs_a_csrf_token(make_app, url):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        client = app.test_client()
        client.get("/request/start")
        response = client.post(url, data={"right": "access", "code": "123456"})
        assert response.status_code == 400
        assert "Your session has ended" in response.get_data(as_text=True)


def test_codes_are_rate_limited_per_client(make_app):
    from portal.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True)
    with app.app_context():
        limiter.reset()
        client = app.test_client()
        client.get("/request/start")
        statuses = [client.post("/request/confirm-contact/resend").status_code for _ in range(4)]
        assert statuses[-1] == 429


def test_captured_messages_page_only_without_a_notify_key(make_app):
    app = make_app(NOTIFY_API_KEY="key")
    with app.app_context():
        assert app.test_client().get("/_dev/messages").status_code == 404


def test_captured_messages_are_newest_first_by_when_they_were_queued(app, client_request):
    from portal.extensions import db
    from portal.models import CapturedMessage, OutboxMessage

    with app.app_context():
        queued = [
            OutboxMessage(
                message_key="verification_code", channel="email", recipient=f"{n}@example.com"
            )
            for n in ("older", "newer")
        ]
        db.session.add_all(queued)
        db.session.flush()
        # The worker captures the newer message (a code: codes go first) before the older one.
        for message in reversed(queued):
            db.session.add(
                CapturedMessage(
                    outbox_id=message.id,
                    channel="email",
                    recipient=message.recipient,
                    body=f"to {message.recipient}",
                )
            )
        db.session.commit()
    page = client_request.get("/_dev/messages")
    titles = [normalise(h.get_text()) for h in page.select(".govuk-summary-card__title")]
    assert titles == ["email to newer@example.com", "email to older@example.com"]


def test_unknown_page_is_a_gov_uk_404(client_request):
    page = client_request.get("/no-such-page", expected_status=404)
    assert page.h1.get_text(strip=True) == "Page not found"


def test_the_privacy_page_states_the_portals_retention_from_the_schedule(
    client_request, tmp_path, make_app
):
    import shutil
    from pathlib import Path

    text = normalise(client_request.get("/privacy").get_text())
    assert "We keep proof of identity and of the authority to act for someone for 30 days" in text
    assert "We keep the copies of records we send you for 60 days after the time to" in text
    assert "for 1 year after we send them" in text
    assert "After 6 years from the close of a request or complaint we keep only" in text
    # Changed in the file, changed on the page.
    folder = tmp_path / "workflows"
    shutil.copytree(Path(__file__).resolve().parents[2] / "workflows", folder)
    schedule = folder / "retention.yaml"
    schedule.write_text(schedule.read_text().replace("keep: 6 years", "keep: 7 years"))
    other = make_app(WORKFLOW_DIR=str(folder))
    page = normalise(other.test_client().get("/privacy").get_data(as_text=True))
    assert (
        "for 7 years after your request or complaint is closed" in page and "After 7 years" in page
    )
