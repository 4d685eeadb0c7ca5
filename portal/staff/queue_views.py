"""The queue and a caseworker's open service searches. Thin: parse the filters, call one query,
render."""

from flask import redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from portal.domain.queue import COUNTED, DIRECTIONS, FLAGS, SORTS, search_queue
from portal.domain.searches import open_searches
from portal.numbers import MAX_PAGE, whole_number
from portal.rights import STAFF_CASE_LABELS
from portal.runtime import definition, domain_context
from portal.staff import forms
from portal.staff.access import REQUEST_ROLES, actor, staff_required
from portal.staff.staff_blueprint import staff
from portal.staff.views import _assignable

# A name typed into the search box is personal data: it is posted, kept in the session and never
# put in a URL, where it would reach access logs and browser history. The other filters are not
# personal and stay in the URL, so a filtered queue can be bookmarked; `search=1` there says the
# session's search applies (following the menu's link to the queue drops it).
SEARCH_SESSION_KEY = "queue_search"
URL_FILTERS = ("state", "right", "service", "assignee", "flag", "sort", "dir")
# Filters shown as removable tags ("Right: Access"); the order is shown by the headers instead.
TAGGED = ("state", "right", "service", "assignee", "flag")

FLAG_LABELS = {
    "overdue": "Overdue",
    "due_soon": "Due within 5 working days",
    "paused": "Waiting on the requester",
    "new": "New: not opened yet",
    "updated": "Updated by the requester",
}
# The counts above the queue, as their cards name them.
COUNT_LABELS = {
    "overdue": "Overdue",
    "due_soon": "Due soon",
    "new": "New",
    "paused": "Waiting on the requester",
}
# The sortable columns: (header, sort key).
SORTABLE = {"reference": "Reference", "received": "Received", "due": "Due"}


@staff.route("/requests", methods=["GET", "POST"])
@staff_required(*REQUEST_ROLES)
def queue():
    if request.method == "POST":
        args = {k: v for k in URL_FILTERS if (v := request.form.get(k, "").strip())}
        search = request.form.get("q", "").strip()[:200]
        if search:
            session[SEARCH_SESSION_KEY] = search
            args["search"] = "1"
        else:
            session.pop(SEARCH_SESSION_KEY, None)
        return redirect(url_for("staff.queue", **args))
    if not request.args.get("search"):
        session.pop(SEARCH_SESSION_KEY, None)
    data = MultiDict({k: v for k, v in request.args.items() if k in URL_FILTERS})
    data["q"] = session.get(SEARCH_SESSION_KEY, "")
    form = forms.QueueForm(data)
    wf = definition()
    form.state.choices = [("open", "All open"), ("all", "All, including closed")] + [
        (name, s.staff_label) for name, s in wf.states.items()
    ]
    # Staff words: "Access", not the resident's "a copy of your information".
    form.right.choices = [("", "Any right or complaint")] + list(STAFF_CASE_LABELS.items())
    services = wf.routing.services
    me = actor()
    mine = services if me.role == "dpo" else {c: services[c] for c in me.services}
    form.service.choices = [("", "Any service")] + [(c, s.name) for c, s in mine.items()]
    form.assignee.choices = [("", "Anyone"), ("me", "Me"), ("none", "Not assigned")] + [
        (str(u.id), u.full_name) for u in _assignable()
    ]
    form.flag.choices = [("", "Any")] + [(f, FLAG_LABELS[f]) for f in FLAGS]
    filters = form.filters(whole_number(request.args.get("page"), 1, MAX_PAGE))
    result = search_queue(domain_context(), me, filters)
    args = {k: v for k, v in request.args.items() if k in (*URL_FILTERS, "search") and v}
    return render_template(
        "staff/queue.html",
        title="Assigned to me" if filters.assignee == "me" else "Requests",
        form=form,
        result=result,
        page_url=lambda n: url_for("staff.queue", page=n, **args),
        tags=_tags(form, args),
        headers=_headers(filters, args),
        counts=[
            (name, COUNT_LABELS[name], result.counts.get(name, 0), _flag_url(name, args))
            for name in COUNTED
        ],
        search_text=data["q"] if args.get("search") else "",
        clear_search_url=url_for("staff.queue", **_without(args, "search")),
        view="mine" if filters.assignee == "me" else "all",
        states=wf.states,
        services=services,
        staff_page=True,
    )


def _without(args: dict, *names) -> dict:
    return {k: v for k, v in args.items() if k not in names and k != "page"}


def _flag_url(flag: str, args: dict) -> str:
    """A count's link: the open requests with that flag, keeping who they are assigned to."""
    kept = {k: v for k, v in args.items() if k in ("assignee", "sort", "dir")}
    return url_for("staff.queue", flag=flag, **kept)


def _tags(form, args: dict) -> list[dict]:
    """One removable tag per filter in use: its label and the queue without it."""
    tags = []
    for name in TAGGED:
        value = args.get(name)
        if not value or (name == "state" and value == "open"):
            continue
        field = form[name]
        text = dict(field.choices).get(value, value)
        tags.append(
            {
                "heading": field.label.text,
                "text": text,
                "href": url_for("staff.queue", **_without(args, name)),
            }
        )
    return tags


def _headers(filters, args: dict) -> dict[str, dict]:
    """Each sortable column's link (by it, or the other way round when it is the order now)
    and its aria-sort value."""
    sort, direction = filters.order
    out = {}
    for key, text in SORTABLE.items():
        if key == sort:
            aria = "ascending" if direction == "asc" else "descending"
            flip = DIRECTIONS[1] if direction == DIRECTIONS[0] else DIRECTIONS[0]
        else:
            aria, flip = "none", SORTS[key]
        href = url_for("staff.queue", **{**_without(args, "sort", "dir"), "sort": key, "dir": flip})
        out[key] = {"text": text, "aria": aria, "href": href}
    return out


@staff.route("/searches")
@staff_required(*REQUEST_ROLES)
def searches():
    page = open_searches(
        domain_context(), actor(), whole_number(request.args.get("page"), 1, MAX_PAGE)
    )
    return render_template(
        "staff/searches.html",
        title="Open service searches",
        result=page,
        page_url=lambda n: url_for("staff.searches", page=n),
        services=definition().routing.services,
        view="searches",
        staff_page=True,
    )
