"""Server-side sessions, one cookie for residents and another for staff.

The cookie holds only a random 256-bit token. What the session holds (the draft's id, the CSRF
token, the signed-in member of staff, the queue's search text...) lives server-side: in the
`web_session` table by default, or in Redis when `SESSION_REDIS_URL` is set. Records are keyed
by the token's SHA-256, so a copy of the store gives nobody a session. Clearing the session
(sign-in, sign-out, a new request) deletes the record and issues a new token, so a copy of the
old cookie leads nowhere: signing out really ends the session on the server.

Staff pages (`/staff/...`) use the staff cookie, every other page the resident cookie, so the
two never share a session (or a CSRF token). In production both names carry the `__Host-`
prefix: the browser then only accepts them Secure, for the whole site and for this host alone.
"""

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, Request
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import delete, insert, select, update
from werkzeug.datastructures import CallbackDict

from portal.models import WebSession

STAFF_PREFIX = "/staff"
SERIALIZER = TaggedJSONSerializer()
# A session whose record was written less than this long ago is not written again just to push
# its expiry back (a page view that changed nothing costs one read, not a write).
TOUCH_AFTER = timedelta(minutes=1)


def resident_lifetime(app: Flask) -> timedelta:
    return timedelta(minutes=app.config["RESIDENT_SESSION_MINUTES"])


def area_of(request: Request) -> str:
    path = request.path
    return "staff" if path == STAFF_PREFIX or path.startswith(STAFF_PREFIX + "/") else "resident"


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial=None, token=None, created=None, expires=None):
        def on_update(this):
            this.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.created = created
        self.expires = expires
        self.modified = False
        self.rotate = False
        self.accessed = False

    # Read access marks the response as varying by cookie, as Flask's own session does.
    def __getitem__(self, key):
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.accessed = True
        return super().get(key, default)

    def setdefault(self, key, default=None):
        self.accessed = True
        return super().setdefault(key, default)

    def clear(self):
        # Whoever clears the session (signing in, signing out, starting afresh) gets a new token,
        # and the old one stops working.
        super().clear()
        self.rotate = True


class DatabaseStore:
    def __init__(self, db):
        self.db = db

    def load(self, key: str, area: str, now: datetime):
        # Read on the request's own database connection rather than a second one from the
        # pool: one checkout (and its liveness ping) per page instead of two. A plain read, so
        # the page's transaction is not changed by it.
        row = (
            self.db.session.connection()
            .execute(
                select(WebSession.data, WebSession.created_at, WebSession.expires_at).where(
                    WebSession.id == key, WebSession.area == area
                )
            )
            .first()
        )
        if row is None:
            return None
        created, expires = _aware(row.created_at), _aware(row.expires_at)
        if expires <= now:
            self.delete(key)
            return None
        return row.data, created, expires

    def save(self, key, area, data: str, created, expires, new: bool, now) -> None:
        with self.db.engine.begin() as conn:
            if new:
                conn.execute(
                    insert(WebSession).values(
                        id=key, area=area, data=data, created_at=created, expires_at=expires
                    )
                )
            else:
                conn.execute(
                    update(WebSession)
                    .where(WebSession.id == key)
                    .values(data=data, expires_at=expires)
                )

    def delete(self, key: str) -> None:
        with self.db.engine.begin() as conn:
            conn.execute(delete(WebSession).where(WebSession.id == key))


class RedisStore:
    """One key per session with a time to live; Redis forgets it when it expires."""

    def __init__(self, url: str, prefix: str):
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def _name(self, key):
        return f"{self.prefix}:session:{key}"

    def load(self, key, area, now):
        raw = self.redis.get(self._name(key))
        if raw is None:
            return None
        record = json.loads(raw)
        if record["area"] != area:
            return None
        created = datetime.fromisoformat(record["created"])
        expires = datetime.fromisoformat(record["expires"])
        if expires <= now:
            self.delete(key)
            return None
        return record["data"], created, expires

    def save(self, key, area, data, created, expires, new, now):
        record = {
            "area": area,
            "data": data,
            "created": created.isoformat(),
            "expires": expires.isoformat(),
        }
        ttl = max(1, int((expires - now).total_seconds()) + 1)
        self.redis.set(self._name(key), json.dumps(record), ex=ttl)

    def delete(self, key):
        self.redis.delete(self._name(key))


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ServerSessionInterface(SessionInterface):
    def __init__(self, store):
        self.store = store

    # --- which cookie, how long ------------------------------------------------------------

    def cookie_name(self, app: Flask, area: str) -> str:
        key = "STAFF_SESSION_COOKIE_NAME" if area == "staff" else "SESSION_COOKIE_NAME"
        return app.config[key]

    def _now(self, app) -> datetime:
        return app.extensions["clock"].now()

    def _expires(self, app, area: str, created: datetime, now: datetime) -> datetime:
        """Sliding: a resident's RESIDENT_SESSION_MINUTES after the last request. A staff session
        is signed out after STAFF_IDLE_MINUTES idle, or STAFF_SESSION_HOURS after sign-in, by the
        access check, which says why: its record (PERMANENT_SESSION_LIFETIME after the last
        request) never outlives that by more than the idle time in any case."""
        if area == "resident":
            return now + resident_lifetime(app)
        expires = now + app.permanent_session_lifetime
        if area == "staff":
            cap = timedelta(
                hours=app.config["STAFF_SESSION_HOURS"], minutes=app.config["STAFF_IDLE_MINUTES"]
            )
            expires = min(expires, created + cap)
        return expires

    # --- Flask's interface ---------------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if app.static_url_path and request.path.startswith(app.static_url_path + "/"):
            return ServerSession()  # stylesheets and scripts need no session: no store read
        area = area_of(request)
        token = request.cookies.get(self.cookie_name(app, area))
        if token and 20 <= len(token) <= 100:
            found = self.store.load(_key(token), area, self._now(app))
            if found is not None:
                data, created, expires = found
                try:
                    values = SERIALIZER.loads(data)
                except (ValueError, TypeError):
                    values = None
                if isinstance(values, dict):
                    return ServerSession(values, token=token, created=created, expires=expires)
        return ServerSession()

    def save_session(self, app: Flask, session: ServerSession, response) -> None:
        from flask import request

        area = area_of(request)
        name = self.cookie_name(app, area)
        options = {
            "domain": self.get_cookie_domain(app),
            "path": "/",
            "secure": self.get_cookie_secure(app),
            "httponly": True,
            "samesite": self.get_cookie_samesite(app),
        }
        if session.accessed or session.modified:
            response.vary.add("Cookie")
        if session.rotate and session.token:
            self.store.delete(_key(session.token))
            session.token = None
        if not session:
            if session.rotate or (session.modified and session.token):
                if session.token:
                    self.store.delete(_key(session.token))
                response.delete_cookie(name, **options)
            return
        now = self._now(app)
        new = session.token is None
        if new:
            session.token = secrets.token_urlsafe(32)
            session.created = now
        expires = self._expires(app, area, session.created, now)
        stale = session.expires is None or expires - session.expires >= TOUCH_AFTER
        if new or session.modified or stale:
            self.store.save(
                _key(session.token),
                area,
                SERIALIZER.dumps(dict(session)),
                session.created,
                expires,
                new,
                now,
            )
        if new:
            response.set_cookie(name, session.token, **options)


def init_sessions(app: Flask, db) -> None:
    url = app.config.get("SESSION_REDIS_URL")
    store = RedisStore(url, app.config["RATELIMIT_KEY_PREFIX"]) if url else DatabaseStore(db)
    app.session_interface = ServerSessionInterface(store)
