"""Regenerate the demo city's layers in layers/demo (deterministic: same bytes every run)."""

from pathlib import Path

from geo_coverage.apps.demo import write_demo_city

if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    for path in write_demo_city(root / "layers" / "demo"):
        print(f"wrote {path.relative_to(root)} ({path.stat().st_size:,} bytes)")
