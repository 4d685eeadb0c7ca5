"""The data-rights self-service portal."""

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import template_speed
from portal.clock import SYSTEM_CLOCK
from portal.config import (
    ROOT,
    ConfigError,
    check_notify_config,
    check_scanner_config,
    load_config,
)
from portal.content import category_keys, purpose_keys
from portal.domain.passwords import HASHER, PRODUCTION_PARAMETERS, weaker_than_production
from portal.domain.scanning import scanner_from_config
from portal.domain.sealing import CODE_SEAL
from portal.extensions import csrf, db, limiter, login_manager, migrate
from portal.logging_setup import init_request_logging
from portal.numbers import SafeIntConverter
from portal.security import init_security, init_static_files, init_upload_limits
from portal.sessions import init_sessions
from portal.workflow import load_workflow
from portal.workflow.retention import load_retention


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.update(load_config(instance=ROOT / "instance"))
    app.config.update(overrides or {})
    # Before any route is added: `<int:...>` takes ASCII digits within 64 bits, else 404.
    app.url_map.converters["int"] = SafeIntConverter

    # A bad workflow definition stops the app here, naming the file, key and problem.
    app.extensions["workflow"] = load_workflow(
        app.config["WORKFLOW_DIR"], category_keys(), purpose_keys()
    )
    # So does a bad retention schedule (workflows/retention.yaml).
    app.extensions["retention"] = load_retention(app.config["WORKFLOW_DIR"])
    # The one clock every page, command and domain call reads (tests may swap it).
    app.extensions["clock"] = SYSTEM_CLOCK
    check_notify_config(app.config, app.extensions["workflow"].messages)
    # Every upload is scanned by this (ClamAV when CLAMD_SOCKET or CLAMD_HOST is set).
    check_scanner_config(app.config)
    app.extensions["scanner"] = scanner_from_config(app.config)
    # The test suite sets a cheap argon2 cost here (an argon2.Parameters); production may not.
    hashing = app.config.setdefault("PASSWORD_HASH_PARAMETERS", PRODUCTION_PARAMETERS)
    if app.config["PRODUCTION"] and weaker_than_production(hashing):
        raise ConfigError("PASSWORD_HASH_PARAMETERS is cheaper than argon2's RFC 9106 profile")
    HASHER.use(hashing)
    # One-time codes are sealed in the outbox with a key from SECRET_KEY; the sender opens them.
    CODE_SEAL.use(app.config["SECRET_KEY"])

    app.jinja_environment = template_speed.PortalEnvironment  # before jinja_env is first made
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    init_upload_limits(app)
    init_sessions(app, db)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    WTFormsHelpers(app)
    init_security(app)
    init_static_files(app)

    from portal import template_helpers
    from portal.cli import register_cli
    from portal.errors import register_errors
    from portal.notify.callbacks import callbacks
    from portal.public import public
    from portal.staff import staff

    template_helpers.init_app(app)
    app.register_blueprint(public)
    app.register_blueprint(callbacks)
    app.register_blueprint(staff)
    register_errors(app)
    init_request_logging(app)
    if app.config.get("TRUSTED_PROXIES"):
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)
    register_cli(app)
    return app
