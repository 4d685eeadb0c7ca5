"""Three of Jinja's own steps done the same way with less work, because the GOV.UK macros lean
on them hard: together they were about a fifth of the server's CPU over a resident's journey
(`make bench`). The HTML is byte-for-byte what Jinja makes (tests/unit/test_template_speed.py).

- `indent` on Markup: Jinja splits the HTML into Markup lines and joins them back as Markup,
  making and escaping a Markup object for every line of every component. The lines are already
  safe, so indenting the plain text and marking the result safe once gives the same string.
- `{% from ... import %}`: on every import Jinja works out which of the importing page's
  globals the imported template lacks, a set difference against a ChainMap written in Python
  (about 25 lookups per import, 30 imports a page). The same difference taken by `set` itself.
- `params.classes` on a plain dict: Jinja tries the attribute first, so every key a macro reads
  (and every one it finds missing) raised and caught AttributeError before the lookup. A plain
  dict has no attributes but those of its class: for any other name, the key is looked up first.
"""

from flask.templating import Environment
from jinja2 import Template
from jinja2.filters import do_indent
from markupsafe import Markup


def indent(s, width=4, first: bool = False, blank: bool = False):
    if isinstance(s, Markup):
        return Markup(do_indent(str(s), width, first, blank))  # noqa: S704 (s was safe already)
    return do_indent(s, width, first, blank)


class ImportingTemplate(Template):
    def _get_default_module(self, ctx=None):
        # Jinja 3.1's own method, but for how `keys` is worked out.
        if self.environment.is_async:
            raise RuntimeError("Module is not available in async mode.")
        if ctx is not None:
            keys = ctx.globals_keys.difference(self.globals)
            if keys:
                return self.make_module({k: ctx.parent[k] for k in keys})
        if self._module is None:
            self._module = self.make_module()
        return self._module


_DICT_ATTRIBUTES = frozenset(dir(dict))


class PortalEnvironment(Environment):
    """Flask's Jinja environment with the three steps above (`app.jinja_environment`)."""

    template_class = ImportingTemplate

    def __init__(self, app, **options):
        super().__init__(app, **options)
        self.filters["indent"] = indent

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)
