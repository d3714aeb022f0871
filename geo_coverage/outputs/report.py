"""The 评估报告: an editable Word report (and its PDF) written from the numbers of a run.

Sections: cover (city, date of the data, profile and its documents); 一、总体结论, a
paragraph written from the numbers; 二、指标评估, one row per scorecard indicator with
target, year, level, measured value, status and document; 三、分街道 (and 苏木乡镇 /
嘎查村), tables and a chart; 四、现状图; 五、缺口清单 (the first 20 gaps); 六、新建选址建议;
七、数据与方法 (inputs, speed, network quality, the passage behind every target, every
warning and every no-data item with the column that would enable it).

Text from input files only ever becomes the text of a Word run: no field codes, no
formulas, no markup. Two runs on the same inputs give the same document (its dates come
from the data, not the clock). The PDF is LibreOffice's rendering of the same DOCX, so the
two never differ in content.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import __version__
from .._errors import Finding
from ..assess.indicators import format_target, format_value
from ..assess.verdicts import Assessment, community_status
from ..scenarios import ranking
from ..siting import SitingResult
from ..standards import DOC_SHORT, DOCS, FACILITY_TYPES, PROFILE_INFO, profile_documents
from ..text import (
    LOAD_COLUMNS,
    LOAD_NOTE,
    REPORT_TEXT,
    SCENARIO_TEXT,
    STATUS_TEXT,
    label_column,
    of,
    pick,
    position,
)
from .figures import bar_chart, overview_figure, sites_figure
from .maps import status_labels
from .palette import STATUS_COLOURS
from .tables import load_table, ranking_table

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table

    from ..scenarios import ScenarioResult


def _t(key: str, language: str, **values: object) -> str:
    text = of(REPORT_TEXT[key], language)
    return text.format(**values) if values else text


@dataclass(frozen=True)
class ReportInputs:
    """What the report is written from: one run's results and settings.

    Attributes
    ----------
    city
        The city's name.
    profile
        The standards profile's name.
    language
        {"zh", "en"}
    data_date
        The date of the data (newest input file), ISO ``YYYY-MM-DD``.
    assessment
        The assessment.
    isochrones
        Bands as drawn (metric CRS), or None.
    siting
        Proposed sites, or None.
    quality
        The network quality figures (``network_quality.json``).
    warnings
        Warnings that change how the numbers should be read.
    inputs
        Layer kind -> (file name as the config gives it, feature count or None).
    network_credit
        The data credit of the streets.
    streets
        The walking network's lines (metric CRS), drawn under the maps; None: not drawn.
    plans
        Plans tested against today (``scenarios``), ranked in their own section.
    """

    city: str
    profile: str
    language: str
    data_date: str
    assessment: Assessment
    isochrones: gpd.GeoDataFrame | None
    siting: SitingResult | None
    quality: dict[str, float]
    warnings: tuple[Finding, ...]
    inputs: dict[str, tuple[str, int | None]]
    network_credit: str
    streets: np.ndarray | None = None
    plans: tuple[ScenarioResult, ...] = ()


# ---- the document ------------------------------------------------------------------


def _set_fonts(doc: Document, language: str) -> None:
    """Body and heading fonts with an East Asian face, so Word and LibreOffice show Chinese."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    east = pick(language, "宋体", "SimSun")
    for name, size in (("Normal", 10.5), ("Heading 1", 15), ("Heading 2", 12.5), ("Title", 20)):
        style = doc.styles[name]
        style.font.size = Pt(size)
        if name != "Normal":
            style.font.name = pick(language, "黑体", "Arial")
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east if name == "Normal" else "黑体")


def _page(doc: Document) -> None:
    from docx.shared import Cm

    for section in doc.sections:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
        section.left_margin = section.right_margin = Cm(2.5)
        section.top_margin = section.bottom_margin = Cm(2.5)


TEXT_WIDTH_CM = 16.0
"""Width of the text on an A4 page with 2.5 cm margins."""


def _table(
    doc: Document, headers: list[str], rows: list[list[object]], widths: list[float] | None = None
) -> Table:
    """A grid table; every cell's text is set as plain text (never a field or formula)."""
    from docx.shared import Cm, Pt

    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = Pt(9)
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            run = cell.paragraphs[0].add_run("" if value is None else str(value))
            run.font.size = Pt(9)
    widths = widths or [TEXT_WIDTH_CM / len(headers)] * len(headers)
    scale = TEXT_WIDTH_CM / sum(widths)
    table.autofit = False
    for column, w in zip(table.columns, widths, strict=True):
        column.width = Cm(w * scale)  # the grid LibreOffice reads
        for cell in column.cells:
            cell.width = Cm(w * scale)  # the cell widths Word reads
    return table


def _figure(doc: Document, png: bytes, caption: str) -> None:
    import io

    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc.add_picture(io.BytesIO(png), width=Cm(16.0))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(caption)
    run.font.size = Pt(9)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def failing_targets(r: ReportInputs) -> list[str]:
    """One line per failing indicator: measured against its target."""
    label = label_column(r.language)
    rows = r.assessment.scorecard
    lines = []
    for row in rows[rows["status"] == "fail"].to_dict(orient="records"):
        measured = format_value(row["measured"], row["unit"], language=r.language)
        target = format_target(row, language=r.language)
        lines.append(
            f"{row[label]}：{measured}，目标 {target}"
            if r.language == "zh"
            else f"{row[label]}: {measured}, target {target}"
        )
    return lines


def conclusions(r: ReportInputs) -> str:
    """The 总体结论 paragraph, written from the numbers."""
    a, zh = r.assessment, r.language == "zh"
    com = a.communities
    known = com[com["households"].notna().to_numpy() & com["assessed"].to_numpy(dtype=bool)]
    c = f"{a.standards.care_circle_min:g}"
    hh = known["households"].to_numpy(dtype=float)
    share_hh = known["covered_share"].to_numpy(dtype=float)
    inside_hh = float((hh * share_hh).sum())
    elderly = known["elderly"].fillna(0).to_numpy(dtype=float)
    inside_el = float((elderly * share_hh).sum())
    n_in = int(known["covered"].sum())
    sc = a.scorecard
    counts = {k: int((sc["status"] == k).sum()) for k in STATUS_TEXT}
    deficit = com["deficit_m2"]
    place, docs = PROFILE_INFO[r.profile][0], "、".join(profile_documents(r.profile))
    if zh:
        text = (
            f"{r.city}共有小区{len(com)}个、住户{com['households'].sum():,.0f}户"
            + (
                f"、60岁以上老年人{com['elderly'].sum():,.0f}人"
                if com["elderly"].notna().any()
                else ""
            )
            + f"。{c}分钟养老服务圈内有小区{n_in}个（{_pct(n_in / max(len(known), 1))}）、"
            f"住户{inside_hh:,.0f}户（{_pct(inside_hh / max(hh.sum(), 1))}）"
            + (
                f"、老年人{inside_el:,.0f}人（{_pct(inside_el / max(elderly.sum(), 1))}）"
                if elderly.sum()
                else ""
            )
            + f"。按{place}适用的文件（{docs}）评估{len(sc)}项指标：达标{counts['pass']}项，"
            f"未达标{counts['fail']}项（列于下）"
            + f"；{counts['total']}项目标在上级层面（全市、全区），按合计评判；"
            f"{counts['no_target']}项文件未设定目标，仅作测算；{counts['no_data']}项未提供数据。"
        )
        if deficit.notna().any() and deficit.fillna(0).sum() > 0:
            worst = com.loc[deficit.fillna(-1).idxmax()]
            text += (
                f"养老用房缺口合计{deficit.sum():,.0f}㎡，缺口最大的小区为{worst['name']}"
                f"（{worst['deficit_m2']:,.0f}㎡）。"
            )
        elif not deficit.notna().any():
            text += "未提供养老用房面积，面积指标未评估。"
        if r.siting is not None and len(r.siting.sites):
            text += (
                f"建议新建养老服务设施{len(r.siting.sites)}处，可新增覆盖老年人"
                f"{r.siting.sites['elderly_new'].sum():,.0f}人、住户"
                f"{r.siting.sites['households_new'].sum():,.0f}户。"
            )
        return text
    text = (
        f"{r.city} has {len(com)} compounds with {com['households'].sum():,.0f} households. "
        f"Within the {c}-minute care circle lie {n_in} compounds "
        f"({_pct(n_in / max(len(known), 1))}) and {inside_hh:,.0f} households "
        f"({_pct(inside_hh / max(hh.sum(), 1))}). Judged by the documents of {place} ({docs}), "
        f"of {len(sc)} indicators {counts['pass']} pass and {counts['fail']} fail (listed below)"
        + f"; {counts['total']} are set above this place and judged on the total; "
        f"{counts['no_target']} have no target in the documents; {counts['no_data']} have no data."
    )
    if deficit.notna().any() and deficit.fillna(0).sum() > 0:
        worst = com.loc[deficit.fillna(-1).idxmax()]
        text += (
            f" Missing floor area totals {deficit.sum():,.0f} m²; the largest gap is "
            f"{worst['name']} ({worst['deficit_m2']:,.0f} m²)."
        )
    if r.siting is not None and len(r.siting.sites):
        text += (
            f" {len(r.siting.sites)} new facilities are proposed, bringing "
            f"{r.siting.sites['elderly_new'].sum():,.0f} elderly into the circle."
        )
    return text


def _doc_short(row: dict[str, object], language: str) -> str:
    """The document a row's target comes from, short (``003 自治区养老服务体系规划``)."""
    source = str(row["source"])
    if row["status"] == "no_target" or source.startswith("无目标"):
        return "—"
    if source.startswith("工具默认"):
        return pick(language, "工具默认", "tool default")
    for key, title in DOCS.items():
        if source.startswith(f"{key} {title}"):
            return f"{key} {DOC_SHORT[key]}"
    return pick(language, "工具规则", "tool rule")


def _context(r: ReportInputs) -> tuple[str, bool, Assessment, str]:
    """Language, whether Chinese, the assessment and the care circle's minutes as text."""
    return (
        r.language,
        r.language == "zh",
        r.assessment,
        f"{r.assessment.standards.care_circle_min:g}",
    )


def _section_conclusions(doc: Document, r: ReportInputs) -> None:
    """一、总体结论."""
    lang = r.language
    doc.add_heading(_t("s1", lang), level=1)
    doc.add_paragraph(conclusions(r))
    for line in failing_targets(r):
        doc.add_paragraph(line, style="List Bullet")


def _section_indicators(doc: Document, r: ReportInputs) -> None:
    """二、指标评估: one row per indicator."""
    lang, _zh, a, _ = _context(r)
    from docx.shared import RGBColor

    doc.add_heading(_t("s2", lang), level=1)
    label = label_column(r.language)
    colours = {"pass": "1A9850", "fail": "D73027", "total": "2166AC"}
    rows = [
        [
            row[label],
            format_target(row, language=lang),
            format_value(row["measured"], row["unit"], language=lang),
            STATUS_TEXT[row["status"]][position(r.language)],
            _doc_short(row, lang),
        ]
        for row in a.scorecard.to_dict(orient="records")
    ]
    table = _table(
        doc,
        [_t(k, lang) for k in ("indicator", "target", "measured", "status", "document")],
        rows,
        [5.0, 3.4, 2.2, 2.2, 3.2],
    )
    for tr, status in zip(table.rows[1:], a.scorecard["status"], strict=True):
        if status in colours:
            run = tr.cells[3].paragraphs[0].runs[0]
            run.font.color.rgb = RGBColor.from_string(colours[status])
            run.bold = True


def _section_places(doc: Document, r: ReportInputs) -> None:
    """三、分街道 (and townships, villages): tables and chart."""
    lang, _, a, c = _context(r)
    doc.add_heading(_t("s3", lang), level=1)
    subs = a.subdistricts
    if subs is not None and len(subs):
        has_area = bool(subs["deficit_m2"].notna().any()) if "deficit_m2" in subs else False
        headers = ["subdistrict", "compounds", "households", "circle_share", "centres"] + (
            ["deficit"] if has_area else []
        )
        body = []
        for row in subs.sort_values("covered_households_share").to_dict(orient="records"):
            values = [
                row["name"],
                row["communities"],
                f"{row['households']:,.0f}",
                _pct(row["covered_households_share"]),
                row["centres"],
            ]
            if has_area:
                values.append(f"{row['deficit_m2']:,.0f}")
            body.append(values)
        _table(doc, [_t(h, lang, c=c) for h in headers], body)
        chart = bar_chart(
            subs,
            name="name",
            share="covered_households_share",
            deficit="deficit_m2" if has_area else None,
            labels={
                "share": _t("chart_share", lang, c=c),
                "deficit": _t("chart_deficit", lang),
            },
        )
        _figure(doc, chart, _t("fig_chart", lang, c=c))
    else:
        doc.add_paragraph(_t("no_subdistricts", lang))
    if a.townships is not None and len(a.townships):
        doc.add_heading(_t("s3_townships", lang), level=2)
        yes, no = _t("yes", lang), _t("no", lang)
        _table(
            doc,
            [_t("township", lang), _t("has_centre", lang), _t("welfare_homes", lang)],
            [
                [t["name"], yes if t["has_centre"] else no, int(t.get("welfare_homes", 0))]
                for t in a.townships.to_dict(orient="records")
            ],
        )
    _facility_loads(doc, r)
    if a.villages is not None and len(a.villages):
        doc.add_heading(_t("s3_villages", lang), level=2)
        yes, no = _t("yes", lang), _t("no", lang)
        _table(
            doc,
            [_t(k, lang) for k in ("village", "home_care", "distance", "served")],
            [
                [
                    v["name"],
                    v["home_care_name"] or "—",
                    f"{v['home_care_m']:,.0f}" if np.isfinite(v["home_care_m"]) else "—",
                    yes if v["served"] else no,
                ]
                for v in a.villages.to_dict(orient="records")
            ],
        )


def _facility_loads(doc: Document, r: ReportInputs) -> None:
    """设施服务负荷: how service areas are drawn, then the care facilities, heaviest first."""
    lang, a = r.language, r.assessment
    fac = a.facilities
    if not (fac["load_status"] != "").any():
        return
    s = a.standards
    area, circle = f"{s.area_per_100_households_m2:g}", f"{s.care_circle_min:g}"
    doc.add_heading(_t("s3_loads", lang), level=2)
    doc.add_paragraph(of(LOAD_NOTE, lang).format(c=circle, a=area))
    table = load_table(
        fac,
        area_standard=s.area_per_100_households_m2,
        care_circle_min=s.care_circle_min,
        language=lang,
    ).iloc[:-1]  # the note row: said above
    overloaded = int((fac["load_status"] == "overloaded").sum())
    key = "loads_overloaded" if overloaded else "loads_none"
    doc.add_paragraph(_t(key, lang, n=overloaded, a=area))
    shown = ["name", "type_label", "served_households", "served_m2_per_100hh", "load"]
    pos = position(lang)
    headers = [LOAD_COLUMNS[c][pos] for c in shown]
    rows = [
        [
            row[headers[0]],
            row[headers[1]],
            f"{row[headers[2]]:,.0f}",
            "—" if pd.isna(row[headers[3]]) else f"{row[headers[3]]:.1f}",
            row[headers[4]],
        ]
        for row in table.head(20).to_dict(orient="records")
    ]
    _table(doc, headers, rows, [4.5, 2.8, 2.4, 3.0, 3.3])


def _section_overview(doc: Document, r: ReportInputs) -> None:
    """四、现状图."""
    lang, _zh, a, c = _context(r)
    doc.add_heading(_t("s4", lang), level=1)
    status = community_status(a.communities)
    labels_all = status_labels(a.standards.care_circle_min)
    fig_labels = {
        "bands": _t("bands", lang),
        "no_centre": _t("no_centre", lang),
        **{k: (pick(r.language, t.label_zh, t.label_en)) for k, t in FACILITY_TYPES.items()},
    }
    _figure(
        doc,
        overview_figure(
            a,
            r.isochrones,
            status=status,
            status_colours=STATUS_COLOURS,
            status_labels={k: v[position(r.language)] for k, v in labels_all.items()},
            labels=fig_labels,
            credit=r.network_credit,
            streets=r.streets,
        ),
        _t("fig_overview", lang, c=c),
    )


def _section_gap_list(doc: Document, r: ReportInputs) -> None:
    """五、缺口清单: the first 20 gaps."""
    lang, _zh, a, c = _context(r)
    doc.add_heading(_t("s5", lang), level=1)
    gaps = a.gaps.head(20)
    if len(gaps):
        _table(
            doc,
            [
                _t(k, lang, c=c)
                for k in (
                    "name",
                    "subdistrict",
                    "households",
                    "elderly",
                    "walk",
                    "deficit",
                    "reasons",
                )
            ],
            [
                [
                    g["name"],
                    g.get("subdistrict", "") if isinstance(g.get("subdistrict", ""), str) else "",
                    f"{g['households']:,.0f}"
                    if np.isfinite(g["households"])
                    else _t("no_data", lang),
                    f"{g['elderly']:,.0f}" if pd.notna(g["elderly"]) else "—",
                    f"{g['walk_min']:.1f}" if pd.notna(g["walk_min"]) else "—",
                    f"{g['deficit_m2']:,.0f}" if pd.notna(g["deficit_m2"]) else "—",
                    g[pick(r.language, "reasons_zh", "reasons_en")],
                ]
                for g in gaps.to_dict(orient="records")
            ],
            [3.0, 2.0, 1.4, 1.4, 1.6, 1.6, 5.0],
        )
    else:
        doc.add_paragraph(_t("no_gaps", lang))


def _section_sites(doc: Document, r: ReportInputs) -> None:
    """六、新建选址建议: the sites, what each adds, a figure."""
    lang, _, a, c = _context(r)
    doc.add_heading(_t("s6", lang), level=1)
    if r.siting is not None and len(r.siting.sites):
        sites = r.siting.sites
        _table(
            doc,
            [_t(k, lang) for k in ("rank", "name", "new_households", "new_elderly", "recommended")],
            [
                [
                    int(s["rank"]),
                    s.get("name", "") or "",
                    f"{s['households_new']:,.0f}",
                    f"{s['elderly_new']:,.0f}",
                    f"{s['recommended_m2']:,.0f}",
                ]
                for s in sites.to_dict(orient="records")
            ],
        )
        outside = ~a.communities["covered"].to_numpy(dtype=bool)
        _figure(
            doc,
            sites_figure(
                a,
                sites,
                outside=outside,
                labels={
                    "outside": _t("outside", lang, c=c),
                    "inside": _t("inside", lang),
                    "site": _t("site", lang),
                },
                credit=r.network_credit,
                streets=r.streets,
            ),
            _t("fig_sites", lang),
        )
    else:
        doc.add_paragraph(_t("no_siting", lang))


def _section_plans(doc: Document, r: ReportInputs) -> None:
    """方案对比 (when the config tests plans): the ranking, then each plan's gains."""
    if not r.plans:
        return
    lang = r.language
    doc.add_heading(of(SCENARIO_TEXT["title"], lang), level=2)
    doc.add_paragraph(of(SCENARIO_TEXT["rule"], lang))
    table = ranking_table(ranking(r.assessment, r.plans), language=lang)
    _table(doc, list(table.columns), table.astype(str).to_numpy().tolist())


def _section_method(doc: Document, r: ReportInputs) -> None:
    """七、数据与方法: inputs, method, passages, warnings, no-data items."""
    lang, zh, a, c = _context(r)
    label = label_column(r.language)
    doc.add_heading(_t("s7", lang), level=1)
    doc.add_heading(_t("inputs", lang), level=2)
    for kind, (file, count) in r.inputs.items():
        counted = f" ({count:,})" if count is not None else ""
        doc.add_paragraph(f"{kind}: {file}{counted}", style="List Bullet")
    doc.add_heading(_t("method", lang), level=2)
    s, q = a.standards, r.quality
    method = (
        f"步行速度 {s.walking_speed_m_s:g} m/s，养老服务圈 {c} 分钟（约 "
        f"{s.walk_m(s.care_circle_min):,.0f} 米），沿真实步行路网计算，"
        f"含小区到路网、路网到设施的步行。步行路网 {q.get('nodes', 0):,.0f} 个节点、"
        f"{q.get('edges', 0):,.0f} 条边，"
        f"研究区路网密度 {q.get('km_per_km2', 0):.1f} km/km²。"
        if zh
        else f"Walking speed {s.walking_speed_m_s:g} m/s; care circle {c} minutes (about "
        f"{s.walk_m(s.care_circle_min):,.0f} m) along the real walking network, "
        f"counting the walk to and from the network. Network: {q.get('nodes', 0):,.0f} nodes, "
        f"{q.get('edges', 0):,.0f} edges, {q.get('km_per_km2', 0):.1f} km of street per km²."
    )
    doc.add_paragraph(method)
    doc.add_heading(_t("passages", lang), level=2)
    for row in a.scorecard.to_dict(orient="records"):
        doc.add_paragraph(f"{row[label]}：{row['source']}", style="List Bullet")
    doc.add_heading(_t("warnings", lang), level=2)
    for w in r.warnings or ():
        doc.add_paragraph(str(w), style="List Bullet")
    if not r.warnings:
        doc.add_paragraph(_t("none", lang))
    doc.add_heading(_t("missing", lang), level=2)
    missing = a.scorecard[a.scorecard["status"] == "no_data"]
    for row in missing.to_dict(orient="records"):
        doc.add_paragraph(f"{row[label]}：{row['missing_data']}", style="List Bullet")
    if not len(missing):
        doc.add_paragraph(_t("none", lang))


def report_document(r: ReportInputs) -> Document:
    """Build the report as a python-docx ``Document`` (see the module docstring)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    lang = r.language
    doc = docx.Document()
    _page(doc)
    _set_fonts(doc, lang)
    when = dt.datetime.fromisoformat(r.data_date).replace(tzinfo=dt.UTC)
    props = doc.core_properties
    props.title = _t("title", lang, city=r.city)
    props.author = props.last_modified_by = "geo_coverage"
    props.created = props.modified = props.last_printed = when
    props.revision = 1
    props.comments = props.keywords = props.subject = props.category = ""

    # cover
    title = doc.add_paragraph(style="Title")
    title.add_run(_t("title", lang, city=r.city))
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in (
        _t("data_date", lang, date=r.data_date),
        _t("profile", lang, place=PROFILE_INFO[r.profile][0], profile=r.profile),
        *(f"{d} {DOCS[d]}" for d in profile_documents(r.profile)),
        _t("tool", lang, version=__version__),
    ):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        para.add_run(line).font.size = Pt(11)
    doc.add_page_break()

    for section in (
        _section_conclusions,
        _section_indicators,
        _section_places,
        _section_overview,
        _section_gap_list,
        _section_sites,
        _section_plans,
        _section_method,
    ):
        section(doc, r)
    return doc


def save_report(doc: Document, path: str | Path) -> Path:
    """Write the DOCX (the caller stages it; the zip's entries carry fixed dates)."""
    import zipfile

    path = Path(path)
    raw = path.with_suffix(".tmp.docx")
    doc.save(str(raw))
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            fixed = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(item.filename))
    raw.unlink()
    return path


def office_command() -> str | None:
    """LibreOffice's command on this machine (``soffice``/``libreoffice``), or None."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def docx_to_pdf(docx_path: str | Path, pdf_path: str | Path, *, timeout_s: float = 180.0) -> Path:
    """Render a DOCX to PDF with LibreOffice headless, in a private profile.

    Raises
    ------
    RuntimeError
        LibreOffice is missing or failed (the message says how to get it).
    """
    office = office_command()
    if office is None:
        msg = (
            "report.pdf needs LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer); "
            "report.docx is written anyway and Word prints it to PDF"
        )
        raise RuntimeError(msg)
    docx_path, pdf_path = Path(docx_path), Path(pdf_path)
    with tempfile.TemporaryDirectory() as work:
        profile = Path(work) / "profile"
        env = {**os.environ, "HOME": work}
        done = subprocess.run(
            [
                office,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                work,
                str(docx_path),
            ],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env=env,
            check=False,
        )
        made = Path(work) / (docx_path.stem + ".pdf")
        if done.returncode != 0 or not made.is_file():
            msg = f"LibreOffice could not convert the report: {done.stderr.strip()[:300]}"
            raise RuntimeError(msg)
        shutil.move(str(made), pdf_path)
    return pdf_path
