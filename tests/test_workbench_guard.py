"""The workbench is a server: Host, Origin, token, body and zip budgets, sessions, headers.

Each case is the request of the report that found it, sent over HTTP to the real app.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from geo_coverage.apps import workbench
from geo_coverage.apps.guard import machine_names
from geo_coverage.apps.workbench import create_app
from tests.conftest import ROOT

DEMO = ROOT / "layers" / "demo"
LOCAL = "http://127.0.0.1:8501"


def client_of(tmp_path: Path, **kwargs) -> TestClient:
    return TestClient(create_app(tmp_path / "work", **kwargs), base_url=LOCAL)


def new_session(client: TestClient, **kwargs) -> str:
    response = client.post("/api/session", **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["session"]


def upload_edited_demo(client: TestClient, edits: dict[int, tuple[str, str]]) -> str:
    """A new session with the demo uploaded, its facility list (设施.csv) edited line by line."""
    sid = new_session(client)
    rows = (DEMO / "facilities.csv").read_text(encoding="utf-8-sig").splitlines()
    for line, (old, new) in edits.items():
        rows[line] = rows[line].replace(old, new)
    uploads = (
        ("facilities", "设施.csv", ("\n".join(rows) + "\n").encode("utf-8-sig")),
        ("communities", "小区.geojson", (DEMO / "communities.geojson").read_bytes()),
        ("network", "s.osm", (DEMO / "streets.osm").read_bytes()),
    )
    for kind, name, data in uploads:
        client.post(f"/api/{sid}/upload", data={"kind": kind}, files={"file": (name, data)})
    return sid


def test_a_foreign_host_name_is_refused_dns_rebinding_cannot_reach_the_page(tmp_path):
    client = client_of(tmp_path)
    evil = client.get("/", headers={"Host": "evil.example"})
    assert evil.status_code == 400
    assert "Host" in evil.json()["error"] and "允许列表" in evil.json()["error"]
    assert client.post("/api/session", headers={"Host": "evil.example:8501"}).status_code == 400
    for host in ("127.0.0.1:8501", "localhost:8501", "[::1]:8501"):
        assert client.get("/", headers={"Host": host}).status_code == 200, host
    allowed = client_of(tmp_path / "b", allowed_hosts=("gis.institute.local",))
    assert allowed.get("/", headers={"Host": "gis.institute.local:8501"}).status_code == 200


def test_another_page_in_the_browser_cannot_create_sessions_or_run(tmp_path):
    client = client_of(tmp_path)
    foreign = client.post("/api/session", headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and "Origin" in foreign.json()["error"]
    sid = new_session(client, headers={"Origin": LOCAL})
    run = client.post(f"/api/{sid}/run", json={}, headers={"Origin": "http://evil.example"})
    assert run.status_code == 403
    assert client.post("/api/session", headers={"Origin": "null"}).status_code == 403
    new_session(client)  # no Origin: not a browser's cross-site request (curl, scripts)


def test_beyond_loopback_every_request_needs_the_printed_token(tmp_path):
    app = create_app(tmp_path / "work", listen_host="0.0.0.0")
    token = app.state.token
    assert token and len(token) >= 24
    client = TestClient(app, base_url=LOCAL)
    assert client.get("/").status_code == 403
    assert client.post("/api/session").status_code == 403
    first = client.get(f"/?token={token}")
    assert first.status_code == 200 and "gc_token" in first.headers["set-cookie"]
    assert (
        "HttpOnly" in first.headers["set-cookie"]
        and "SameSite=Strict" in first.headers["set-cookie"]
    )
    new_session(client)  # the cookie carries the token from now on
    other = TestClient(app, base_url=LOCAL)
    assert other.get("/?token=wrong").status_code == 403
    assert other.post("/api/session", headers={"X-GC-Token": token}).status_code == 200
    # colleagues open it by the machine's name or address; other names stay refused
    name = sorted(machine_names())[0]
    assert other.get(f"/?token={token}", headers={"Host": f"{name}:8501"}).status_code == 200
    assert other.get(f"/?token={token}", headers={"Host": "evil.example"}).status_code == 400


def test_the_start_up_address_carries_the_token_and_the_real_addresses():
    urls = workbench.start_urls("0.0.0.0", 8501, "T0KEN")
    assert urls and all(u.endswith(":8501/?token=T0KEN") for u in urls)
    assert not any("0.0.0.0" in u for u in urls)
    assert workbench.start_urls("127.0.0.1", 8501, None) == ["http://127.0.0.1:8501/"]


def _bomb(member_bytes: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("city.shp", b"\0" * member_bytes)
        archive.writestr("city.dbf", b"x")
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_and_leaves_nothing_behind(tmp_path):
    client = client_of(tmp_path)
    sid = new_session(client)
    bomb = _bomb(60 * 2**20)  # 60 MB of zeros in about 60 kB
    assert len(bomb) < 2**20
    response = client.post(
        f"/api/{sid}/upload", data={"kind": "communities"}, files={"file": ("c.zip", bomb)}
    )
    assert response.status_code == 400 and "解压后过大" in response.json()["error"]
    folder = tmp_path / "work" / sid / "layers"
    assert not any(p.is_file() for p in folder.rglob("*"))


def test_a_zip_of_many_members_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.shp", b"x")
        for k in range(workbench.MAX_ZIP_MEMBERS + 1):
            archive.writestr(f"f{k}.txt", b"x")
    client = client_of(tmp_path)
    sid = new_session(client)
    response = client.post(
        f"/api/{sid}/upload",
        data={"kind": "communities"},
        files={"file": ("c.zip", buffer.getvalue())},
    )
    assert response.status_code == 400 and "文件过多" in response.json()["error"]


def test_a_body_over_budget_is_refused_on_its_length_and_while_streaming(tmp_path):
    client = client_of(tmp_path, max_upload_bytes=2**20)
    sid = new_session(client)
    big = b"a,b\n" * (1 << 20)  # 4 MB
    response = client.post(
        f"/api/{sid}/upload", data={"kind": "facilities"}, files={"file": ("f.csv", big)}
    )
    assert response.status_code == 413 and "文件过大" in response.json()["error"]

    def chunks():  # no Content-Length: stopped once past the budget
        for _ in range(8):
            yield b"x" * 2**20

    streamed = client.post(
        f"/api/{sid}/upload",
        content=chunks(),
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert streamed.status_code == 413
    assert not any(p.is_file() for p in (tmp_path / "work" / sid / "layers").rglob("*"))


def test_sessions_are_capped_and_orphans_removed_at_start_up(tmp_path, monkeypatch):
    monkeypatch.setattr(workbench, "MAX_SESSIONS", 3)
    client = client_of(tmp_path)
    for _ in range(3):
        new_session(client)
    refused = client.post("/api/session")
    assert refused.status_code == 429 and "上限" in refused.json()["error"]
    orphan = tmp_path / "work" / ("a" * 32)
    (orphan / "layers").mkdir(parents=True)
    (orphan / "layers" / "x.csv").write_bytes(b"x" * 1000)
    mine = tmp_path / "work" / "notes"
    mine.mkdir()
    client_of(tmp_path)  # a restart
    assert not orphan.exists() and mine.exists()  # only session folders are removed


def test_headers_refuse_framing_and_the_api_description_is_not_published(tmp_path):
    client = client_of(tmp_path)
    page = client.get("/")
    assert page.headers["x-frame-options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/openapi.json").status_code == 404
    refused = client.get("/", headers={"Host": "evil.example"})
    assert refused.headers["x-frame-options"] == "SAMEORIGIN"  # on refusals too


def test_a_link_in_the_data_folder_pointing_outside_is_not_offered(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "city.osm").write_bytes((DEMO / "streets.osm").read_bytes())
    secret = tmp_path / "secret.osm"
    secret.write_text("<osm>secret</osm>", encoding="utf-8")
    os.symlink(secret, data / "leak.osm")
    client = client_of(tmp_path, data_dir=data)
    assert client.get("/api/server-files").json() == ["city.osm"]
    sid = new_session(client)
    refused = client.post(f"/api/{sid}/server-file", json={"name": "leak.osm"})
    assert refused.status_code == 400


def test_a_zipped_shapefile_uploads_with_a_relative_workdir(tmp_path, monkeypatch):
    import geopandas as gpd

    shp = tmp_path / "shp"
    shp.mkdir()
    compounds = gpd.read_file(DEMO / "communities.geojson")
    short = compounds.rename(columns={"小区编号": "编号", "小区名称": "名称"})  # DBF: 10 bytes
    short[["编号", "名称", "户数", "geometry"]].to_file(shp / "小区.shp", encoding="utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in shp.iterdir():
            archive.write(part, part.name)
    monkeypatch.chdir(tmp_path)
    client = TestClient(create_app(Path("work")), base_url=LOCAL)
    sid = new_session(client)
    response = client.post(
        f"/api/{sid}/upload",
        data={"kind": "communities"},
        files={"file": ("小区.zip", buffer.getvalue())},
    )
    assert response.status_code == 200, response.text
    assert response.json()["type"] == "shp-zip"
    assert not Path(response.json()["path"]).is_absolute()  # no server path goes to the page


def test_a_csv_whose_64k_mark_cuts_a_character_is_still_a_csv():
    from geo_coverage.apps.workbench import sniff

    line = "编号,名称,类型,经度,纬度\n"
    for shift in range(4):  # the 65,536th byte falls inside a character for some shift
        body = ("x" * shift + line * 4000).encode("utf-8")
        assert sniff(body) == "csv", shift
        assert sniff(("x" * shift + line * 4000).encode("gbk")) == "csv", shift


def test_one_session_starts_one_run_at_a_time(tmp_path):
    client = client_of(tmp_path)
    sid = new_session(client)
    bench = client.app.state.bench
    bench.sessions[sid].status = "queued"  # as if a run had just been claimed
    again = client.post(f"/api/{sid}/run", json={})
    assert again.status_code == 400 and "已有评估在进行" in again.json()["error"]
    state = client.get(f"/api/{sid}/status").json()
    assert state["status"] == "queued" and state["position"] == 1


def _run_demo(client: TestClient) -> str:
    return _run_demo_in(client, new_session(client))


def _run_demo_in(client: TestClient, sid: str) -> str:
    import time

    for kind, name in (
        ("facilities", "facilities.csv"),
        ("communities", "communities.geojson"),
        ("network", "streets.osm"),
    ):
        response = client.post(
            f"/api/{sid}/upload",
            data={"kind": kind},
            files={"file": (name, (DEMO / name).read_bytes())},
        )
        assert response.status_code == 200, response.text
    form = {
        "coords": {"facilities": "gcj02", "communities": "wgs84"},
        "types": {"居家养老服务驿站": "station"},
    }
    assert client.post(f"/api/{sid}/run", json=form).status_code == 200
    for _ in range(600):
        state = client.get(f"/api/{sid}/status").json()
        if state["status"] in {"done", "failed"}:
            break
        time.sleep(0.1)
    assert state["status"] == "done", state
    return sid


def test_the_gap_list_comes_in_pages_sorted_on_the_server(tmp_path):
    client = client_of(tmp_path)
    sid = _run_demo(client)
    done = client.get(f"/api/{sid}/status")
    assert len(done.content) < 100_000  # a poll stays small
    first = done.json()["gaps"]
    total = first["total"]
    assert total > 20 and len(first["rows"]) == min(total, workbench.GAP_PAGE_ROWS)
    page = client.get(f"/api/{sid}/gaps", params={"offset": 10, "limit": 10}).json()
    assert page["offset"] == 10 and page["rows"] == first["rows"][10:20]
    households = first["headers"].index("户数")
    ranked = client.get(
        f"/api/{sid}/gaps", params={"sort": households, "desc": "true", "limit": 500}
    ).json()
    values = [float(r[households]) for r in ranked["rows"]]
    assert values == sorted(values, reverse=True) and len(values) == total
    assert client.get(f"/api/{sid}/gaps", params={"limit": 10**6}).json()["rows"].__len__() <= 500


def test_errors_point_at_the_page_control_and_never_show_a_server_path(tmp_path):
    client = client_of(tmp_path)
    sid = upload_edited_demo(client, {3: ("日间照料中心", "")})  # row 4: a type left empty
    missing = client.post(f"/api/{sid}/validate", json={"coords": {"facilities": "gcj02"}})
    assert missing.status_code == 400 and missing.json()["control"] == "coords-communities"
    assert "请为小区清单选择坐标系" in missing.json()["error"]
    form = {"coords": {"facilities": "gcj02", "communities": "wgs84"}}
    result = client.post(f"/api/{sid}/validate", json=form).json()
    assert str(tmp_path) not in str(result)  # no path on the server reaches the page
    (finding,) = [f for f in result["findings"] if f["row"] == 4]
    assert finding["file"] == "设施.csv"  # named as the planner's own file


def test_a_threshold_typed_as_text_is_refused_not_dropped(tmp_path):
    client = client_of(tmp_path)
    sid = new_session(client)
    for kind, name in (("facilities", "facilities.csv"), ("communities", "communities.geojson")):
        client.post(
            f"/api/{sid}/upload",
            data={"kind": kind},
            files={"file": (name, (DEMO / name).read_bytes())},
        )
    form = {
        "place": "呼和浩特市新城区",
        "coords": {"facilities": "gcj02", "communities": "wgs84"},
        "overrides": {"care_circle_min": "10分钟"},
    }
    refused = client.post(f"/api/{sid}/run", json=form)
    assert refused.status_code == 400
    assert refused.json()["control"] == "threshold-care_circle_min"
    assert "10分钟" in refused.json()["error"]


def test_the_bundle_holds_exactly_the_runs_inputs_and_outputs(tmp_path):
    client = client_of(tmp_path)
    # a list uploaded as CSV, then replaced by the GeoJSON: only the GeoJSON is the run's
    sid = new_session(client)
    client.post(
        f"/api/{sid}/upload",
        data={"kind": "communities"},
        files={"file": ("old.csv", b"name,households,lon,lat\\nA,10,111.7,40.8\\n")},
    )
    sid_done = _run_demo_in(client, sid)
    bundle = client.get(f"/api/{sid_done}/bundle.zip").content
    names = set(zipfile.ZipFile(io.BytesIO(bundle)).namelist())
    assert "layers/communities.csv" not in names
    assert {"config.yaml", "layers/communities.geojson", "layers/facilities.csv"} <= names
    assert {"outputs/map.html", "outputs/report.docx"} <= names


def test_upload_refusals_are_in_chinese_and_point_at_the_file_control(tmp_path):
    client = client_of(tmp_path)
    sid = new_session(client)
    empty = client.post(
        f"/api/{sid}/upload", data={"kind": "communities"}, files={"file": ("c.csv", b"")}
    )
    assert empty.status_code == 400
    assert empty.json()["control"] == "file-communities" and "文件是空的" in empty.json()["error"]
    csv_as_network = client.post(
        f"/api/{sid}/upload",
        data={"kind": "network"},
        files={"file": ("n.osm", (DEMO / "facilities.csv").read_bytes())},
    )
    assert csv_as_network.json()["control"] == "file-network"
    assert csv_as_network.json()["error"].startswith("路网须为 OSM 文件")
    early = client.post(f"/api/{sid}/run", json={})
    assert early.json()["control"] == "file-facilities" and "请先上传" in early.json()["error"]


def test_a_workbook_of_several_sheets_lets_the_planner_pick_one(tmp_path):
    import pandas as pd

    book = tmp_path / "设施.xlsx"
    facilities = pd.read_csv(DEMO / "facilities.csv", encoding="utf-8-sig")
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"说明": ["本表由民政局整理", "2025年12月"]}).to_excel(
            writer, sheet_name="说明", index=False
        )
        facilities.to_excel(writer, sheet_name="设施清单", index=False)
    client = client_of(tmp_path)
    sid = new_session(client)
    first = client.post(
        f"/api/{sid}/upload",
        data={"kind": "facilities"},
        files={"file": ("设施.xlsx", book.read_bytes())},
    ).json()
    assert first["sheets"] == ["说明", "设施清单"] and first["sheet"] == "说明"
    assert "name" not in first["preview"]["columns"]  # the notes sheet has no such column
    chosen = client.post(f"/api/{sid}/sheet", json={"kind": "facilities", "sheet": "设施清单"})
    assert chosen.status_code == 200
    assert {"name", "type", "lon", "lat"} <= set(chosen.json()["preview"]["columns"])
    wrong = client.post(f"/api/{sid}/sheet", json={"kind": "facilities", "sheet": "无此表"})
    assert wrong.status_code == 400 and wrong.json()["control"] == "sheet-facilities"
    bench = client.app.state.bench
    bench.upload(sid, "communities", "c.geojson", (DEMO / "communities.geojson").read_bytes())
    form = {"place": "x", "coords": {"facilities": "gcj02", "communities": "wgs84"}}
    assert "sheet: 设施清单" in bench.config_text(sid, form)


def test_the_check_speaks_chinese_where_the_planner_reads_it(tmp_path):
    client = client_of(tmp_path)
    sid = upload_edited_demo(
        client, {3: ("日间照料中心", ""), 4: ("社区养老服务站", "社区养老驿站")}
    )
    form = {"coords": {"facilities": "gcj02", "communities": "wgs84"}}
    findings = client.post(f"/api/{sid}/validate", json=form).json()["findings"]
    by_row = {f["row"]: f for f in findings}
    assert by_row[4]["message_zh"].startswith("设施类型为空")
    assert by_row[5]["message_zh"].startswith(
        "未知的设施类型 '社区养老驿站'：是否为“社区养老服务驿站”？"
    )
