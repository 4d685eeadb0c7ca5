"""The final submission's cost: one statement for each row it writes and the draft it reads, with
no flush to read back what it just wrote and no second write of the request (its due date is
known before it is first written); and an answer's: the draft read and written, nothing more."""

from sqlalchemy import event

from portal.extensions import db
from tests.helpers import Resident, latest_code


def _statements(run) -> list[str]:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split())[:400])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return seen


def _up_to_check(client_request):
    resident = Resident(client_request)
    client_request.client.get("/request/start")
    pages = [
        ("right", {"right": "access"}),
        ("who", {"who": "me"}),
        (
            "details",
            {"full_name": "Sam Cost", "other_names": "", "date_of_birth": ["1", "2", "1985"]},
        ),
        ("address", {"address_line_1": "1 Judd Street", "town": "London", "postcode": "wc1h 9je"}),
        ("access", {"parts": ["safety", "home"], "what": "All my records", "period": "All of it"}),
        ("contact", {"method": "email", "email": "sam.cost@example.com"}),
    ]
    for step, data in pages:
        resident.answer(step, data)
    client_request.post("/request/confirm-contact", {"code": latest_code()})
    client_request.get("/request/check")


def test_the_final_submission_makes_few_statements(client_request):
    _up_to_check(client_request)
    seen = _statements(lambda: client_request.post("/request/check", {"declaration": "y"}))
    # The audit chain's head: taken and read in one statement, then moved.
    head = [s for s in seen if "audit_chain_head" in s]
    assert len(head) == 2 and "RETURNING" in head[0], "\n".join(head)
    # The session store aside: the draft read; the request, its first clock row, its people,
    # the audit entry written once each, the acknowledgement and the DPO team's notice in one
    # statement; the draft marked as sent. Nothing read back.
    seen = [s for s in seen if "audit_chain_head" not in s and "web_session" not in s]
    assert len(seen) == 7, "\n".join(seen)
    assert len([s for s in seen if "outbox_message" in s]) == 1, "\n".join(seen)
    assert [s for s in seen if s.startswith("SELECT")] == [seen[0]], "\n".join(seen)
    assert not any(s.startswith("UPDATE data_request") for s in seen), "\n".join(seen)


def test_an_answer_saved_reads_its_draft_once_and_writes_it_once(client_request):
    """A question page saved: the draft read, the draft written; the next page is chosen from
    the answers just stored, not from the draft read back after the commit."""
    resident = Resident(client_request)
    client_request.client.get("/request/start")
    resident.answer("right", {"right": "access"})
    seen = _statements(lambda: resident.answer("who", {"who": "me"}))
    seen = [s for s in seen if "web_session" not in s]
    assert [s.split()[0] for s in seen] == ["SELECT", "UPDATE"], "\n".join(seen)
    assert all("draft" in s for s in seen), "\n".join(seen)
