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

from geo_coverage.maps import TEXT
from geo_coverage.pipeline import run

CHROMIUM = next(
    (p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p),
    None,
)
if CHROMIUM is None and os.environ.get("GEO_COVERAGE_REQUIRE_BROWSER"):
    # CI sets this: there the map must be proven in a real browser, never skipped
    msg = "GEO_COVERAGE_REQUIRE_BROWSER is set but no Chromium was found"
    raise RuntimeError(msg)
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
  var out = {leaflet: typeof L !== 'undefined' && L.version, overlays: {}, alerts: window.__alerts,
             paths: document.querySelectorAll('.leaflet-overlay-pane path').length};
  ctl._layers.forEach(function (e) {
    if (!e.overlay) { return; }
    var n = 0;
    e.layer.eachLayer(function (l) {
      n += l.getLayers ? l.getLayers().length : 1;
      var p = l.feature && l.feature.properties;
      if (p && String(p.name).indexOf('alert(1)') >= 0) {
        var div = document.createElement('div');
        div.innerHTML = p.name;  // what a popup or tooltip shows
        out.hostile = div.textContent;
      }
      if (p && String(p.name).indexOf('7*7') >= 0) {
        var t = document.createElement('div');
        t.innerHTML = p.name;
        out.template = t.textContent;
      }
    });
    out.overlays[e.name] = n;
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
    assert state["hostile"] == HOSTILE  # shown as plain text
    assert state["template"] == "{{7*7}}"  # never evaluated to 49
    assert state["title"].startswith("{{7*7}}区")
    assert state["overlays"][TEXT["facilities"][0]] == len(a.facilities) == 11
    assert state["overlays"][TEXT["villages"][0]] == len(a.villages) == 5
    assert state["overlays"][TEXT["communities"][0]] == len(a.communities) == 71
    assert state["overlays"][TEXT["sites"][0]] == len(result.siting.sites) == 2
    iso_layers = {k: n for k, n in state["overlays"].items() if TEXT["isochrone"][0] in k}
    groups = result.isochrones.groupby("group").size()
    assert len(iso_layers) == len(groups)  # one entry per facility group, bands nested in it
    assert sorted(iso_layers.values()) == sorted(groups.tolist())
    assert state["paths"] > 71  # drawn: communities, visible bands, subdistricts, markers

    png = tmp_path / "map.png"
    chromium(
        f"--screenshot={png}",
        "--window-size=1400,950",
        "--hide-scrollbars",
        map_path.as_uri(),
        user_data=tmp_path / "profile2",
    )
    assert png.stat().st_size > 50_000
