"""The 规划工作台 web page: a planner's whole job in a real browser, and hostile uploads."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from geo_coverage.apps.workbench import create_app
from tests.conftest import ROOT
from tests.test_map_browser import CHROMIUM

DEMO = ROOT / "layers" / "demo"
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>{{7*7}}`${alert(3)}`"


@pytest.fixture
def client(tmp_path):
    return TestClient(create_app(tmp_path / "work"), base_url="http://127.0.0.1:8501")


def _session(client) -> str:
    return client.post("/api/session").json()["session"]


def _upload(client, sid, kind, name, data):
    return client.post(f"/api/{sid}/upload", data={"kind": kind}, files={"file": (name, data)})


def test_a_zip_that_climbs_out_of_its_folder_is_refused_and_nothing_is_written(client, tmp_path):
    sid = _session(client)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ok.shp", b"x")
        archive.writestr("../../escaped.txt", b"owned")
    response = _upload(client, sid, "communities", "c.zip", buffer.getvalue())
    assert response.status_code == 400
    assert "unsafe path" in response.json()["error"]
    assert not list(tmp_path.rglob("escaped.txt")) and not list(tmp_path.rglob("ok.shp"))


def test_an_empty_or_unknown_file_gets_a_clear_message(client):
    sid = _session(client)
    empty = _upload(client, sid, "facilities", "f.csv", b"")
    assert empty.status_code == 400 and "empty" in empty.json()["error"]
    binary = _upload(client, sid, "facilities", "f.csv", bytes(range(256)) * 10)
    assert binary.status_code == 400 and "unknown file type" in binary.json()["error"]
    wrong = _upload(client, sid, "network", "n.osm", (DEMO / "facilities.csv").read_bytes())
    assert wrong.status_code == 400 and "OSM" in wrong.json()["error"]


def test_hostile_names_come_back_as_data_and_the_file_name_is_never_a_path(client, tmp_path):
    sid = _session(client)
    text = (DEMO / "facilities.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    cells = lines[1].split(",")
    cells[1] = HOSTILE.replace(",", " ")
    lines[1] = ",".join(cells)
    data = ("\n".join(lines) + "\n").encode("utf-8-sig")
    info = _upload(client, sid, "facilities", "../../" + HOSTILE + ".csv", data).json()
    assert info["path"] == "layers/facilities.csv"  # stored under its kind, never its name
    assert info["name"] == "../../" + HOSTILE + ".csv"  # echoed back as text
    assert info["preview"]["rows"][0][1] == HOSTILE.replace(",", " ")
    assert not list(tmp_path.rglob("*onerror*"))


def test_unknown_sessions_and_output_names_are_refused(client):
    assert client.get("/api/" + "0" * 32 + "/status").status_code == 404
    assert client.get("/api/../../etc/passwd/status").status_code == 404
    sid = _session(client)
    assert client.get(f"/api/{sid}/outputs/..%2Fconfig.yaml").status_code == 404


def test_network_files_on_the_server_are_offered_by_name_only(tmp_path):
    data = tmp_path / "data"
    (data / "city").mkdir(parents=True)
    (data / "city" / "streets.osm").write_bytes((DEMO / "streets.osm").read_bytes())
    (tmp_path / "secret.osm").write_text("<osm></osm>")
    client = TestClient(
        create_app(tmp_path / "work", data_dir=data), base_url="http://127.0.0.1:8501"
    )
    assert client.get("/api/server-files").json() == ["city/streets.osm"]
    sid = _session(client)
    taken = client.post(f"/api/{sid}/server-file", json={"name": "city/streets.osm"})
    assert taken.status_code == 200 and taken.json()["path"] == "layers/network.osm"
    for name in ("../secret.osm", str(tmp_path / "secret.osm")):
        refused = client.post(f"/api/{sid}/server-file", json={"name": name})
        assert refused.status_code == 400


def test_validate_lists_each_problem_with_file_row_and_column(client):
    sid = _session(client)
    text = (DEMO / "facilities.csv").read_text(encoding="utf-8-sig").splitlines()
    text[3] = text[3].replace("日间照料中心", "")  # row 4: facility type left empty
    _upload(client, sid, "facilities", "f.csv", ("\n".join(text) + "\n").encode("utf-8-sig"))
    _upload(client, sid, "communities", "c.geojson", (DEMO / "communities.geojson").read_bytes())
    _upload(client, sid, "network", "s.osm", (DEMO / "streets.osm").read_bytes())
    form = {
        "coords": {"facilities": "gcj02", "communities": "wgs84"},
        "types": {"居家养老服务驿站": "station"},
    }
    result = client.post(f"/api/{sid}/validate", json=form).json()
    assert not result["ok"]
    (finding,) = result["findings"]
    assert (finding["row"], finding["column"]) == (4, "类型")
    assert "facility type is empty" in finding["message"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(tmp_path / "work"), port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(100):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed")
@pytest.mark.slow
@pytest.mark.browser
def test_a_planner_uploads_maps_a_type_runs_and_downloads_a_reproducible_bundle(server, tmp_path):
    from playwright.sync_api import sync_playwright

    hostile_facilities = tmp_path / "facilities.csv"
    text = (DEMO / "facilities.csv").read_text(encoding="utf-8-sig").splitlines()
    cells = text[7].split(",")
    cells[1] = HOSTILE.replace(",", " ")  # 新华长者食堂's name becomes a script
    text[7] = ",".join(cells)
    hostile_facilities.write_text("\n".join(text) + "\n", encoding="utf-8-sig")

    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(accept_downloads=True)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(server)
        page.wait_for_selector("body[data-ready='1']")
        assert page.locator("#thresholds tbody tr").count() >= 15  # every number, with its source
        page.fill("#city", "示范区")
        page.set_input_files("#file-facilities", str(hostile_facilities))
        page.wait_for_selector("#preview-facilities table")
        page.select_option("#coords-facilities", "gcj02")
        page.select_option("#coords-communities", "wgs84")
        # the one type word the tool does not know: the planner maps it
        word = page.locator("select[data-word='居家养老服务驿站']")
        assert word.input_value() == ""
        word.select_option("station")
        page.set_input_files("#file-communities", str(DEMO / "communities.geojson"))
        page.wait_for_selector("#preview-communities table")
        page.select_option("select[data-kind='communities'][data-column='subdistrict']", "所属街道")
        page.set_input_files("#file-network", str(DEMO / "streets.osm"))
        page.wait_for_function("document.getElementById('msg-network').dataset.ok === '1'")
        page.fill("#siting-k", "2")
        page.click("#validate")  # the CLI's validate first: config, layers, network
        page.wait_for_selector("#status[data-status='valid']", timeout=60_000)
        page.click("#run")
        page.wait_for_selector("#status[data-status='done']", timeout=120_000)

        rows = page.locator("#scorecard tbody tr")
        assert rows.count() >= 10
        row = page.locator("#scorecard tr[data-indicator='care_circle_households'] td")
        assert row.nth(3).inner_text() == "无目标（文件未设定）"  # 002/003 set no share for it
        row = page.locator("#scorecard tr[data-indicator='day_care_coverage'] td")
        assert row.nth(2).inner_text() == "90.0%（到2022年，全区）"
        assert row.nth(3).inner_text() == "按上级合计评判"  # a region-wide target
        frame = page.frame_locator("#map")
        frame.locator(".leaflet-control-layers").wait_for()
        assert frame.locator(".leaflet-control-layers-overlays label").count() >= 5
        assert page.locator("#gaps tbody tr").count() > 0
        assert dialogs == []  # nothing from the uploads ran, in the page or in the map
        page.locator("#gaps th").first.click()  # sorted on the server, page by page
        page.wait_for_selector("#gaps th:first-child:has-text('▲')")
        assert "共" in page.locator("#gaps-pager").inner_text()
        # the report is offered first; a gap row finds its compound on the map
        assert (
            page.locator("#report-docx").is_visible() and page.locator("#report-pdf").is_visible()
        )
        page.locator("#gaps tbody tr").first.click()
        centre = page.evaluate(
            "() => { const w = document.getElementById('map').contentWindow;"
            " const m = Object.values(w).find(v => w.L && v instanceof w.L.Map);"
            " const c = m.getCenter(); return [c.lat, c.lng, m.getZoom()]; }"
        )
        cells = page.locator("#gaps tbody tr").first.locator("td").all_inner_texts()
        heads = page.locator("#gaps thead th").all_inner_texts()
        lat = float(cells[next(i for i, h in enumerate(heads) if h.startswith("纬度"))])
        lon = float(cells[next(i for i, h in enumerate(heads) if h.startswith("经度"))])
        assert abs(centre[0] - lat) < 1e-5 and abs(centre[1] - lon) < 1e-5 and centre[2] == 17
        # a planned station, clicked onto that compound: the scorecard follows at once
        page.check("#place-mode")
        box = page.locator("#map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector("#place-result:has-text('新进入服务圈的小区')", timeout=20_000)
        assert page.locator("#after-head").is_visible()
        after = page.locator("#scorecard tr[data-indicator='care_circle_households'] td.after")
        assert after.inner_text().endswith("%")
        first = page.locator("#place-result").inner_text()
        if os.environ.get("GEO_COVERAGE_SHOT"):
            page.locator(".split").screenshot(path=os.environ["GEO_COVERAGE_SHOT"])
        page.evaluate(  # dragged 300 m north: the page asks again with the new place
            "() => { const w = document.getElementById('map').contentWindow;"
            " const m = Object.values(w).find(v => w.L && v instanceof w.L.Map);"
            " m.eachLayer(l => { if (l.options && l.options.draggable) { const p = l.getLatLng();"
            " l.setLatLng([p.lat + 0.0027, p.lng]); l.fire('dragend'); } }); }"
        )
        page.wait_for_function(
            "t => document.getElementById('place-result').textContent !== t", arg=first
        )
        page.click("#place-clear")
        assert page.locator("#after-head").is_hidden()
        downloads = [a.inner_text() for a in page.locator("#downloads a").all()]
        assert {"report.docx", "report.pdf", "map.html", "gaps.xlsx"} <= set(downloads)

        with page.expect_download() as download:
            page.click("#bundle")
        bundle = tmp_path / "bundle.zip"
        download.value.save_as(bundle)

        # the session lives in the address: a reload shows the same results again
        assert "#s=" in page.url
        page.reload()
        page.wait_for_selector("#status[data-status='done']", timeout=30_000)
        assert page.locator("#scorecard tbody tr").count() >= 10
        assert page.locator("#coords-facilities").input_value() == "gcj02"
        assert "已上传" in page.locator("#msg-network").inner_text()
        # a session the server no longer knows says so and opens a new one
        page.goto("about:blank")
        page.goto(server + "/#s=" + "0" * 32)
        page.wait_for_selector("#status[data-status='gone']")
        assert "已不存在" in page.locator("#status").inner_text()
        assert "0" * 32 not in page.url
        browser.close()

    folder = tmp_path / "rerun"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    original = (folder / "outputs" / "gaps.csv").read_bytes()
    (folder / "outputs").rename(folder / "outputs-from-the-page")
    env = dict(os.environ, GEO_COVERAGE_CACHE=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, "-m", "geo_coverage", "-q", "run", str(folder / "config.yaml")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (folder / "outputs" / "gaps.csv").read_bytes() == original
    config = (folder / "config.yaml").read_text(encoding="utf-8")
    assert "居家养老服务驿站: station" in config and "subdistrict: 所属街道" in config
    assert Path(folder / "layers" / "facilities.csv").is_file()


def test_a_gbk_csv_from_excel_and_a_zipped_shapefile_are_read_with_their_chinese_headers(
    client, tmp_path
):
    import geopandas as gpd

    sid = _session(client)
    text = (DEMO / "facilities.csv").read_text(encoding="utf-8-sig")
    info = _upload(client, sid, "facilities", "设施.csv", text.encode("gbk")).json()
    assert info["type"] == "csv" and info["preview"]["columns"]["type"] == "类型"
    assert info["preview"]["rows"][0][1] == "新华街道综合养老服务中心"

    shp = tmp_path / "shp" / "小区.shp"
    shp.parent.mkdir()
    compounds = gpd.read_file(DEMO / "communities.geojson")
    # as ArcGIS China writes them: GBK attributes, field names of at most 10 bytes
    compounds[["小区编号", "小区名称", "户数", "geometry"]].to_file(shp, encoding="gbk")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in shp.parent.iterdir():
            archive.write(part, f"小区数据/{part.name}")
    info = _upload(client, sid, "communities", "小区.zip", buffer.getvalue()).json()
    assert info["type"] == "shp-zip" and info["preview"]["columns"]["households"] == "户数"
    assert len(info["preview"]["rows"]) == 5 and not info["preview"]["findings"]


def test_the_config_records_what_the_page_chose_and_idle_sessions_are_removed(tmp_path):
    import geo_coverage.apps.workbench as wb

    bench = wb.Workbench(tmp_path / "work")
    sid = bench.new_session()
    for kind, name in (("facilities", "facilities.csv"), ("communities", "communities.geojson")):
        bench.upload(sid, kind, name, (DEMO / name).read_bytes())
    form = {"place": "呼和浩特市新城区", "siting_k": 3, "objective": "households"}
    with pytest.raises(wb.UploadError) as refused:  # no silent wgs84: the planner chooses
        bench.config_text(sid, form)
    assert refused.value.control == "coords-facilities" and "gcj02" in str(refused.value)
    form["coords"] = {"facilities": "gcj02", "communities": "wgs84"}
    text = bench.config_text(sid, form)
    assert "place: 呼和浩特市新城区" in text and "objective: households" in text
    assert "coords: gcj02" in text
    bench.sessions[sid].touched -= 25 * 3600
    folder = bench.sessions[sid].folder
    bench.new_session()
    assert sid not in bench.sessions and not folder.exists()


def test_a_road_centre_line_layer_can_be_the_network(client):
    import geopandas as gpd

    from geo_coverage.network.streets import network_from_file

    net = network_from_file(DEMO / "streets.osm")
    roads = gpd.GeoDataFrame(
        {"道路名称": [f"路{i}" for i in range(net.n_edges)]},
        geometry=net.edge_geometry,
        crs=net.crs,
    ).to_crs("EPSG:4326")
    sid = _session(client)
    info = _upload(client, sid, "network", "道路中心线.geojson", roads.to_json().encode()).json()
    assert (info["type"], info["path"]) == ("geojson", "layers/network.geojson")
    _upload(client, sid, "facilities", "f.csv", (DEMO / "facilities.csv").read_bytes())
    _upload(client, sid, "communities", "c.geojson", (DEMO / "communities.geojson").read_bytes())
    form = {
        "coords": {"facilities": "gcj02", "communities": "wgs84"},
        "types": {"居家养老服务驿站": "station"},
    }
    result = client.post(f"/api/{sid}/validate", json=form).json()
    assert result["ok"], result
    bench = client.app.state.bench
    bench.sessions[sid].uploads.pop("network")
    text = bench.config_text(sid, {**form, "place": "111.7, 40.8, 111.8, 40.9"})
    assert "bbox:" in text and "- 40.9" in text


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed")
@pytest.mark.browser
def test_every_label_the_page_makes_follows_the_language(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page()
        page.goto(server)
        page.wait_for_selector("body[data-ready='1']")
        first = page.locator("#thresholds tbody tr td").first
        assert first.text_content().startswith("养老服务圈（分钟）")  # a name, the key beside it
        page.set_input_files("#file-communities", str(DEMO / "communities.geojson"))
        page.wait_for_selector("#preview-communities table")
        labels = page.locator("#preview-communities label").all_inner_texts()
        assert any(t.startswith("户数 *") for t in labels)
        assert not any(t.startswith(("households", "facility_area_m2")) for t in labels)
        page.click("#lang")
        assert first.text_content().startswith("care circle (minutes)")
        labels = page.locator("#preview-communities label").all_inner_texts()
        assert any(t.startswith("households *") for t in labels)
        body = page.locator("main").inner_text()
        assert "道路中心线" not in body and "请选择" not in body
        browser.close()


def test_placing_a_station_on_the_map_rescores_and_names_the_newly_covered(client):
    """After a run, a station placed where 东风花园61号院 stands re-scores at once (that the
    incremental re-score equals a full run is tests/test_placement.py's)."""
    import geopandas as gpd

    sid = _session(client)
    for kind, name in (
        ("facilities", "facilities.csv"),
        ("communities", "communities.geojson"),
        ("network", "streets.osm"),
    ):
        _upload(client, sid, kind, name, (DEMO / name).read_bytes())
    too_early = client.post(f"/api/{sid}/place", json={"facilities": []})
    assert too_early.status_code == 400 and too_early.json()["control"] == "run"
    form = {
        "coords": {"facilities": "gcj02", "communities": "wgs84"},
        "types": {"居家养老服务驿站": "station"},
    }
    assert client.post(f"/api/{sid}/run", json=form).status_code == 200
    for _ in range(600):
        status = client.get(f"/api/{sid}/status").json()
        if status["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert status["status"] == "done", status
    compounds = gpd.read_file(DEMO / "communities.geojson")
    spot = compounds[compounds["小区名称"] == "东风花园61号院"].geometry.iloc[0].centroid
    placed = {"lon": spot.x, "lat": spot.y, "type": "station", "floor_area_m2": 300}
    answer = client.post(f"/api/{sid}/place", json={"facilities": [placed]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    names = {c["name"] for c in body["newly_covered"]}
    assert "东风花园61号院" in names and body["seconds"] < 1.0
    row = next(r for r in body["scorecard"] if r["indicator"] == "care_circle_households")
    assert row["after"] > row["before"]
    for bad, control in (
        ({"facilities": [{**placed, "lon": "东"}]}, "map"),
        ({"facilities": [{**placed, "type": "<b>x</b>"}]}, "placement-type"),
        ({"facilities": [placed] * 21}, "map"),
        ({"facilities": [{**placed, "lon": placed["lon"] + 1.0}]}, "map"),  # far from streets
    ):
        refused = client.post(f"/api/{sid}/place", json=bad)
        assert refused.status_code == 400 and refused.json()["control"] == control, refused.text
