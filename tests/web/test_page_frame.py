"""The page's frame (header, service navigation, exit button, phase banner) is rendered once
per set of params and kept: each app still shows its own settings, and later pages reuse it."""

from portal.template_helpers import _RENDERED


def test_each_app_shows_its_own_frame(make_app):
    first = make_app(SERVICE_NAME="Ask for your records", EXIT_PAGE_URL="https://a.example/")
    second = make_app(SERVICE_NAME="See what we hold", EXIT_PAGE_URL="https://b.example/")
    for _ in range(2):  # the second time from what was kept
        one = first.test_client().get("/").get_data(as_text=True)
        two = second.test_client().get("/").get_data(as_text=True)
        assert "Ask for your records" in one and "See what we hold" not in one
        assert "See what we hold" in two and "Ask for your records" not in two
        assert 'href="https://a.example/"' in one and 'href="https://b.example/"' in two


def test_the_frame_is_rendered_once_for_every_page(make_app):
    app = make_app(SERVICE_NAME="Frame Once Service")
    client = app.test_client()
    client.get("/")
    kept = [key for key in _RENDERED if "Frame Once Service" in key[1]]
    assert kept  # the header and the service navigation
    count = len(_RENDERED)
    client.get("/request/start")
    page = client.get("/request/right").get_data(as_text=True)
    assert "Frame Once Service" in page
    assert len(_RENDERED) == count  # nothing new: the same frame again
