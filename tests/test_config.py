"""The city config: loads the demo, and every mistake names key, line, value and what is allowed."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo_coverage import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "city.yaml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """\
city: 测试区
slug: test
network:
  path: streets.osm
layers:
  facilities:
    path: f.csv
  communities:
    path: c.geojson
"""


def test_demo_config_loads_with_paths_resolved_against_the_file(demo_config_path):
    config = load_config(demo_config_path)
    assert config.city == "示范区"
    assert config.network.path == demo_config_path.parent.parent / "layers" / "demo" / "streets.osm"
    assert config.layers.facilities.coords == "gcj02"
    assert config.layers.facilities.types == {"居家养老服务驿站": "station"}
    assert config.output_folder == demo_config_path.parent.parent / "maps" / "demo"


def test_minimal_config_gets_the_inner_mongolia_defaults(tmp_path):
    config = load_config(write(tmp_path, MINIMAL))
    s = config.standards
    assert (s.care_circle_min, s.area_per_100_households_m2, s.walking_speed_m_s) == (15, 20, 1.0)
    assert "每百户不少于20㎡" in s.source("area_per_100_households_m2")
    assert s.source("area_per_100_households_m2").startswith("工具默认")  # 002/003 do not say
    assert s.place_level == "county" and s.population_year is None
    assert config.outputs.language == "zh"


def test_place_level_and_target_year_population_are_read(tmp_path):
    text = MINIMAL + (
        "standard:\n  profile: chifeng\n  level: county\n"
        "  population: {year: 2025, elderly: 1050000}\n"
    )
    s = load_config(write(tmp_path, text)).standards
    assert (s.place_level, s.population_year, s.population_elderly) == ("county", 2025, 1050000)
    both = MINIMAL + "standard:\n  population: {year: 2025, elderly: 10, growth: 1.2}\n"
    with pytest.raises(ConfigError, match="exactly one of elderly"):
        load_config(write(tmp_path, both))


def test_overrides_replace_profile_values_and_record_their_source(tmp_path):
    text = (
        MINIMAL + "standard:\n  profile: siping-tiexi\n  overrides:\n    walking_speed_m_s: 0.9\n"
    )
    s = load_config(write(tmp_path, text)).standards
    assert s.walking_speed_m_s == 0.9
    assert s.land_per_resident_m2 == 0.12
    assert "city config city.yaml" in s.source("walking_speed_m_s")


def test_missing_file():
    with pytest.raises(ConfigError, match=r"nope\.yaml: config file not found"):
        load_config("nope.yaml")


def test_broken_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "city: x\nslug: [unclosed\nnetwork:\n  path: a.osm\n")
    with pytest.raises(ConfigError, match=r"city\.yaml: line \d+, column \d+: not valid YAML"):
        load_config(path)


def test_unknown_key_lists_the_allowed_keys_and_line(tmp_path):
    path = write(
        tmp_path, MINIMAL.replace("  path: streets.osm", "  path: streets.osm\n  snap_limt_m: 5")
    )
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert "network.snap_limt_m (line 5): unknown key; did you mean 'snap_limit_m'?" in text
    assert "allowed here: " in text and "path, place, bbox" in text


def test_bad_value_names_key_value_and_allowed_values(tmp_path):
    path = write(tmp_path, MINIMAL + "outputs:\n  language: fr\n")
    with pytest.raises(
        ConfigError,
        match=r"outputs\.language \(line 11\): Input should be 'zh' or 'en' \(got 'fr'\)",
    ):
        load_config(path)


def test_missing_required_key(tmp_path):
    path = write(tmp_path, MINIMAL.replace("slug: test\n", ""))
    with pytest.raises(ConfigError, match=r"slug: required key is missing"):
        load_config(path)


def test_exactly_one_network_source(tmp_path):
    path = write(
        tmp_path, MINIMAL.replace("  path: streets.osm", "  path: a.osm\n  place: 呼和浩特")
    )
    with pytest.raises(ConfigError, match="give exactly one network source"):
        load_config(path)


def test_unknown_profile_lists_profiles(tmp_path):
    path = write(tmp_path, MINIMAL + "standard:\n  profile: beijing\n")
    with pytest.raises(ConfigError, match=r"standard\.profile.*'inner-mongolia'.*got 'beijing'"):
        load_config(path)


def test_unknown_threshold_override(tmp_path):
    path = write(tmp_path, MINIMAL + "standard:\n  overrides:\n    care_circle_minutes: 10\n")
    with pytest.raises(ConfigError, match=r"standard\.overrides\.care_circle_minutes.*unknown key"):
        load_config(path)


def test_facility_type_mapping_to_an_unknown_tool_type(tmp_path):
    text = MINIMAL.replace("    path: f.csv", "    path: f.csv\n    types:\n      驿站: inn")
    with pytest.raises(ConfigError, match=r"unknown facility type key\(s\) \{'驿站': 'inn'\}"):
        load_config(write(tmp_path, text))


def test_bad_coordinate_system(tmp_path):
    text = MINIMAL.replace("    path: f.csv", "    path: f.csv\n    coords: gcj")
    with pytest.raises(ConfigError, match=r"layers\.facilities\.coords \(line 8\)"):
        load_config(write(tmp_path, text))


def test_tianditu_basemap_needs_a_key(tmp_path):
    path = write(tmp_path, MINIMAL + "outputs:\n  basemap: tianditu\n")
    with pytest.raises(ConfigError, match="needs your key: add 'tianditu_key: <key>'"):
        load_config(path)


def test_custom_basemap_must_be_an_xyz_template(tmp_path):
    path = write(tmp_path, MINIMAL + "outputs:\n  basemap: http://tiles.local/map.png\n")
    with pytest.raises(ConfigError, match=r"XYZ URL template with \{x\}, \{y\} and \{z\}"):
        load_config(path)
    ok = MINIMAL + "outputs:\n  basemap: http://10.0.0.5/tiles/{z}/{x}/{y}.png\n"
    assert load_config(write(tmp_path, ok)).outputs.basemap.endswith("{y}.png")


def test_osm_rule_needs_one_test_and_a_known_type(tmp_path):
    text = MINIMAL.replace(
        "    path: f.csv",
        "    source: osm\n    osm:\n      rules:\n"
        "        - {tag: amenity, name_contains: 养老, type: station}",
    )
    with pytest.raises(ConfigError, match="exactly one of 'tag' or 'name_contains'"):
        load_config(write(tmp_path, text))
    text = MINIMAL.replace(
        "    path: f.csv",
        "    source: osm\n    osm:\n      rules:\n        - {name_contains: 养老, type: inn}",
    )
    with pytest.raises(ConfigError, match="unknown facility type 'inn'"):
        load_config(write(tmp_path, text))


def test_siting_settings_are_checked(tmp_path):
    path = write(tmp_path, MINIMAL + "siting:\n  k: 0\n")
    with pytest.raises(ConfigError, match=r"siting\.k \(line 11\): Input should be greater"):
        load_config(path)
    path = write(tmp_path, MINIMAL + "siting:\n  objective: beds\n")
    with pytest.raises(ConfigError, match=r"siting\.objective.*'elderly' or 'households'"):
        load_config(path)


def test_importing_the_package_loads_no_stage_until_it_is_used():
    """`geo-coverage --version` and `--help` need no geopandas, osmnx or folium (PEP 562)."""
    import subprocess
    import sys

    code = (
        "import sys, geo_coverage as gc; heavy = ('geopandas', 'osmnx', 'folium', 'shapely');"
        "print(any(m in sys.modules for m in heavy)); gc.run; print('geopandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
    help_text = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from geo_coverage.apps import cli;"
            "print(any(m in sys.modules for m in ('geopandas', 'folium')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert help_text.strip() == "False"
