"""Static files: fingerprinted, pre-compressed, cached for a year, and light on a first visit."""

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal.assets import build, load_manifest
from portal.config import ROOT

STATIC = ROOT / "static"
TEMPLATES = ROOT / "templates"
FIRST_VISIT_LIMIT = 40 * 1024
BROWSER = {"Accept-Encoding": "br, gzip, deflate"}


def _assets(html: str) -> list[str]:
    """Everything a browser fetches for the page: stylesheets, scripts, icons, and the
    modules the scripts import (resolved against the script's own URL)."""
    soup = BeautifulSoup(html, "html.parser")
    urls = [link["href"] for link in soup.find_all("link", href=True)]
    urls += [script["src"] for script in soup.find_all("script", src=True)]
    return [url for url in urls if url.startswith("/static/")]


def _imports(url: str, body: str) -> list[str]:
    base = url.rsplit("/", 1)[0]
    found = []
    for spec in re.findall(r"""\bfrom\s*["'](\.{1,2}/[^"']+)["']""", body):
        parts = (base + "/" + spec).split("/")
        out: list[str] = []
        for part in parts:
            if part == "..":
                out.pop()
            elif part != ".":
                out.append(part)
        found.append("/".join(out))
    return found


def test_the_start_pages_first_visit_transfers_at_most_40_kb(client):
    page = client.get("/", headers=BROWSER)
    assert page.status_code == 200
    total = len(page.data)
    queue = _assets(page.get_data(as_text=True))
    fetched = set()
    while queue:
        url = queue.pop()
        if url in fetched:
            continue
        fetched.add(url)
        response = client.get(url, headers=BROWSER)
        assert response.status_code == 200, url
        assert (
            response.headers.get("Content-Encoding") in {"br", "gzip"} or len(response.data) < 1024
        ), url
        total += len(response.data)
        if url.endswith(".js"):
            plain = client.get(url).get_data(as_text=True)
            queue.extend(_imports(url, plain))
    # The stylesheet, both scripts and the icon, and nothing fetched twice under two names.
    assert len(fetched) == 4, fetched
    assert total <= FIRST_VISIT_LIMIT, f"{total} bytes"


def test_fingerprinted_files_are_immutable_for_a_year_and_compressed(client):
    html = client.get("/").get_data(as_text=True)
    css = next(url for url in _assets(html) if url.endswith(".css"))
    assert re.search(r"/static/build/govuk/portal\.min\.[0-9a-f]{12}\.css$", css)
    response = client.get(css, headers=BROWSER)
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Content-Type"].startswith("text/css")
    assert "Access-Control-Allow-Origin" not in response.headers
    gzip = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert gzip.headers["Content-Encoding"] == "gzip"
    plain = client.get(css)
    assert "Content-Encoding" not in plain.headers
    assert plain.data == (STATIC / css.removeprefix("/static/")).read_bytes()


def test_static_responses_carry_the_security_headers(client):
    page = client.get("/")
    html = page.get_data(as_text=True)
    for url in _assets(html) + ["/static/govuk/portal.min.css"]:
        response = client.get(url, headers=BROWSER)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "'unsafe-inline'" not in csp and "nonce" not in csp
        for name in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
            assert response.headers[name] == page.headers[name], (url, name)


def test_plain_names_still_work_but_are_revalidated(client):
    response = client.get("/static/govuk/portal.min.css", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def test_a_file_missing_from_the_manifest_falls_back_to_its_plain_name(app):
    from portal.template_helpers import static_url

    with app.test_request_context():
        assert static_url("govuk/portal.min.css").startswith("/static/build/govuk/portal.min.")
        assert static_url("not-built.txt") == "/static/not-built.txt"
        app.extensions["asset_manifest"] = {}
        assert static_url("govuk/portal.min.css") == "/static/govuk/portal.min.css"


def test_no_template_links_a_static_file_except_through_static_url():
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert "url_for('static'" not in text and 'url_for("static"' not in text, path
        assert "/static/" not in text, path


def test_the_committed_build_matches_the_sources(tmp_path):
    """`make assets` was run after the last change to static/: rebuilding gives the same
    names, the same bytes and the same manifest."""
    copy = tmp_path / "static"
    (copy).mkdir()
    for path in STATIC.rglob("*"):
        rel = path.relative_to(STATIC)
        if path.is_file() and rel.parts[0] != "build":
            (copy / rel).parent.mkdir(parents=True, exist_ok=True)
            (copy / rel).write_bytes(path.read_bytes())
    manifest = build(copy)
    assert manifest == load_manifest(STATIC), "run `make assets` and commit static/build/"
    for served in manifest.values():
        for suffix in ("", ".gz", ".br"):
            built = copy / (served + suffix)
            if built.exists():
                assert built.read_bytes() == (STATIC / (served + suffix)).read_bytes(), served


def test_references_between_files_use_the_fingerprinted_names(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "mod.js").write_text("export const a = 1;\n" * 100)
    (tmp_path / "main.js").write_text('import { a } from "./lib/mod.js";\nconsole.log(a);\n')
    (tmp_path / "style.css").write_text('body{background:url("/static/lib/mod.js")}' * 50)
    manifest = build(tmp_path)
    main = (tmp_path / manifest["main.js"]).read_text()
    assert f'from "./{Path(manifest["lib/mod.js"]).relative_to("build")}"' in main
    css = (tmp_path / manifest["style.css"]).read_text()
    assert f'url("/static/{manifest["lib/mod.js"]}")' in css
    assert (tmp_path / (manifest["lib/mod.js"] + ".gz")).exists()
    assert json.loads((tmp_path / "build" / "manifest.json").read_text()) == manifest


@pytest.mark.parametrize("name", ["govuk/portal.min.css", "govuk/govuk-frontend.min.js"])
def test_every_source_file_is_in_the_manifest(name):
    assert name in load_manifest(STATIC)


def test_staff_pages_load_the_moj_assets_and_resident_pages_do_not(client):
    resident = _assets(client.get("/").get_data(as_text=True))
    staff = _assets(client.get("/staff/sign-in").get_data(as_text=True))
    assert not any("/moj/" in url or "staff" in url for url in resident), resident
    assert any(re.search(r"/static/build/moj/staff\.min\.[0-9a-f]{12}\.css$", u) for u in staff)
    assert not any("portal.min" in url for url in staff), "one stylesheet, not two"
    script = next(url for url in staff if "/staff." in url and url.endswith(".js"))
    body = client.get(script).get_data(as_text=True)
    (module,) = _imports(script, body)
    assert re.search(r"/moj/moj-frontend\.min\.[0-9a-f]{12}\.js$", module)
    assert client.get(module).status_code == 200
    # The MoJ components the staff pages use are in the stylesheet.
    css = client.get(next(u for u in staff if u.endswith(".css"))).get_data(as_text=True)
    for selector in (
        ".moj-identity-bar",
        ".moj-button-menu",
        ".moj-timeline",
        ".moj-sub-navigation",
        ".moj-badge",
    ):
        assert selector in css, selector
