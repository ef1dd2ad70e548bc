"""The report a publication writes, opened in headless Chromium: the browser builds every chart's SVG with
its data marks laid out at a visible size, and the screenshot shows the grades' colours."""

import re
from html.parser import HTMLParser

import dagster as dg
import pytest

from orchestration.lib.outputs.report.page import GRADE_FILL
from tests.fixtures.browser import colours_in, dump_dom, find_chromium, screenshot

pytestmark = pytest.mark.integration

CHARTS = [
    "chart-judgements",
    "chart-current-grades",
    "chart-timelines",
    "chart-recommendation-themes",
    "chart-visit-themes",
]
# the seeds hold no focused visit: that chart says so in words instead of drawing
DRAWN = [chart for chart in CHARTS if chart != "chart-visit-themes"]

# Appended to a copy of the page: for each figure, the size the browser gave its SVG and how many of its
# data marks have a non-empty box once laid out.
PROBE = """<script>
for (const figure of document.querySelectorAll("figure")) {
  const svg = figure.querySelector("svg.chart");
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = svg ? [...svg.querySelectorAll(".mark")] : [];
  const visible = marks.filter(m => { const b = m.getBBox(); return b.width > 0 && b.height > 0; });
  figure.dataset.svgSize = Math.round(box.width) + "x" + Math.round(box.height);
  figure.dataset.marks = marks.length;
  figure.dataset.visibleMarks = visible.length;
}
document.body.dataset.probed = "yes";
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


class Rendered(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures: dict[str, dict[str, str]] = {}
        self.body: dict[str, str] = {}
        self.svg_marks: dict[str, int] = {}
        self._figure = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.body = attrs
        if tag == "figure":
            self._figure = attrs["id"]
            self.figures[self._figure] = attrs
            self.svg_marks[self._figure] = 0
        elif self._figure and tag in {"rect", "circle", "path"} and attrs.get("class") == "mark":
            self.svg_marks[self._figure] += 1

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None


def test_the_publication_materialises_its_report(seed_text_build, page):
    materialised = {
        event.asset_key.to_user_string()
        for event in seed_text_build.result.get_asset_materialization_events()
    }
    assert {"published/warehouse", "published/report"} <= materialised
    [report] = [
        e
        for e in seed_text_build.result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["published", "report"])
    ]
    assert report.materialization.metadata["marks_chart_judgements"].value > 0
    assert page.is_file()
    assert page.stat().st_mtime >= seed_text_build.published_path.stat().st_mtime
    text = page.read_text(encoding="utf-8")
    # nothing is fetched: no external script, style sheet, image or font (links to the reports are anchors)
    assert not re.search(r"""(?:src=|<link\b|url\(|@import)""", text)
    # the seed reports are files under RAW_DIR: the page links to them
    assert 'href="file://' in text


def test_chromium_lays_out_every_chart_with_its_marks(chromium, page, tmp_path):
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    rendered = Rendered()
    rendered.feed(dump_dom(chromium, probe, tmp_path / "profile"))

    assert rendered.body.get("data-probed") == "yes"  # the probe ran to its end: no script error
    assert list(rendered.figures) == CHARTS
    for chart in DRAWN:
        figure = rendered.figures[chart]
        width, height = map(int, figure["data-svg-size"].split("x"))
        assert width > 300 and height > 50, (chart, figure)
        assert int(figure["data-marks"]) == rendered.svg_marks[chart] > 0, (chart, figure)
        assert int(figure["data-visible-marks"]) == int(figure["data-marks"]), (chart, figure)
    # the seeds: four Surrey and Cumbria-era inspections, one monitoring visit, 48 recommendations
    assert rendered.svg_marks["chart-timelines"] >= 3
    assert rendered.svg_marks["chart-recommendation-themes"] >= 10
    assert rendered.figures["chart-visit-themes"]["data-svg-size"] == "0x0"


def test_the_screenshot_shows_the_charts_colours(chromium, page, tmp_path):
    png = screenshot(chromium, page, tmp_path / "profile", tmp_path / "report.png", 1280, 2400)
    colours = colours_in(png)
    assert len(colours) > 50  # not a blank page
    for grade in ("Adequate", "Inadequate"):  # the seed inspections' grades
        fill = GRADE_FILL[grade]
        assert tuple(int(fill[i : i + 2], 16) for i in (1, 3, 5)) in colours, grade


def test_an_authority_page_reached_from_the_grid_renders_in_chromium(chromium, page, tmp_path):
    index = page.read_text(encoding="utf-8")
    first = re.search(r'<a href="(authorities/[^"]+\.html)">', index).group(1)
    authority = page.parent / first
    assert authority.is_file()
    dom = dump_dom(chromium, authority, tmp_path / "profile")
    for section in ("inspections", "visits", "recommendations", "neighbours", "missing"):
        assert f'<section id="{section}">' in dom, section
    assert 'href="../index.html#chart-current-grades"' in dom
    # every grid cell leads to a page that exists
    for target in set(re.findall(r'<a href="(authorities/[^"]+)">', index)):
        assert (page.parent / target).is_file(), target
