"""Security headers for every response, and a CSP nonce for the one inline script GOV.UK
Frontend's page template needs."""

import secrets
from pathlib import Path

from flask import Flask, g, request


def _csp(nonce: str | None) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'" if nonce else "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(production: bool, nonce: str | None = None) -> dict[str, str]:
    """The headers every response carries, pages and static files alike."""
    headers = {
        "Content-Security-Policy": _csp(nonce),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def init_security(app: Flask) -> None:
    @app.before_request
    def make_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.context_processor
    def nonce():
        return {"cspNonce": g.get("csp_nonce")}

    @app.after_request
    def headers(response):
        h = response.headers
        h.update(security_headers(app.config["PRODUCTION"], g.get("csp_nonce", "")))
        # Pages can hold personal data: never cache them. Static files are served (and their
        # caching decided) by WhiteNoise in front of the app: see init_static_files.
        if not request.path.startswith("/static/"):
            h["Cache-Control"] = "no-store"
        return response


# A year: fingerprinted names never change content, so browsers need not ask again.
IMMUTABLE = "public, max-age=31536000, immutable"


def init_static_files(app: Flask) -> None:
    """WhiteNoise serves static/ in front of the app: the brotli or gzip variant the browser
    accepts, fingerprinted names cached for a year, plain names revalidated each time, and
    the same security headers as the pages."""
    from whitenoise import WhiteNoise

    from portal.assets import is_fingerprinted, load_manifest

    static_dir = Path(app.static_folder)
    app.extensions["asset_manifest"] = load_manifest(static_dir)
    static_headers = security_headers(app.config["PRODUCTION"])

    def add_headers(headers, path, url):
        headers["Cache-Control"] = IMMUTABLE if is_fingerprinted(url) else "no-cache"
        for name, value in static_headers.items():
            headers[name] = value

    app.wsgi_app = WhiteNoise(
        app.wsgi_app,
        root=str(static_dir),
        prefix=app.static_url_path.lstrip("/") + "/",
        add_headers_function=add_headers,
        allow_all_origins=False,
    )


MB = 1024 * 1024


def init_upload_limits(app: Flask) -> None:
    """Most forms may post MAX_CONTENT_LENGTH (one 10MB file); the evidence form (ten files)
    and the disclosure pack's file form (up to the pack's total) may post more. Registered
    before CSRF protection, which reads the form first."""
    limits = {
        "public.track_answer": 10 * 10 * MB + MB,
        "staff.pack_file_add": app.config["PACK_MAX_MB"] * MB + MB,
    }

    @app.before_request
    def _upload_limit():
        limit = limits.get(request.endpoint)
        if limit:
            request.max_content_length = limit
