from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

PAGES = {
    400: "Sorry, there is a problem with your request",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "Sorry, there is a problem with your request",
    413: "The file is too big",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def register_errors(app: Flask) -> None:
    def page(code):
        def handler(error):
            return render_template(f"errors/{code}.html", title=PAGES[code]), code

        return handler

    for code in PAGES:
        app.register_error_handler(code, page(code))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/csrf.html", title="Your session has ended"), 400
