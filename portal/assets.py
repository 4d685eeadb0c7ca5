"""Static files: fingerprinted, pre-compressed copies made at build time, and the manifest the
templates read to link to them.

`python -m portal.assets` (run by `make assets`) copies every file under `static/` (except
`static/build/` itself) to `static/build/` with a hash of its content in its name
(`govuk/portal.min.css` -> `build/govuk/portal.min.3f2a9c01b7d4.css`), rewrites the references one
file makes to another (`init.js` imports GOV.UK Frontend's module; a stylesheet's `url()`s) to
the fingerprinted names, writes gzip and brotli variants with WhiteNoise's compressor, and
writes `static/build/manifest.json`. The output is committed, like `static/govuk/`, so the
portal needs no build step (and no Node) to run.

At run time WhiteNoise serves `static/` (picking the `.br` or `.gz` variant the browser
accepts), and a fingerprinted name is cached for a year as immutable: its content can never
change under that name. `static_url(name)` in a template gives the fingerprinted URL, or the
plain one when the manifest does not list the file (a file added since the last build).
"""

import hashlib
import json
import posixpath
import re
import shutil
import sys
from pathlib import Path

BUILD_DIR = "build"
MANIFEST = "manifest.json"
HASH_LENGTH = 12
# A fingerprinted name: `portal.min.3f2a9c01b7d4.css`.
FINGERPRINTED = re.compile(r"\.[0-9a-f]{" + str(HASH_LENGTH) + r"}\.[A-Za-z0-9]+$")
# References between files that are rewritten: JavaScript module specifiers and CSS url()s.
_JS_IMPORT = re.compile(r"""((?:\bfrom|\bimport)\s*\(?\s*["'])([^"']+)(["'])""")
_CSS_URL = re.compile(r"""(url\(\s*["']?)([^"')]+)(["']?\s*\))""")
_TEXT_TYPES = {".js": _JS_IMPORT, ".mjs": _JS_IMPORT, ".css": _CSS_URL}
# Files whose compressed variants are left to the build (already compressed or tiny).
_SKIP = {".gz", ".br"}
_URL_PREFIX = "/static/"


def fingerprinted_name(name: str, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, dot, ext = name.rpartition(".")
    if not dot or "/" in ext:
        return f"{name}.{digest}"
    return f"{stem}.{digest}.{ext}"


def _sources(static_dir: Path) -> list[str]:
    names = []
    for path in sorted(static_dir.rglob("*")):
        rel = path.relative_to(static_dir).as_posix()
        if path.is_file() and not rel.startswith(BUILD_DIR + "/") and path.suffix not in _SKIP:
            names.append(rel)
    return names


def _target(name: str, ref: str) -> str | None:
    """The source file a reference in `name` points at, or None (external, data: etc.)."""
    if ref.startswith(("data:", "http:", "https:", "//", "#")):
        return None
    if ref.startswith(_URL_PREFIX):
        return ref[len(_URL_PREFIX) :]
    if ref.startswith("/"):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), ref))


def build(static_dir: Path, quiet: bool = True) -> dict[str, str]:
    """Rebuild `static_dir/build/` and return the manifest (source name -> served name)."""
    from whitenoise.compress import Compressor

    out = static_dir / BUILD_DIR
    shutil.rmtree(out, ignore_errors=True)
    sources = _sources(static_dir)
    contents = {name: (static_dir / name).read_bytes() for name in sources}
    references = {}
    for name in sources:
        pattern = _TEXT_TYPES.get(Path(name).suffix)
        refs = set()
        if pattern:
            for match in pattern.finditer(contents[name].decode("utf-8")):
                target = _target(name, match.group(2))
                if target in contents and target != name:
                    refs.add(target)
        references[name] = refs

    manifest: dict[str, str] = {}
    pending = list(sources)
    while pending:
        ready = [n for n in pending if references[n] <= manifest.keys()]
        if not ready:
            raise ValueError(f"static files refer to each other in a circle: {pending}")
        for name in ready:
            content = _rewrite(name, contents[name], manifest) if references[name] else None
            content = contents[name] if content is None else content
            served = f"{BUILD_DIR}/{fingerprinted_name(name, content)}"
            path = static_dir / served
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            manifest[name] = served
            pending.remove(name)

    compressor = Compressor(quiet=quiet)
    for served in manifest.values():
        for _ in compressor.compress(str(static_dir / served)):
            pass
    (out / MANIFEST).write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    return manifest


def _rewrite(name: str, content: bytes, manifest: dict[str, str]) -> bytes:
    pattern = _TEXT_TYPES[Path(name).suffix]
    here = f"{BUILD_DIR}/{posixpath.dirname(name)}".rstrip("/")

    def replace(match: re.Match) -> str:
        ref = match.group(2)
        target = _target(name, ref)
        if target not in manifest:
            return match.group(0)
        served = manifest[target]
        if ref.startswith(_URL_PREFIX):
            new = _URL_PREFIX + served
        else:
            new = posixpath.relpath(served, here)
            if not new.startswith("."):
                new = "./" + new
        return match.group(1) + new + match.group(3)

    return pattern.sub(replace, content.decode("utf-8")).encode("utf-8")


def load_manifest(static_dir: Path) -> dict[str, str]:
    """The built manifest, or an empty one (every file then served under its plain name)."""
    try:
        return json.loads((static_dir / BUILD_DIR / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}


def is_fingerprinted(url: str) -> bool:
    return bool(FINGERPRINTED.search(url))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    static_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "static"
    manifest = build(static_dir)
    for source, served in manifest.items():
        print(f"{source} -> {served}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
