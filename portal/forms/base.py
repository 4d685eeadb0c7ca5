"""The one base class of every form in the portal: whatever is posted, each field sees only
what it can take.

- A file part sent in a text, date, choice or password field is ignored (the field is then
  empty, and says so), so no validator is handed a file.
- Only text reaches a field that is not a file field (a JSON body's numbers, lists or objects
  are ignored the same way).
- A multiple-choice field given the same value twice (the same service twice) sees it once.
"""

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage, MultiDict
from wtforms import FileField, SelectMultipleField


class GovForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            data = super().wrap_formdata(form, formdata)
            if data is None:
                return None
            fields = getattr(form, "_fields", {})
            files = {name for name, field in fields.items() if isinstance(field, FileField)}
            sets = {name for name, f in fields.items() if isinstance(f, SelectMultipleField)}
            clean = MultiDict()
            for key in data:
                kept = []
                for value in data.getlist(key):
                    if isinstance(value, FileStorage):
                        if key not in files:
                            continue
                    elif not isinstance(value, str) or key in sets and value in kept:
                        continue
                    kept.append(value)
                clean.setlist(key, kept)
            return clean
