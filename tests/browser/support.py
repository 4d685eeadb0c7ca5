"""Checks run on every page the browser suite visits: axe-core at WCAG 2.2 A/AA (zero
violations), screenshots at phone and desktop widths, and keyboard helpers."""

import re

from axe_playwright_python.sync_playwright import Axe

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE = Axe()
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
CHECKED: set[str] = set()  # distinct page names audited in this run


class AccessibilityViolations(AssertionError):
    pass


def _known_gov_uk_choice(violation: dict, node: dict) -> bool:
    """GOV.UK Frontend's script puts aria-expanded on a radio that reveals a conditional
    question. ARIA 1.2 does not list it for radios, so axe objects; GOV.UK keeps it on purpose,
    because screen readers announce it and research found it helps (alphagov/govuk-frontend
    #979, listed there as a known axe result). Only that attribute on such a radio is let
    through: any other disallowed attribute, or the same on another element, still fails."""
    if violation["id"] != "aria-allowed-attr" or "govuk-radios__input" not in node["html"]:
        return False
    attributes = [a for check in node["all"] + node["any"] for a in (check.get("data") or [])]
    return bool(attributes) and all(a.startswith("aria-expanded=") for a in attributes)


def _violations(audit_page) -> list[str]:
    result = AXE.run(audit_page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    found = []
    for violation in result.response["violations"]:
        for node in violation["nodes"]:
            if not _known_gov_uk_choice(violation, node):
                found.append(f"{violation['id']} ({violation['impact']}): {node['target']}")
    return found


def audit(page, name: str) -> None:
    """axe-core on the page as the user sees it. Pages without JavaScript cannot run axe, so
    their HTML (scripts removed, as the browser ignored them) is audited in a JavaScript-enabled
    page at the same address, with the same styles."""
    if _js_enabled(page):
        found = _violations(page)
    else:
        html = SCRIPT.sub("", page.content())
        auditor = page.context.browser.new_context(viewport=page.viewport_size)
        try:
            checker = auditor.new_page()
            checker.route(
                page.url, lambda route: route.fulfill(body=html, content_type="text/html")
            )
            checker.goto(page.url)
            found = _violations(checker)
        finally:
            auditor.close()
    if found:
        raise AccessibilityViolations(
            f"axe-core found {len(found)} WCAG 2.2 A/AA violation(s) on {name} ({page.url}):\n"
            + "\n".join(found)
        )


def _js_enabled(page) -> bool:
    return getattr(page, "_portal_js", True)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    mode = "js" if _js_enabled(page) else "nojs"
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=SCREENSHOTS / f"{name}-{mode}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def check(page, name: str) -> None:
    """Every distinct page, once per JavaScript mode: audited, then photographed at both
    widths."""
    key = f"{name}-{'js' if _js_enabled(page) else 'nojs'}"
    if key in CHECKED:
        return
    audit(page, name)
    screenshot(page, name)
    CHECKED.add(key)


def submit(page, label: str | None = None) -> None:
    """Press the form's submit button, as a person would, and wait for the next page."""
    buttons = page.locator("main form .govuk-button:not([type=button])")
    button = buttons.filter(has_text=label).first if label else buttons.first
    button.click()
    page.wait_for_load_state("load")


def fill(page, data: dict) -> None:
    """Answer a form by field name: text, radios, checkboxes, dates and files."""
    for name, value in data.items():
        if isinstance(value, tuple):  # a file: (filename, bytes, mime)
            page.set_input_files(
                f"input[name='{name}']",
                files=[{"name": value[0], "mimeType": value[2], "buffer": value[1]}],
            )
        elif isinstance(value, list) and page.locator(f"#{name}-day").count():
            for part, text in zip(("day", "month", "year"), value, strict=True):
                page.fill(f"#{name}-{part}", text)
        elif isinstance(value, list):
            for choice in value:
                page.check(f"input[name='{name}'][value='{choice}']")
        else:
            field = page.locator(f"[name='{name}']").first
            if field.get_attribute("type") in ("radio", "checkbox"):
                page.check(f"input[name='{name}'][value='{value}']")
            else:
                field.fill(value)


def choose_action(page, label: str) -> None:
    """Take one of a request's actions from its MoJ button menu: with JavaScript, open the
    "Actions" menu first; without it every action is a button of its own."""
    menu = page.locator(".portal-actions")
    toggle = menu.locator("button.moj-button-menu__toggle-button")
    if toggle.count():
        toggle.click()
        assert toggle.get_attribute("aria-expanded") == "true"
    menu.locator("a", has_text=label).first.click()
    page.wait_for_load_state("load")
