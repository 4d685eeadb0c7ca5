"""The baseline the portal is measured against: a bare Flask + Flask-SQLAlchemy app on the same
database, with nothing of the portal's (no sessions, forms, CSRF, workflow or audit).

POST /insert: insert one row and commit (the floor for a resident's final submission).
GET /page: 25 requests by primary key, rendered as a table (the floor for a queue page).
"""

import os
from datetime import UTC, datetime

from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, DateTime, String, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class BareRow(Base):
    __tablename__ = "bench_bare_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    answers: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


PAGE = """<table>{% for r in rows %}<tr><td>{{ r.reference }}</td><td>{{ r.state }}</td>
<td>{{ r.due_date }}</td></tr>{% endfor %}</table>"""


def create_bare_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db = SQLAlchemy(model_class=Base)
    db.init_app(app)
    with app.app_context():
        Base.metadata.create_all(db.engine)

    @app.post("/insert")
    def insert():
        db.session.add(
            BareRow(reference="DR-BARE-0001", answers={"right": "access"}, created_at=_now())
        )
        db.session.commit()
        return "created", 201

    @app.get("/page")
    def page():
        rows = db.session.execute(
            text("SELECT reference, state, due_date FROM data_request ORDER BY id LIMIT 25")
        ).all()
        return render_template_string(PAGE, rows=rows)

    @app.get("/ready")
    def ready():
        db.session.execute(select(1))
        return "ok"

    return app


def _now() -> datetime:
    return datetime.now(UTC)
