"""Security headers for every response, and a CSP nonce for the one inline script GOV.UK
Frontend's page template needs."""

import secrets

from flask import Flask, g, request


def _csp(nonce: str) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
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
        h["Content-Security-Policy"] = _csp(g.get("csp_nonce", ""))
        h["X-Content-Type-Options"] = "nosniff"
        h["X-Frame-Options"] = "DENY"
        h["Referrer-Policy"] = "no-referrer"
        h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        h["Cross-Origin-Opener-Policy"] = "same-origin"
        if app.config["PRODUCTION"]:
            h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Pages can hold personal data: never cache them. Static assets may be cached.
        if not request.path.startswith("/static/"):
            h["Cache-Control"] = "no-store"
        return response


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
