"""The faster `indent` and imports (portal/template_speed.py) make exactly what Jinja makes."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import DictLoader, Environment, Template
from jinja2.filters import do_indent
from markupsafe import Markup

from portal.template_speed import ImportingTemplate, PortalEnvironment, indent

LINES = st.lists(
    st.text(alphabet=st.sampled_from(list("ab <>&\"' \t\r")), max_size=6), max_size=6
).map("\n".join)
WIDTHS = st.one_of(st.integers(min_value=0, max_value=8), st.sampled_from(["", "  ", "<b>", "\t"]))


@given(LINES, WIDTHS, st.booleans(), st.booleans())
def test_indenting_html_gives_jinjas_string_and_keeps_it_safe(text, width, first, blank):
    html = Markup(text)  # noqa: S704 (made-up text standing for HTML)
    ours, jinjas = indent(html, width, first, blank), do_indent(html, width, first, blank)
    assert ours == jinjas
    assert isinstance(ours, Markup)


@given(LINES, WIDTHS, st.booleans(), st.booleans())
def test_indenting_plain_text_is_left_to_jinja(text, width, first, blank):
    ours = indent(text, width, first, blank)
    assert ours == do_indent(text, width, first, blank)
    assert not isinstance(ours, Markup)  # still escaped when output


TEMPLATES = {
    "macros.html": "{% macro shout(x) %}<b>{{ x }}</b>{{ extra|default('none') }}{% endmacro %}",
    "page.html": (
        '{% from "macros.html" import shout %}{{ shout("<hi>") }}'
        '{% import "macros.html" as m %}{{ m.shout(name) }}'
    ),
}


def _environment(template_class) -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=True)
    env.template_class = template_class
    env.filters["indent"] = indent if template_class is ImportingTemplate else do_indent
    return env


def test_imports_see_the_same_globals_as_with_jinjas_own_template():
    for extra in ({}, {"extra": "<from the page>"}):
        pages = [
            _environment(cls).get_template("page.html", globals=extra).render(name="a&b")
            for cls in (Template, ImportingTemplate)
        ]
        assert pages[0] == pages[1]
        assert ("&lt;from the page&gt;" in pages[0]) == bool(extra)


class Params(dict):
    classes = "from the attribute"


@pytest.mark.parametrize(
    "obj",
    [
        {"classes": "govuk-!-width-full", "items": [1, 2], "keys": "k"},
        {},
        Params(classes="from the key"),
        "a string",
        None,
        [1, 2],
    ],
    ids=["dict", "empty dict", "dict subclass", "string", "none", "list"],
)
@pytest.mark.parametrize("name", ["classes", "items", "keys", "missing", "upper", "__class__"])
def test_looking_up_a_name_gives_what_jinja_gives(obj, name):
    from flask import Flask
    from flask.templating import Environment as FlaskEnvironment

    app = Flask(__name__)
    ours, jinjas = PortalEnvironment(app), FlaskEnvironment(app)
    template = "{{ obj.NAME is defined }}|{{ obj.NAME }}".replace("NAME", name)
    assert ours.from_string(template).render(obj=obj) == jinjas.from_string(template).render(
        obj=obj
    )


def _without_per_request_values(html: str) -> str:
    html = re.sub(r'nonce="[^"]+"', 'nonce=""', html)
    return re.sub(r'(name="csrf_token"[^>]*value=)"[^"]+"', r'\1""', html)


def test_the_portals_pages_are_the_same_as_jinja_makes_them(monkeypatch):
    from flask.templating import Environment as FlaskEnvironment

    from portal import create_app, template_speed

    def pages(app):
        client = app.test_client()
        out = [client.get("/").get_data(as_text=True)]
        client.get("/request/start")
        out.append(client.get("/request/right").get_data(as_text=True))
        out.append(client.get("/request/right", query_string={"change": 1}).get_data(True))
        return [_without_per_request_values(page) for page in out]

    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "WTF_CSRF_ENABLED": False}
    fast = create_app(config)
    monkeypatch.setattr(template_speed, "PortalEnvironment", FlaskEnvironment)
    plain = create_app(config)
    assert type(plain.jinja_env) is FlaskEnvironment and plain.jinja_env.template_class is Template
    assert fast.jinja_env.template_class is ImportingTemplate
    for app in (fast, plain):
        with app.app_context():
            from portal.extensions import db

            db.create_all()
    assert pages(fast) == pages(plain)
