"""HTML pieces shared by the report's pages: escaping, tables, the style sheet, the inlined Vega scripts and
atomic writes."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path

VENDOR = Path(__file__).parent / "vendor"
SCRIPTS = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js")

STYLE = """
body { font-family: DejaVu Sans, Liberation Sans, Arial, sans-serif; color: #222; margin: 0 auto;
       max-width: 1240px; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.2em; margin: 0 0 0.2em; }
figure, section.block { margin: 28px 0; padding: 12px 16px; border: 1px solid #ddd; border-radius: 4px; }
figcaption p, .meta, .note, .alt { color: #555; font-size: 0.9em; margin: 0.2em 0 0.8em; }
.empty { font-style: italic; color: #555; padding: 1em; background: #f7f7f7; }
details { margin-top: 8px; font-size: 0.85em; }
table { border-collapse: collapse; margin-top: 6px; }
th, td { border: 1px solid #ddd; padding: 2px 8px; text-align: left; vertical-align: top; }
nav a { margin-right: 1em; }
#coverage { margin: 16px 0 0; padding: 8px 16px; background: #f5f7fa; border-left: 4px solid #4e79a7; }
#coverage p { margin: 0.3em 0; font-size: 0.92em; }
#filters { position: sticky; top: 0; z-index: 5; background: #fff; padding: 8px 0;
           border-bottom: 1px solid #ddd; display: flex; flex-wrap: wrap; gap: 12px; align-items: end;
           font-size: 0.9em; }
#filters label { display: flex; flex-direction: column; gap: 2px; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; border: 1px solid #555; margin-right: 0.35em;
          vertical-align: -0.1em; }
.view { max-width: 100%; overflow-x: auto; }
.scroll { max-height: 26em; overflow-y: auto; }
td ul { margin: 0; padding-left: 1.1em; }
.back { font-size: 0.9em; }
main > section { margin: 24px 0; }
"""


def esc(value: object) -> str:
    """Text from the data, safe inside HTML, attributes included."""
    return escape("" if value is None else str(value), quote=True)


@dataclass(frozen=True)
class Link:
    """A table cell that links to `href` (shown as plain text when there is none)."""

    text: object
    href: str | None


def cell(value: object) -> str:
    if isinstance(value, Link):
        return f'<a href="{esc(value.href)}">{esc(value.text)}</a>' if value.href else esc(value.text)
    if isinstance(value, Raw):
        return value.html
    return esc(value)


@dataclass(frozen=True)
class Raw:
    """A cell that is HTML already (escaped by whoever made it)."""

    html: str


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    summary: str | None = "The figures as a table",
    row_attributes: Sequence[Mapping[str, object]] | None = None,
    table_id: str | None = None,
) -> str:
    """A table of cells (a `Link` links, `Raw` is HTML); folded under `summary` unless that is None."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = []
    for index, row in enumerate(rows):
        extra = row_attributes[index] if row_attributes else {}
        attributes = "".join(f' data-{name}="{esc(value)}"' for name, value in extra.items())
        body.append(f"<tr{attributes}>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>")
    identity = f' id="{table_id}"' if table_id else ""
    html = f"<table{identity}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f"<details><summary>{esc(summary)}</summary>{html}</details>" if summary else html


def empty(message: str) -> str:
    return f'<p class="empty" role="status">{esc(message)}</p>'


@cache
def vendor_scripts() -> str:
    """Vega, Vega-Lite and vega-embed, inline: the page opens from disk with no network. Their source-map
    comments are dropped (a browser's tools would look for the map beside the page)."""
    parts = []
    for name in SCRIPTS:
        text = (VENDOR / name).read_text(encoding="utf-8")
        text = re.sub(r"//# sourceMappingURL=\S+\s*$", "", text)
        parts.append(f"<script>/* {name}: see vendor/LICENSE-{name.split('.')[0]} */\n{text}\n</script>")
    return "\n".join(parts)


def json_script(element_id: str, value: object, **attributes: str) -> str:
    """`value` as JSON inside a script element that is never run: `<`, `>` and `&` escaped so nothing in the
    data can close the element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    extra = "".join(f' data-{name}="{esc(v)}"' for name, v in attributes.items())
    return f'<script type="application/json" id="{element_id}"{extra}>{text}</script>'


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def document(title: str, body: str, head: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style>{head}</head><body>{body}</body></html>\n"
    )
