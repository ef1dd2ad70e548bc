"""The published warehouse in pictures: `report/index.html` beside the published file, one page that opens
from disk in any browser with no network, and a page per authority in `report/authorities/`.

The charts are Vega-Lite specifications written with Altair (charts.py), drawn in the browser by Vega, whose
JavaScript is inlined into the page (vendor/, fetched by vendor/fetch.sh). A filter bar above them sets the
region, the framework, a span of years and a council's name on every chart and on the list of councils at
once; hovering over a mark shows its figures; clicking an authority on the grid opens its page. Each chart
keeps a text alternative in words and its figures as a table under it, and says so in words when there is
nothing to draw. Every text that comes from the data is escaped.

Documents are linked at Ofsted's address where the warehouse knows it, else relative to the page, to their
copy in `documents/` beside the published file (lib/outputs/documents.py): the folder holding the published
file can be shared and its links still open.

The page is built from the published file, the same data analysts see, attached read-only to a fresh
in-memory database. It is written beside its final name and renamed into place, after the authority pages,
so a browser never sees half a page and a current index means current pages.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.outputs.documents import cited_files, document_href, publish_documents
from orchestration.lib.outputs.report.authorities import AUTHORITIES_DIR, grade_swatch, write_authority_pages
from orchestration.lib.outputs.report.charts import (
    ALL,
    GRADE_FILL,
    VISIT_STYLES,
    Chart,
    all_charts,
    filter_options,
)
from orchestration.lib.outputs.report.data import (
    FRAMEWORKS,
    NO_GRADE,
    RECONCILIATION_FRAMEWORKS,
    ReportData,
    authority_page,
    fmt_date,
    latest_inspections,
    listed_authorities,
    plural,
    read_report_data,
)
from orchestration.lib.outputs.report.markup import (
    Link,
    Raw,
    document,
    empty,
    esc,
    json_script,
    table,
    vendor_scripts,
    write_atomically,
)
from orchestration.lib.publish.publication import attach_published

REPORT_FILE = "index.html"

# what other parts of the project (the CLIs, the run summary, the vocabulary tests) use from here
__all__ = [
    "AUTHORITIES_DIR",
    "FRAMEWORKS",
    "GRADE_FILL",
    "VISIT_STYLES",
    "REPORT_FILE",
    "ReportResult",
    "attach_published",
    "build_report",
    "read_report_data",
    "render_report",
    "report_is_current",
]

# The page's own script: draws each chart from its JSON specification and applies the filter bar to every
# chart (as Vega signals) and to the list of councils. Vega's warnings are not logged: a filter that leaves a
# chart empty is an answer, not a fault (Vega warns of its empty scale). It records on <body> how many
# charts were drawn and each filter it applied, which the browser test reads.
SCRIPT = """
(function () {
  const state = {region: "All", framework: "All", year_from: 0, year_to: 9999, search: ""};
  const views = {};
  const body = document.body;
  function keep(d) {
    const year = d.year === "" ? null : Number(d.year);
    return (state.region === "All" || d.region === state.region)
      && (state.framework === "All" || d.framework === state.framework)
      && (year === null || (year >= state.year_from && year <= state.year_to))
      && (state.search === "" || d.authority.toLowerCase().includes(state.search.toLowerCase()));
  }
  function apply() {
    const runs = Object.values(views).map(function (view) {
      for (const [name, value] of Object.entries(state)) view.signal(name, value);
      return view.runAsync();
    });
    let shown = 0;
    for (const row of document.querySelectorAll("#council-list tbody tr")) {
      row.hidden = !keep(row.dataset);
      shown += row.hidden ? 0 : 1;
    }
    document.getElementById("council-count").textContent = shown;
    return Promise.all(runs).then(function () {
      body.dataset.applied = String(Number(body.dataset.applied || 0) + 1);
    });
  }
  function control(id, key, parse) {
    const element = document.getElementById(id);
    if (!element) return;
    element.addEventListener("input", function () { state[key] = parse(element.value); apply(); });
  }
  control("filter-region", "region", String);
  control("filter-framework", "framework", String);
  control("filter-year-from", "year_from", Number);
  control("filter-year-to", "year_to", Number);
  control("filter-search", "search", function (v) { return v.trim(); });
  document.getElementById("filter-reset").addEventListener("click", function () {
    for (const element of document.querySelectorAll("#filters select, #filters input")) {
      element.value = element.dataset.initial;
    }
    Object.assign(state, {region: "All", framework: "All", year_from: 0, year_to: 9999, search: ""});
    apply();
  });
  const drawing = [];
  for (const script of document.querySelectorAll("script[data-chart]")) {
    const id = script.dataset.chart;
    drawing.push(vegaEmbed("#" + id + "-view", JSON.parse(script.textContent),
                           {actions: false, renderer: "svg", logLevel: vega.Error})
      .then(function (result) { views[id] = result.view; }));
  }
  Promise.all(drawing).then(function () {
    body.dataset.chartsDrawn = String(Object.keys(views).length);
    return apply();
  }).catch(function (error) {
    body.dataset.chartError = String(error);
    console.error(error);
  });
})();
"""


@dataclass
class ReportResult:
    path: Path
    published_at: dt.datetime | None
    marks: dict[str, int]  # chart id: number of data rows it draws from
    authority_pages: int = 0  # pages written into authorities/


def coverage(data: ReportData, prefix: str) -> str:
    """What the warehouse holds, in words: a mostly white grid must not read as "never inspected"."""
    current = [a for a in data.authorities if a.is_current]
    reported = {src.authority_id for src in data.sources.values()}
    covered = sum(a.authority_id in reported for a in current)
    lines = [
        f"{covered} of {plural(len(current), 'current authority', 'current authorities')} have at least one "
        f"report loaded; the other {len(current) - covered} have none. A white cell on the grid says the "
        "warehouse holds no graded report of that authority, not that Ofsted never inspected it.",
        f"{plural(data.report_count, 'report')} loaded; {plural(len(data.held_back), 'document')} held back "
        "(read, but a check about the document itself failed, so it is kept out of the tables).",
    ]
    if data.reconciliation is not None:
        counts = data.reconciliation
        listed = sum(n for status, n in counts.items() if status != "not_in_statistics")
        missing = Counter(framework for _, framework, _ in data.missing_events)
        detail = ", ".join(
            f"{n} {RECONCILIATION_FRAMEWORKS.get(f or '', f or 'other')}" for f, n in missing.most_common()
        )
        lines.append(
            f"Ofsted's official statistics list {plural(listed, 'event')}: "
            f"{counts.get('matched', 0)} matched to a loaded report, "
            f"{counts.get('no_report', 0)} with no report loaded yet"
            + (f" ({detail})" if detail else "")
            + f", {counts.get('framework_not_read', 0)} of a framework the warehouse does not read; "
            f"{plural(counts.get('not_in_statistics', 0), 'loaded report')} the statistics do not list."
        )
    else:
        lines.append("This warehouse holds no reconciliation with Ofsted's official statistics.")
    body = "".join(f"<p>{esc(line)}</p>" for line in lines)
    if data.held_back:
        rows = [
            [Link(file, document_href(None, file, prefix=prefix, available=data.documents)), reason or ""]
            for file, reason in data.held_back
        ]
        body += table(["document", "why it is held back"], rows, summary="The documents held back")
    return (
        '<section id="coverage" aria-labelledby="coverage-heading">'
        f'<h2 id="coverage-heading">Coverage</h2>{body}</section>'
    )


def _options(values: list[str], selected: str = ALL) -> str:
    return "".join(
        f'<option value="{esc(v)}"{" selected" if v == selected else ""}>{esc(v)}</option>' for v in values
    )


def filters(data: ReportData) -> str:
    options = filter_options(data)
    years = options["years"]
    span = [str(y) for y in range(years[0], years[1] + 1)] if years else []
    year_from = (
        '<select id="filter-year-from" data-initial="0"><option value="0">earliest</option>'
        + "".join(f'<option value="{y}">{y}</option>' for y in span)
        + "</select>"
    )
    year_to = (
        '<select id="filter-year-to" data-initial="9999"><option value="9999">latest</option>'
        + "".join(f'<option value="{y}">{y}</option>' for y in span)
        + "</select>"
    )
    return (
        '<form id="filters" role="search" aria-label="Filter every chart" onsubmit="return false">'
        f'<label>Region<select id="filter-region" data-initial="{ALL}">{_options([ALL, *options["region"]])}'
        "</select></label>"
        f'<label>Framework<select id="filter-framework" data-initial="{ALL}">'
        f"{_options([ALL, *options['framework']])}</select></label>"
        f"<label>From year{year_from}</label><label>To year{year_to}</label>"
        '<label>Council name<input id="filter-search" type="search" data-initial="" '
        'placeholder="e.g. Surrey" autocomplete="off"></label>'
        '<button type="button" id="filter-reset">Show all</button></form>'
    )


def councils(data: ReportData) -> str:
    """Every authority with its latest grade and a link to its page: what the search box finds by name."""
    latest = latest_inspections(data)
    rows, attributes = [], []
    for authority in listed_authorities(data):
        event = latest.get(authority.authority_id)
        rows.append(
            [
                Link(authority.name, f"{AUTHORITIES_DIR}/{authority_page(authority.authority_id)}"),
                authority.authority_id,
                authority.region,
                Raw(
                    grade_swatch(event.category if event else NO_GRADE)
                    + esc(event.headline if event else NO_GRADE)
                ),
                f"{event.label}, {fmt_date(event.date)}" if event else "",
            ]
        )
        attributes.append(
            {
                "authority": authority.name,
                "region": authority.region,
                "framework": FRAMEWORKS.get(event.framework, event.framework) if event else "",
                "year": event.date.year if event and event.date else "",
            }
        )
    listing = table(
        ["council", "code", "region", "latest grade", "inspection"],
        rows,
        summary=None,
        row_attributes=attributes,
        table_id="council-list",
    )
    return (
        '<section class="block" id="councils" aria-labelledby="councils-heading">'
        '<h2 id="councils-heading">Councils</h2>'
        f'<p class="note"><span id="council-count">{len(rows)}</span> shown: the filters above apply; a '
        "council's name opens its page with every report, its timeline and its neighbours.</p>"
        f'<details open><summary>The list</summary><div class="scroll">{listing}</div></details></section>'
    )


def figure(chart: Chart) -> str:
    caption = (
        f'<figcaption id="{chart.chart_id}-caption"><h2>{esc(chart.heading)}</h2>'
        f"<p>{esc(chart.caption)}</p></figcaption>"
    )
    if chart.spec is None:
        body = empty(chart.empty)
    else:
        body = (
            f'<div class="view" aria-describedby="{chart.chart_id}-alt">'
            f'<div id="{chart.chart_id}-view"></div></div>'
            f'<p class="alt" id="{chart.chart_id}-alt">In words: {esc(chart.description)}</p>'
            + json_script(
                f"{chart.chart_id}-spec",
                {**chart.spec, "description": f"{chart.heading}: {chart.description}"},
                chart=chart.chart_id,
            )
            + table(chart.headers, chart.rows, summary="The figures as a table (all, before any filter)")
        )
    return (
        f'<figure id="{chart.chart_id}" aria-labelledby="{chart.chart_id}-caption">{caption}{body}</figure>'
    )


def render_report(data: ReportData, prefix: str = "../") -> tuple[str, dict[str, int]]:
    """The whole page, and the number of data rows each chart draws from. `prefix` leads from the page's
    folder to the published file's (for the documents folder)."""
    charts = all_charts(data)
    marks = {chart.chart_id: chart.marks for chart in charts}
    published = (
        f"publication of {data.published_at:%Y-%m-%d %H:%M:%S} UTC (run {data.run_id})"
        if data.published_at
        else "the warehouse (no publication recorded)"
    )
    summary = (
        f"{plural(data.report_count, 'report')} loaded: "
        f"{plural(len(data.inspections), 'graded inspection')}, "
        f"{plural(len(data.visits), 'visit letter')}, "
        f"{plural(len(data.recommendations), 'recommendation')}."
    )
    nav = '<a href="#coverage">coverage</a><a href="#councils">councils</a>' + "".join(
        f'<a href="#{chart.chart_id}">{esc(chart.chart_id.removeprefix("chart-"))}</a>' for chart in charts
    )
    body = (
        "<header><h1>Ofsted inspections of local authority children's services</h1>"
        f'<p class="meta">Built from the {esc(published)}. {esc(summary)}</p>'
        f"<nav>{nav}</nav>{coverage(data, prefix)}</header>{filters(data)}<main>"
        + councils(data)
        + "".join(figure(chart) for chart in charts)
        + "</main>"
        + vendor_scripts()
        + f"<script>{SCRIPT}</script>"
    )
    return document("Ofsted children's services inspections: report", body), marks


def report_is_current(report_dir: Path, published_path: Path) -> bool:
    """Whether the report exists and was written after the published file it shows."""
    page = report_dir / REPORT_FILE
    return (
        page.is_file() and published_path.is_file() and page.stat().st_mtime >= published_path.stat().st_mtime
    )


def _prefix(report_dir: Path, published_path: Path) -> str:
    """The relative way from the report folder to the published file's folder, ending in '/'."""
    way = os.path.relpath(published_path.resolve().parent, report_dir.resolve())
    return "" if way == "." else way.replace(os.sep, "/") + "/"


def build_report(published_path: Path, report_dir: Path, raw_dir: Path | None = None) -> ReportResult:
    """Read the published file and write `report_dir/index.html` and the authority pages. Documents without
    an Ofsted address are placed from `raw_dir` into `documents/` beside the published file and linked
    relatively."""
    con = attach_published(published_path)
    try:
        data = read_report_data(con)
        cited = cited_files(con)
    finally:
        con.close()
    data.documents = publish_documents(published_path, raw_dir, cited)
    report_dir.mkdir(parents=True, exist_ok=True)
    prefix = _prefix(report_dir, published_path)
    page, marks = render_report(data, prefix)
    pages = write_authority_pages(report_dir, data, "../" + prefix)
    # the index last: a report counts as current (report_is_current) only once its pages are in place
    path = report_dir / REPORT_FILE
    write_atomically(path, page)
    return ReportResult(path, data.published_at, marks, pages)
