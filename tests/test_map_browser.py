"""The map opens in headless Chromium with no network, draws every layer, runs no input text."""

from __future__ import annotations

import html as html_module
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from geo_coverage.assess.verdicts import community_status
from geo_coverage.outputs.palette import STATUS_COLOURS
from geo_coverage.pipeline import run
from geo_coverage.text import MAP_TEXT as TEXT

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
if CHROMIUM is None and os.environ.get("GEO_COVERAGE_REQUIRE_BROWSER"):
    # CI sets this: there the map must be proven in a real browser, never skipped
    msg = "GEO_COVERAGE_REQUIRE_BROWSER is set but no Chromium was found"
    raise RuntimeError(msg)
pytestmark = pytest.mark.browser

requires_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium not installed (Debian: apt-get install chromium)"
)

ALERT_TRAP = (
    "<script>window.__alerts=[];window.alert=function(m){window.__alerts.push(String(m));};"
    "</script>"
)
CONTROL_HOOK = (
    "<script>window.__controls=[];var __init=L.Control.Layers.prototype.initialize;"
    "L.Control.Layers.prototype.initialize=function(){window.__controls.push(this);"
    "return __init.apply(this,arguments);};</script>"
)
PROBE = """
<pre id="probe"></pre>
<script>
window.addEventListener('load', function () {
  var ctl = window.__controls[0];
  var map = Object.values(window).find(function (v) { return v instanceof L.Map; });
  var out = {leaflet: typeof L !== 'undefined' && L.version, overlays: {}, alerts: window.__alerts,
             shown: [], fills: {},
             canvases: document.querySelectorAll('.leaflet-overlay-pane canvas').length,
             broken: [].filter.call(document.images, function (i) {
               return i.naturalWidth === 0; }).length};
  function text(content) {  // what a popup or tooltip shows, as a reader sees it
    var div = document.createElement('div');
    if (typeof content === 'string') { div.innerHTML = content; } else { div.appendChild(content); }
    return div.textContent;
  }
  ctl._layers.forEach(function (e) {
    if (!e.overlay) { return; }
    var n = 0, fills = {};
    e.layer.eachLayer(function (l) {
      var parts = l.getLayers ? l.getLayers() : [l];
      n += parts.length;
      parts.forEach(function (part) {
        if (part.options && part.options.fillColor) { fills[part.options.fillColor] = 1; }
        var tip = part.getTooltip && part.getTooltip();
        if (tip) { out.shown.push(text(tip._content)); }
      });
      if (l.gcIndex !== undefined && l.options.interactive) {  // packed: open the popup
        l.fire('click', {latlng: l.getLatLng ? l.getLatLng() : l.getBounds().getCenter()}, true);
        var pop = document.querySelector('.leaflet-popup-content');
        if (pop) { out.shown.push(pop.textContent); }
        var tipped = e.layer.getTooltip && e.layer.getTooltip();
        if (tipped) { out.shown.push(text(tipped._content(l))); }
        map.closePopup();
      }
    });
    out.overlays[e.name] = n;
    out.fills[e.name] = Object.keys(fills).sort();
  });
  out.title = document.querySelector('#gc-summary summary').textContent;
  document.getElementById('probe').textContent = JSON.stringify(out);
});
</script>
"""

HOSTILE = "<script>alert(1)</script>`${alert(2)}`</script><script>alert(3)</script>"


def chromium(*args: str, user_data: Path) -> subprocess.CompletedProcess:
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={user_data}",
        # no network at all: every request goes to a closed local port
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
        "--virtual-time-budget=8000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def hostile_demo(demo_copy):
    """The demo with a facility and a village named as a script, template text in names."""
    path = demo_copy.parent.parent / "layers" / "demo" / "facilities.csv"
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    frame.loc[6, "名称"] = HOSTILE
    frame.to_csv(path, index=False, encoding="utf-8-sig")
    communities = demo_copy.parent.parent / "layers" / "demo" / "communities.geojson"
    data = json.loads(communities.read_text(encoding="utf-8"))
    data["features"][0]["properties"]["小区名称"] = "{{7*7}}"
    communities.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for name, column, value in (
        ("villages", "嘎查村名称", HOSTILE),
        ("townships", "苏木乡镇名称", "{{7*7}}苏木"),
    ):
        layer = demo_copy.parent.parent / "layers" / "demo" / f"{name}.geojson"
        data = json.loads(layer.read_text(encoding="utf-8"))
        data["features"][0]["properties"][column] = value
        layer.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    text = demo_copy.read_text(encoding="utf-8").replace("city: 示范区", 'city: "{{7*7}}区"')
    demo_copy.write_text(text, encoding="utf-8")
    return demo_copy


@requires_chromium
def test_offline_map_draws_every_layer_and_runs_no_input_text(hostile_demo, tmp_path):
    result = run(hostile_demo)
    map_path = next(p for p in result.outputs if p.name == "map.html")
    html = map_path.read_text(encoding="utf-8")
    assert "cdn.jsdelivr" not in html and "<script src=" not in html  # self-contained
    assert "<script>alert(1)" not in html
    assert "49苏木" not in html and "&#123;&#123;7*7&#125;&#125;苏木" in html

    probe_page = tmp_path / "probe.html"
    probe_page.write_text(
        html.replace("<head>", "<head>" + ALERT_TRAP, 1)
        .replace("</head>", CONTROL_HOOK + "</head>", 1)
        .replace("</html>", PROBE + "</html>"),
        encoding="utf-8",
    )
    dom = chromium("--dump-dom", probe_page.as_uri(), user_data=tmp_path / "profile1").stdout
    match = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert match and match.group(1), dom[-2000:]
    state = json.loads(html_module.unescape(match.group(1)))

    a = result.assessment
    assert state["leaflet"] == "1.9.4"
    assert state["alerts"] == []
    assert state["broken"] == 0
    assert HOSTILE in state["shown"]  # the village's tooltip: shown as plain text
    assert any(s.startswith(HOSTILE) for s in state["shown"])  # the facility's popup
    assert any(s.startswith("{{7*7}}") for s in state["shown"])  # never evaluated to 49
    assert state["title"].startswith("{{7*7}}区")
    assert state["overlays"][TEXT["facilities"][0]] == len(a.facilities) == 11
    assert state["overlays"][TEXT["villages"][0]] == len(a.villages) == 5
    assert state["overlays"][TEXT["communities"][0]] == len(a.communities) == 71
    assert state["overlays"][TEXT["sites"][0]] == len(result.siting.sites) == 2
    iso_layers = {k: n for k, n in state["overlays"].items() if TEXT["isochrone"][0] in k}
    groups = result.isochrones.groupby("group").size()
    assert len(iso_layers) == len(groups)  # one entry per facility group, bands nested in it
    assert sorted(iso_layers.values()) == sorted(groups.tolist())
    statuses = set(community_status(a.communities))
    assert state["fills"][TEXT["communities"][0]] == sorted(STATUS_COLOURS[s] for s in statuses)
    assert state["canvases"] == 1  # every vector layer on one canvas

    png = tmp_path / "map.png"
    chromium(
        f"--screenshot={png}",
        "--window-size=1400,950",
        "--hide-scrollbars",
        map_path.as_uri(),
        user_data=tmp_path / "profile2",
    )
    assert png.stat().st_size > 50_000


@pytest.fixture
def point_demo(demo_copy):
    """The demo with its compounds as a point list (经度/纬度 columns), as POI exports give."""
    import geopandas as gpd

    folder = demo_copy.parent.parent / "layers" / "demo"
    polygons = gpd.read_file(folder / "communities.geojson")
    points = polygons.geometry.representative_point()
    table = pd.DataFrame(polygons.drop(columns="geometry"))
    table["经度"], table["纬度"] = points.x.round(7), points.y.round(7)
    table.to_csv(folder / "communities_points.csv", index=False, encoding="utf-8-sig")
    text = demo_copy.read_text(encoding="utf-8").replace(
        "../layers/demo/communities.geojson", "../layers/demo/communities_points.csv"
    )
    demo_copy.write_text(text, encoding="utf-8")
    return demo_copy


ONLY_COMPOUNDS = """
(name) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const ctl = window.__controls[0];
  ctl._layers.forEach(e => { if (e.overlay && e.name !== name) { map.removeLayer(e.layer); } });
  const compounds = ctl._layers.find(e => e.name === name).layer;
  const dots = [];
  compounds.eachLayer(l => {
    const p = map.latLngToContainerPoint(l.getLatLng());
    const hit = document.elementFromPoint(p.x, p.y);
    dots.push({i: l.gcIndex, x: p.x, y: p.y, fill: l.options.fillColor, radius: l.getRadius(),
               free: !!hit && hit.tagName === 'CANVAS'});
  });
  return {dots, broken: [...document.images].filter(i => i.naturalWidth === 0).length};
}
"""


COUNT_PIXELS = """
(rgb) => {
  const canvas = document.querySelector('.leaflet-overlay-pane canvas');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  const near = (k, c) => Math.abs(data[k + c] - rgb[c]) <= 30;
  let n = 0;
  for (let k = 0; k < data.length; k += 4) {
    if (data[k + 3] > 200 && near(k, 0) && near(k, 1) && near(k, 2)) { n++; }
  }
  return n;
}
"""


@requires_chromium
def test_point_compounds_are_dots_coloured_by_status_and_open_their_popup(point_demo, tmp_path):
    from playwright.sync_api import sync_playwright

    result = run(point_demo)
    com = result.assessment.communities
    assert (com.geometry.geom_type == "Point").all()
    status = community_status(com)
    map_path = next(p for p in result.outputs if p.name == "map.html")
    page_file = tmp_path / "map.html"
    page_file.write_text(
        map_path.read_text(encoding="utf-8").replace("</head>", CONTROL_HOOK + "</head>", 1),
        encoding="utf-8",
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 950})
        page.goto(page_file.as_uri(), wait_until="load")
        state = page.evaluate(ONLY_COMPOUNDS, TEXT["communities"][0])
        dots = sorted(state["dots"], key=lambda d: d["i"])
        # every compound is a dot of its status colour, none an icon image
        assert state["broken"] == 0 and page.locator(".leaflet-marker-icon").count() == 0
        assert [d["fill"] for d in dots] == [STATUS_COLOURS[s] for s in status]
        assert all(d["radius"] >= 2.5 for d in dots)  # readable when zoomed out
        # the pixels: each status colour is painted on the canvas (dots are 90 % opaque)
        for s in set(status):
            rgb = [int(STATUS_COLOURS[s][k : k + 2], 16) for k in (1, 3, 5)]
            assert page.evaluate(COUNT_PIXELS, rgb) >= 20, s
        # a real click on a free dot opens that compound's popup with its numbers
        dot = next(d for d in dots if d["free"])
        page.mouse.click(dot["x"], dot["y"])
        popup = page.locator(".leaflet-popup-content").inner_text()
        row = com.iloc[dot["i"]]
        assert row["name"] in popup and f"{int(row['households'])}" in popup
        page.screenshot(path=str(tmp_path / "points.png"))
        browser.close()
