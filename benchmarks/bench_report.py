"""What the 评估报告 adds to a whole run: report.docx (figures, tables) and report.pdf.

Builds the synthetic city of ``bench_city.py`` (default 100k walk nodes), warms the
network cache, then runs it three times in this process, measured in the same run:
without the report, with report.docx, and with report.docx + report.pdf (LibreOffice).
Prints the outputs stage and the whole run of each, and the report's share.

Run:  python benchmarks/bench_report.py [10k|100k|1m]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_city import SIZES, make_city

from geo_coverage import settings
from geo_coverage.pipeline import run

FORMATS = {
    "no report": "[csv, xlsx, gpkg]",
    "+ report.docx": "[csv, xlsx, gpkg, docx]",
    "+ report.docx + .pdf": "[csv, xlsx, gpkg, docx, pdf]",
}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "100k"
    settings.show_progress = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = make_city(folder, *SIZES[name])
        settings.cache_folder = folder / "cache"
        run(config, write=False)  # warm: the network and grid come from the cache below
        base = config.read_text(encoding="utf-8")
        print(f"{name}: whole run (warm cache) and its outputs stage, seconds")
        results = {}
        for label, formats in FORMATS.items():
            text = base.replace("outputs: {folder: ", f"outputs: {{formats: {formats}, folder: ")
            config.write_text(text, encoding="utf-8")
            start = time.perf_counter()
            result = run(config)
            total = time.perf_counter() - start
            results[label] = (total, result.timings["outputs"])
            print(f"  {label:<22} run {total:6.2f}   outputs {result.timings['outputs']:6.2f}")
        plain = results["no report"][0]
        for label in list(FORMATS)[1:]:
            print(f"  report adds ({label}): {results[label][0] - plain:+.2f} s")


if __name__ == "__main__":
    main()
