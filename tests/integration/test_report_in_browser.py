"""The report a publication writes, opened from disk in headless Chromium: Vega draws every chart with its
data marks at a visible size, with no console error and no network; the filter bar narrows the charts and
the list of councils; the screenshot shows the grades' colours; an authority's page opens from the list."""

import json
import re
from html.parser import HTMLParser

import dagster as dg
import pytest

from orchestration.lib.outputs.report.page import GRADE_FILL
from tests.fixtures.browser import colours_in, dump_dom, find_chromium, screenshot, with_probe

pytestmark = pytest.mark.integration

CHARTS = [
    "chart-judgements",
    "chart-current-grades",
    "chart-timelines",
    "chart-recommendation-themes",
    "chart-visit-themes",
]
SPEC = re.compile(
    r'<script type="application/json" id="([a-z-]+)-spec" data-chart="[a-z-]+">(.*?)</script>', re.S
)

# Appended to a copy of the page. Once the page has drawn its charts and applied its filters (it counts them
# on <body>), it records each chart's data marks (and how many have a non-empty box), then types a council's
# name into the search box, then picks a region, then a framework, then "Show all", recording the marks and
# the councils listed after each; finally every console error the page logged.
PROBE = """<script>
(function () {
  const body = document.body;
  function marks(id) {
    const view = document.getElementById(id + "-view");
    const found = view ? [...view.querySelectorAll("svg .role-mark > path, svg .role-mark > text")] : [];
    const visible = found.filter(function (m) { const b = m.getBBox(); return b.width > 0 && b.height > 0; });
    const svg = view ? view.querySelector("svg") : null;
    const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
    return {marks: found.length, visible: visible.length,
            size: Math.round(box.width) + "x" + Math.round(box.height)};
  }
  function snapshot() {
    const charts = {};
    for (const figure of document.querySelectorAll("figure")) charts[figure.id] = marks(figure.id);
    const councils = [...document.querySelectorAll("#council-list tbody tr")]
      .filter(function (row) { return !row.hidden; }).map(function (row) { return row.dataset.authority; });
    return {charts: charts, councils: councils};
  }
  function until(count) {
    return new Promise(function (resolve) {
      const timer = setInterval(function () {
        if (Number(body.dataset.applied || 0) >= count || body.dataset.chartError) {
          clearInterval(timer); resolve();
        }
      }, 20);
    });
  }
  function set(id, value) {
    const element = document.getElementById(id);
    element.value = value;
    element.dispatchEvent(new Event("input"));
  }
  const steps = {};
  until(1).then(function () {
    steps.first = snapshot();
    set("filter-search", SEARCH);
    return until(2);
  }).then(function () {
    steps.search = snapshot();
    set("filter-search", "");
    set("filter-region", REGION);
    return until(4);
  }).then(function () {
    steps.region = snapshot();
    set("filter-region", "All");
    set("filter-framework", FRAMEWORK);
    return until(6);
  }).then(function () {
    steps.framework = snapshot();
    document.getElementById("filter-reset").click();
    return until(7);
  }).then(function () {
    steps.reset = snapshot();
    body.dataset.steps = JSON.stringify(steps);
    body.dataset.errors = JSON.stringify(window.pageErrors);
    body.dataset.resources = JSON.stringify(performance.getEntriesByType("resource").map(function (e) {
      return e.name;
    }));
    body.dataset.probed = "yes";
  });
})();
</script>"""


@pytest.fixture(scope="module")
def chromium():
    browser = find_chromium()
    if browser is None:
        pytest.skip("no Chromium binary on PATH (Debian: apt-get install chromium; .ci/run installs it)")
    return browser


@pytest.fixture(scope="module")
def page(seed_text_build):
    assert seed_text_build.result.success
    return seed_text_build.published_path.parent / "report" / "index.html"


@pytest.fixture(scope="module")
def specs(page) -> dict[str, dict]:
    return {chart: json.loads(text) for chart, text in SPEC.findall(page.read_text(encoding="utf-8"))}


class Body(HTMLParser):
    """The attributes of the <body> of a dumped DOM."""

    def __init__(self):
        super().__init__()
        self.attributes: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "body" and not self.attributes:
            self.attributes = dict(attrs)


def without_scripts(text: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", text, flags=re.S)


def test_the_publication_materialises_its_report(seed_text_build, page):
    events = seed_text_build.result.get_asset_materialization_events()
    assert {"published/warehouse", "published/report"} <= {e.asset_key.to_user_string() for e in events}
    [report] = [e for e in events if e.asset_key == dg.AssetKey(["published", "report"])]
    assert report.materialization.metadata["marks_chart_judgements"].value > 0
    assert page.is_file()
    assert page.stat().st_mtime >= seed_text_build.published_path.stat().st_mtime
    text = page.read_text(encoding="utf-8")
    # nothing is fetched: no external script, style sheet, image or font (links to the reports are anchors)
    assert not re.search(r"<script[^>]*\bsrc=", text)
    assert not re.search(r"""(?:<link\b|<img\b|url\(|@import)""", without_scripts(text))
    # the seed reports are hand-added files: linked relative to the published folder, never by a local path
    assert "file:" not in without_scripts(text)
    documents = seed_text_build.published_path.parent / "documents"
    authority_pages = list((page.parent / "authorities").glob("*.html"))
    links = {
        href
        for authority in authority_pages
        for href in re.findall(r'href="(\.\./\.\./documents/[^"#]+)', authority.read_text(encoding="utf-8"))
    }
    assert links, "no authority page links a seed report"
    for href in links:
        assert (page.parent / "authorities" / href).resolve().is_file(), href
    assert documents.is_dir()


def probe(chromium, page, tmp_path, search: str, region: str, framework: str) -> dict:
    script = (
        PROBE.replace("SEARCH", json.dumps(search))
        .replace("REGION", json.dumps(region))
        .replace("FRAMEWORK", json.dumps(framework))
    )
    probed = page.parent / f".probe-{tmp_path.name}.html"  # beside the page: its relative links still resolve
    probed.write_text(with_probe(page.read_text(encoding="utf-8"), script), encoding="utf-8")
    try:
        body = Body()
        body.feed(dump_dom(chromium, probed, tmp_path / "profile"))
    finally:
        probed.unlink()
    assert body.attributes.get("data-probed") == "yes", body.attributes  # the probe ran to its end
    assert "data-chart-error" not in body.attributes, body.attributes["data-chart-error"]
    return {
        "drawn": int(body.attributes["data-charts-drawn"]),
        "errors": json.loads(body.attributes["data-errors"]),
        "resources": json.loads(body.attributes["data-resources"]),
        **json.loads(body.attributes["data-steps"]),
    }


@pytest.fixture(scope="module")
def probed(chromium, page, specs, tmp_path_factory) -> tuple[dict, dict]:
    grid = specs["chart-current-grades"]["data"]["values"]
    graded = [row for row in grid if row["grade"] != "No graded inspection loaded"]
    choice = {
        "search": graded[0]["authority"][:5].lower(),
        "region": graded[0]["region"],
        "framework": graded[0]["framework"],
    }
    return probe(chromium, page, tmp_path_factory.mktemp("probe"), **choice), choice


def test_chromium_draws_every_chart_with_its_marks_and_logs_no_error(probed, specs):
    result, _ = probed
    assert result["errors"] == []
    assert result["resources"] == []  # the page fetched nothing: no script, style, font or data file
    assert result["drawn"] == len(specs)
    drawn = result["first"]["charts"]
    assert list(drawn) == CHARTS
    for chart in specs:
        counted = drawn[chart]
        width, height = map(int, counted["size"].split("x"))
        assert width > 200 and height > 50, (chart, counted)
        assert counted["marks"] > 0 and counted["visible"] == counted["marks"], (chart, counted)
    # the grid: a tile and a label per authority
    assert drawn["chart-current-grades"]["marks"] == 2 * len(specs["chart-current-grades"]["data"]["values"])
    assert drawn["chart-timelines"]["marks"] == len(specs["chart-timelines"]["data"]["values"])
    # the drawing after "Show all" is the first one again
    assert result["reset"] == result["first"]


def test_the_filters_narrow_every_chart_and_the_list_of_councils(probed, specs):
    result, choice = probed
    before, search, region = result["first"], result["search"], result["region"]
    grid = specs["chart-current-grades"]["data"]["values"]
    timeline = specs["chart-timelines"]["data"]["values"]
    matching = [row for row in grid if choice["search"] in row["authority"].lower()]
    # a council's name: the list and the grid keep the councils whose names contain it
    assert sorted(search["councils"]) == sorted(row["authority"] for row in matching)
    assert search["charts"]["chart-current-grades"]["marks"] == 2 * len(matching)
    assert search["charts"]["chart-timelines"]["marks"] == sum(
        choice["search"] in row["authority"].lower() for row in timeline
    )
    assert len(search["councils"]) < len(before["councils"])
    # a region: only its councils
    in_region = [row for row in grid if row["region"] == choice["region"]]
    assert region["charts"]["chart-current-grades"]["marks"] == 2 * len(in_region)
    assert sorted(region["councils"]) == sorted(row["authority"] for row in in_region)
    # a framework: the year chart keeps that framework's inspections only
    judgements = specs["chart-judgements"]["data"]["values"]
    assert result["framework"]["charts"]["chart-timelines"]["marks"] == sum(
        row["framework"] == choice["framework"] for row in timeline
    )
    assert sum(row["framework"] == choice["framework"] for row in judgements) > 0
    # "Show all" brings every council back
    assert sorted(result["reset"]["councils"]) == sorted(row["authority"] for row in grid)


def test_the_screenshot_shows_the_charts_colours(chromium, page, tmp_path):
    png = screenshot(chromium, page, tmp_path / "profile", tmp_path / "report.png", 1280, 3000)
    colours = colours_in(png)
    assert len(colours) > 50  # not a blank page
    for grade in ("Adequate", "Inadequate"):  # the seed inspections' grades
        fill = GRADE_FILL[grade]
        assert tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5)) in colours, grade


def test_an_authority_page_reached_from_the_list_renders_in_chromium(chromium, page, tmp_path):
    index = page.read_text(encoding="utf-8")
    first = re.search(r'<a href="(authorities/[^"]+\.html)">', index).group(1)
    authority = page.parent / first
    assert authority.is_file()
    dom = dump_dom(chromium, authority, tmp_path / "profile")
    for section in ("timeline", "inspections", "visits", "recommendations", "neighbours", "missing"):
        assert f'<section id="{section}">' in dom, section
    assert 'href="../index.html#councils"' in dom
    # every council in the list leads to a page that exists
    for target in set(re.findall(r'<a href="(authorities/[^"]+)">', index)):
        assert (page.parent / target).is_file(), target
