"""Residents' journeys in Chromium, with JavaScript on and off: each right end to end, a young
person, a parent for a child, a representative with an upload, tracking a request, and every
form's error state. Every page is audited by axe-core and photographed."""

from datetime import date
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from portal.deadlines.calendar import now_utc, received_date
from portal.domain.actions import apply_action
from portal.domain.evidence import review_evidence
from portal.domain.filestore import FileStore
from portal.extensions import db
from portal.models import AuditEvent, DataRequest
from portal.workflow import Actor
from tests.browser.resident import PDF, answers, make_request, read_code
from tests.browser.support import AccessibilityViolations, audit, check, fill, submit
from tests.factories import (
    build_pack,
    context,
    pdf_bytes,
    send_outcome_notice,
    to_disclosure_review,
)
from tests.staff_helpers import make_staff
from tests.workflow_names import state


def years_ago(years: int) -> date:
    today = date.today()
    return today.replace(year=today.year - years, day=min(today.day, 28))


def stored(live_server, reference: str):
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        result = (found.data_right, found.subject_relation, found.state, len(found.uploads))
        db.session.remove()
        return result


@pytest.mark.parametrize("right", ["access", "rectification", "restriction", "objection"])
def test_each_right_end_to_end(page, live_server, javascript, right):
    email = f"{right}-{'js' if javascript else 'nojs'}@example.com"
    reference = make_request(page, live_server, answers(right, email=email), email)
    assert stored(live_server, reference)[:3] == (right, "self", state("triage"))


def test_the_shortest_access_request_is_ten_pages(page, live_server, javascript):
    email = f"shortest-{'js' if javascript else 'nojs'}@example.com"
    seen = []
    make_request(page, live_server, answers("access", email=email), email, seen=seen)
    assert seen == [
        "/",
        "/request/right",
        "/request/who",
        "/request/details",
        "/request/address",
        "/request/access",
        "/request/contact",
        "/request/confirm-contact",
        "/request/check",
        "/request/confirmation",
    ]


def go_to(page, live_server, step: str, pages: dict) -> None:
    """Answer the question pages up to `step` (the page then open)."""
    page.goto("/request/start")
    for _ in range(20):
        current = urlparse(page.url).path.rsplit("/", 1)[-1]
        if current == step:
            return
        fill(page, pages[current])
        submit(page)
    raise AssertionError(f"{step} not reached")


def test_search_everything_is_exclusive(page, live_server, javascript):
    pages = answers("access", email="exclusive@example.com")
    go_to(page, live_server, "access", pages)
    everything = page.locator("input[name=parts][value=not_sure]")
    housing = page.locator("input[name=parts][value=home]")
    assert page.locator(".govuk-checkboxes__divider").inner_text() == "or"
    housing.check()
    everything.check()
    fill(page, {"what": "Everything", "period": "All of it"})
    if javascript:
        # Choosing "search everything" clears the other kinds, and the other way round.
        assert not housing.is_checked()
        housing.check()
        assert not everything.is_checked()
        everything.check()
        submit(page)
        assert urlparse(page.url).path == "/request/contact"
    else:
        # Without JavaScript both arrive; the server asks for one or the other.
        submit(page)
        check(page, "question-access-exclusive-error")
        assert "or select 'I'm not sure, search everything'" in page.inner_text(
            ".govuk-error-summary"
        )


def test_contact_details_are_revealed_for_the_chosen_method(page, live_server, javascript):
    pages = answers("access", email="reveal@example.com")
    go_to(page, live_server, "contact", pages)
    mobile = page.locator("#mobile")
    post_town = page.locator("#post_town")
    # With JavaScript only the chosen method's fields show; without, all of them do.
    assert mobile.is_visible() is not javascript
    page.check("input[name=method][value=sms]")
    assert mobile.is_visible()
    assert post_town.is_visible() is not javascript
    fill(page, {"mobile": "07700 900123"})
    if not javascript:
        fill(page, {"post_town": "London", "email": "not an email"})  # ignored: not chosen
    submit(page)
    assert urlparse(page.url).path == "/request/confirm-contact"
    assert "07700900123" in page.inner_text("main")


@pytest.mark.parametrize("javascript", [True], ids=["js"])
def test_only_gov_uks_own_aria_expanded_on_radios_is_let_through(page, live_server):
    """The contact page passes the audit with GOV.UK's aria-expanded on its radios; any other
    attribute axe does not allow there still fails it."""
    go_to(page, live_server, "contact", answers("access", email="aria@example.com"))
    page.check("input[name=method][value=sms]")
    assert page.get_attribute("#method-2", "aria-expanded") == "true"
    audit(page, "question-contact-revealed")
    page.evaluate("document.querySelector('#method-2').setAttribute('aria-selected', 'true')")
    with pytest.raises(AccessibilityViolations, match="aria-allowed-attr"):
        audit(page, "question-contact-with-a-wrong-attribute")


def test_a_young_persons_own_request(page, live_server, javascript):
    email = f"young-{javascript}@example.com"
    pages = answers("access", who="young_person", born=years_ago(14), email=email)
    reference = make_request(page, live_server, pages, email)
    assert stored(live_server, reference)[1] == "self"


def test_a_parents_request_for_a_child_of_12_or_over(page, live_server, javascript):
    email = f"parent-{javascript}@example.com"
    pages = answers("access", who="child", born=years_ago(13), email=email)
    reference = make_request(page, live_server, pages, email)
    assert stored(live_server, reference)[1:3] == ("child", state("competence_review"))


def test_a_representative_with_an_upload(page, live_server, javascript):
    email = f"rep-{javascript}@example.com"
    pages = answers("objection", who="represented", email=email, upload=True)
    reference = make_request(page, live_server, pages, email)
    assert stored(live_server, reference)[1] == "represented"
    assert stored(live_server, reference)[3] == 1


def test_tracking_a_request_and_answering_a_question(page, live_server, javascript):
    email = f"track-{javascript}@example.com"
    reference = make_request(page, live_server, answers("access", email=email), email)
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        today = received_date(now_utc())
        dpo = Actor("dpo", id=None)
        for action, fields in (
            ("route", {"services": ["housing"]}),
            ("ask_clarification", {"question": "Which years do you mean?"}),
        ):
            apply_action(context(db.session, today), found, action, dpo, fields)
        db.session.remove()

    page.goto("/")
    page.get_by_role("link", name="check or update your request").click()
    page.wait_for_load_state("load")
    check(page, "track")
    submit(page)
    check(page, "track-errors")
    assert page.locator(".govuk-error-summary").count() == 1
    fill(page, {"reference": reference.lower(), "contact": email})
    submit(page)
    check(page, "track-code")
    page.fill("#code", read_code(page, live_server, email))
    submit(page)
    check(page, "track-status-question")
    assert "Which years do you mean?" in page.inner_text("main")
    page.fill("#answer", "2019 to 2021")
    submit(page)
    check(page, "track-status-answered")
    assert "We have your answer" in page.inner_text("main")
    assert stored(live_server, reference)[2] == state("with_service")

    page.get_by_role("link", name="Withdraw your request").click()
    page.wait_for_load_state("load")
    check(page, "track-withdraw")
    page.get_by_role("link", name="No, keep my request").click()
    page.wait_for_load_state("load")
    assert stored(live_server, reference)[2] == state("with_service")


def test_every_question_page_shows_its_errors_accessibly(page, live_server, javascript):
    """Each question page submitted empty first, on the branch through the most pages."""
    email = f"errors-{javascript}@example.com"
    pages = answers("access", who="child", born=years_ago(13), email=email)
    optional = {"child-view", "rectification-evidence", "parental-responsibility-proof"}
    required = set(pages) - optional
    make_request(page, live_server, pages, email, empty_first=required)


def test_information_pages(page, live_server):
    for path, name in [
        ("/", "start"),
        ("/privacy", "privacy-notice"),
        ("/accessibility", "accessibility-statement"),
        ("/cookies", "cookies"),
        ("/contact", "contact"),
        ("/no-such-page", "not-found"),
    ]:
        page.goto(path)
        check(page, name)


def test_sending_proof_and_downloading_the_response(page, live_server, javascript):
    """The requester sends proof from the tracking page; once staff accept it and the response
    is signed off and sent, they see each file with its type and size and download it."""
    mode = "js" if javascript else "nojs"
    email = f"proof-{mode}@example.com"
    reference = make_request(page, live_server, answers("access", email=email), email)
    today = received_date(now_utc())
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        apply_action(
            context(db.session, today),
            found,
            "request_evidence",
            Actor("dpo", id=None),
            {"evidence_kind": "identity", "reason": "A photo of your passport."},
        )
        db.session.remove()

    page.goto("/track")
    fill(page, {"reference": reference, "contact": email})
    submit(page)
    page.fill("#code", read_code(page, live_server, email))
    submit(page)
    check(page, "track-status-proof")
    assert "We need proof of identity" in page.inner_text("main")
    submit(page)
    check(page, "track-status-proof-error")
    assert page.locator(".govuk-error-summary").count() == 1
    page.set_input_files(
        "#files",
        files=[
            {"name": "passport.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%passport"},
            {"name": "selfie.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%selfie"},
        ],
    )
    submit(page)
    check(page, "track-status-proof-sent")
    assert "We have your files" in page.inner_text("main")
    assert "Not checked yet" in page.inner_text("main")

    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        # Real accounts: the audit trail names people by key.
        officer = make_staff("dpo", email=f"proof-officer-{mode}@example.gov.uk")
        dpo = Actor("dpo", id=officer.id, name=officer.full_name)
        for item in [f for s in found.evidence for f in s.files]:
            review_evidence(context(db.session, today), found, item.id, dpo, "accept", "")
        to_disclosure_review(db.session, found, today, actor=dpo)
        build_pack(
            db.session,
            found,
            FileStore(live_server.app.config["UPLOAD_STORAGE_DIR"]),
            today,
            files=("Case notes (redacted)",),
            actor=dpo,
        )
        # Four eyes: a caseworker who did not assemble the pack signs it off.
        person = make_staff("caseworker", ("housing",), email=f"proof-signer-{mode}@example.gov.uk")
        signer = Actor("caseworker", frozenset({"housing"}), person.id, person.full_name)
        apply_action(context(db.session, today), found, "sign_off_disclosure", signer)
        send_outcome_notice(db.session, found, "disclosed", day=today, actor=dpo)
        db.session.remove()

    page.goto("/track/request")
    check(page, "track-status-response")
    row = page.locator("table", has_text="Case notes (redacted)").locator("tbody tr").first
    assert "PDF" in row.inner_text() and "KB" in row.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Case notes (redacted)").click()
    assert download.value.path().read_bytes() == pdf_bytes("Case notes (redacted)")
    with live_server.app.app_context():
        found = db.session.scalar(select(DataRequest).where(DataRequest.reference == reference))
        logged = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.request_id == found.id, AuditEvent.action == "response_downloaded"
            )
        ).all()
        assert len(logged) == 1 and logged[0].detail["file"] == "Case notes (redacted)"
        db.session.remove()
