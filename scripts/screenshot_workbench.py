"""Regenerate docs/workbench.png: the workbench page after a run of the demo city.

Needs Chromium (Debian: apt-get install chromium fonts-noto-cjk) and the test extras.
Run:  python scripts/screenshot_workbench.py
"""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from geo_coverage.apps.workbench import create_app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "layers" / "demo"


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    work = Path(tempfile.mkdtemp(prefix="workbench_shot_"))
    server = uvicorn.Server(uvicorn.Config(create_app(work), port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 960})
        page.goto(f"http://127.0.0.1:{port}")
        page.wait_for_selector("body[data-ready='1']")
        page.set_input_files("#file-facilities", str(DEMO / "facilities.csv"))
        page.wait_for_selector("#preview-facilities table")
        page.select_option("#coords-facilities", "gcj02")
        page.select_option("#coords-communities", "wgs84")
        page.locator("select[data-word='居家养老服务驿站']").select_option("station")
        page.set_input_files("#file-communities", str(DEMO / "communities.geojson"))
        page.wait_for_selector("#preview-communities table")
        page.set_input_files("#file-network", str(DEMO / "streets.osm"))
        page.wait_for_function("document.getElementById('msg-network').dataset.ok === '1'")
        page.fill("#siting-k", "2")
        page.click("#run")
        page.wait_for_selector("#status[data-status='done']", timeout=120_000)
        page.frame_locator("#map").locator(".leaflet-control-layers").wait_for()
        page.wait_for_timeout(500)
        page.evaluate("document.getElementById('results').scrollIntoView()")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ROOT / "docs" / "workbench.png"), full_page=False)
        browser.close()
    server.should_exit = True
    print("wrote docs/workbench.png")


if __name__ == "__main__":
    main()
