// 规划工作台: every text from uploads or results is set with textContent, never as markup.
"use strict";

const EN = {
  title: "Elderly-care coverage · planning workbench", s1: "1 City and standards",
  city: "City / district", profile: "Standards profile",
  thresholds: "Thresholds and their policy sources (editable)", key: "threshold",
  value: "value", source: "source", s2: "2 Upload data",
  facilities: "Facility list", communities: "Compound list", network: "Street network",
  coords: "Coordinate system", s3: "3 Assess",
  coordshint: "AMap/Tencent exports → gcj02; Baidu → bd09; GPS/Tianditu → wgs84",
  networkkinds: "(.osm / .osm.pbf, or road centre lines: Shapefile.zip · GPKG · GeoJSON)",
  siting: "New sites to propose (0 = none)", run: "Run the assessment", file: "file",
  validate: "Check the data", server: "or a network file on the server",
  place: "or download by place name / bbox west,south,east,north (needs internet)",
  objective: "Sites should cover", roadcoords: "Road layer coordinates (without .prj)",
  row: "row", column: "column", problem: "problem and fix", s4: "4 Results",
  indicator: "indicator", measured: "measured", target: "target", status: "status",
  gaps: "Gap list (click a header to sort, a row to find it on the map)", downloads: "Downloads",
  reportdocx: "Download the report (Word, editable)", reportpdf: "Report as PDF",
  bundle: "Config + data + results (zip; geo-coverage run reproduces it)",
  placemode: "Click the map to place planned facilities (drag to move)",
  placearea: "Floor area (m²)", placeclear: "Remove planned facilities", after: "with them",
};
const STAGES = ["config", "inputs and network", "reach", "assessment", "isochrones", "siting", "outputs"];
const STATUS = {pass: ["达标", "pass"], fail: ["未达标", "FAIL"], no_data: ["未提供数据", "no data"],
  no_target: ["无目标（文件未设定）", "no target set"], total: ["按上级合计评判", "judged on the total"]};
const LEVELS = {compound: ["小区/社区", "compound"], subdistrict: ["街道", "subdistrict"],
  township: ["苏木乡镇", "township"], county: ["旗县区", "county"], city: ["全市/全盟", "city"],
  region: ["全区", "region"]};
const COORDS = ["wgs84", "gcj02", "bd09"];
let lang = "zh";
let lastState = null;
let session = null;
let meta = null;
const uploads = {};
const zhText = {};

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function relabel() {  // names the page made itself, in the chosen language (edits are kept)
  const pos = lang === "zh" ? 0 : 1;
  document.querySelectorAll("[data-threshold]").forEach((cell) => {
    const names = (meta.thresholds || {})[cell.dataset.threshold];
    if (names) cell.firstChild.textContent = names[pos];
  });
  document.querySelectorAll("label[data-column]").forEach((label) => {
    const names = (meta.columns || {})[label.dataset.column];
    if (names) label.firstChild.textContent = names[pos] + (label.firstChild.textContent.includes(" *") ? " * " : " ");
  });
  document.querySelectorAll("select.coords option[value='']").forEach((o) => { o.textContent = pos ? "choose" : "请选择"; });
  document.querySelectorAll("select[data-word] option").forEach((o) => {
    const names = meta.types[o.value];
    if (names) o.textContent = names[pos];
  });
}

function formatValue(v, unit) {  // as the scorecard prints them: 72.8%, 3,380 ㎡, 20.1, 15
  if (v === null || v === undefined) return "—";
  if (unit === "share") return (100 * v).toFixed(1) + "%";
  if (unit === "m2") return Math.round(v).toLocaleString() + " ㎡";
  if (unit === "count") return Math.round(v).toLocaleString();
  return Number(v).toLocaleString(undefined, {maximumFractionDigits: 1});
}

function tr(key) { return lang === "zh" ? zhText[key] : (EN[key] || zhText[key]); }

function applyLanguage() {
  document.querySelectorAll("[data-t]").forEach((node) => {
    const key = node.getAttribute("data-t");
    if (!(key in zhText)) zhText[key] = node.textContent;
    node.textContent = tr(key);
  });
  document.getElementById("lang").textContent = lang === "zh" ? "English" : "中文";
}

async function api(path, options) {
  const response = await fetch(path, options);
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(body.error || body.detail || response.statusText);
    error.control = body.control || "";
    if (error.control) point(error.control, error.message);
    throw error;
  }
  return body;
}

function point(control, message) {  // the control the message is about: marked and shown
  const node = document.getElementById(control);
  if (!node) return;
  node.classList.add("invalid");
  node.setAttribute("title", message);
  node.scrollIntoView({block: "center"});
  node.addEventListener("change", () => node.classList.remove("invalid"), {once: true});
}

async function loadProfile() {
  const rows = await api("/api/profile/" + encodeURIComponent(document.getElementById("profile").value));
  const body = document.querySelector("#thresholds tbody");
  body.replaceChildren();
  for (const r of rows) {
    const shown = r.value === null ? "" : String(r.value);  // null: no target set
    const input = el("input", null, {"data-key": r.key, id: "threshold-" + r.key, value: shown, size: "8",
      placeholder: r.value === null ? STATUS.no_target[lang === "zh" ? 0 : 1] : ""});
    input.dataset.original = shown;
    const cell = el("td");
    cell.append(input);
    const row = el("tr");
    const names = (meta.thresholds || {})[r.key];
    const name = el("td", null, {"data-threshold": r.key});
    name.append(el("span", names ? names[lang === "zh" ? 0 : 1] : r.key), el("small", " " + r.key, {class: "key"}));
    row.append(name, cell, el("td", r.source));
    body.append(row);
  }
}

function table(headers, rows) {
  const t = el("table");
  const head = el("tr");
  headers.forEach((h) => head.append(el("th", h)));
  t.append(head);
  rows.forEach((r) => {
    const line = el("tr");
    r.forEach((v) => line.append(el("td", v)));
    t.append(line);
  });
  return t;
}

function showPreview(kind, info) {
  const box = document.getElementById("preview-" + kind);
  box.replaceChildren();
  if ((info.sheets || []).length > 1) {  // a workbook of several sheets: the planner picks one
    const pick = el("select", null, {id: "sheet-" + kind});
    info.sheets.forEach((name) => pick.append(el("option", name, {value: name})));
    pick.value = info.sheet;
    pick.addEventListener("change", async () => {
      const chosen = await api("/api/" + session + "/sheet", {
        method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({kind, sheet: pick.value}),
      });
      uploads[kind] = chosen;
      showPreview(kind, chosen);
    });
    const label = el("label", lang === "zh" ? "工作表 " : "sheet ");
    label.append(pick);
    box.append(label);
  }
  const p = info.preview;
  box.append(table(p.headers, p.rows));
  const mapping = el("div", null, {class: "mapping"});
  for (const column of p.wanted) {
    const select = el("select", null, {"data-kind": kind, "data-column": column});
    select.append(el("option", "—", {value: ""}));
    p.headers.forEach((h) => select.append(el("option", h, {value: h})));
    select.value = p.columns[column] || "";
    const names = (meta.columns || {})[column];
    const shown = names ? names[lang === "zh" ? 0 : 1] : column;
    const label = el("label", shown + (p.required.includes(column) ? " *" : "") + " ");
    label.dataset.column = column;
    label.append(select);
    mapping.append(label);
  }
  box.append(mapping);
  const msg = document.getElementById("msg-" + kind);
  msg.textContent = p.findings.map((f) => (lang === "zh" && f.message_zh ? f.message_zh : f.message)).join("\n");
  if (kind === "facilities") {
    const types = document.getElementById("types");
    types.replaceChildren();
    for (const [word, key] of Object.entries(p.type_words)) {
      const select = el("select", null, {"data-word": word});
      select.append(el("option", "—", {value: ""}));
      for (const [k, labels] of Object.entries(meta.types)) {
        select.append(el("option", lang === "zh" ? labels[0] : labels[1], {value: k}));
      }
      select.value = key;
      const label = el("label", word + " → ");
      label.append(select);
      types.append(label);
    }
  }
}

async function upload(kind, file) {
  const msg = document.getElementById("msg-" + kind);
  msg.textContent = "";
  const form = new FormData();
  form.append("kind", kind);
  form.append("file", file);
  try {
    const info = await api("/api/" + session + "/upload", {method: "POST", body: form});
    uploads[kind] = info;
    if (info.preview) showPreview(kind, info);
    else msg.textContent = "";
    msg.dataset.ok = "1";
    // with lists and network in, check at once: a wrong coordinate system shows right here
    if (uploads.facilities && uploads.communities && uploads.network) validate();
  } catch (error) {
    msg.dataset.ok = "0";
    msg.textContent = error.message;
  }
}

function formData() {
  const columns = {facilities: {}, communities: {}};
  document.querySelectorAll("select[data-column]").forEach((s) => {
    columns[s.dataset.kind][s.dataset.column] = s.value;
  });
  const types = {};
  document.querySelectorAll("select[data-word]").forEach((s) => { types[s.dataset.word] = s.value; });
  const overrides = {};
  document.querySelectorAll("#thresholds input").forEach((i) => {
    if (i.value === i.dataset.original || i.value.trim() === "") return;
    const number = Number(i.value);  // text such as '10分钟' goes as text: the server refuses it
    overrides[i.dataset.key] = Number.isFinite(number) ? number : i.value;
  });
  return {
    city: document.getElementById("city").value,
    profile: document.getElementById("profile").value,
    language: lang,
    coords: {
      facilities: document.getElementById("coords-facilities").value,
      communities: document.getElementById("coords-communities").value,
    },
    columns, types, overrides,
    siting_k: Number(document.getElementById("siting-k").value) || 0,
    place: document.getElementById("place").value,
    objective: document.getElementById("objective").value,
    network_coords: document.getElementById("coords-network").value,
  };
}

function showResults(state) {
  lastState = state;
  document.getElementById("results").hidden = false;
  const notes = document.getElementById("warnings");
  notes.replaceChildren();
  if (state.warnings.length) {
    notes.append(el("h3", lang === "zh" ? "注意（影响结果解读）" : "Warnings (change how the numbers read)"));
    notes.append(table(["file", "row", "column", "message"].map((k) => tr(k === "message" ? "problem" : k)),
      state.warnings.map((w) => [w.file, w.row ?? "", w.column ?? "", lang === "zh" && w.message_zh ? w.message_zh : w.message])));
  }
  const body = document.querySelector("#scorecard tbody");
  body.replaceChildren();
  for (const r of state.scorecard.indicators) {
    const row = el("tr", null, {"data-indicator": r.indicator});
    const verdict = el("td", STATUS[r.status][lang === "zh" ? 0 : 1], {class: r.status});
    const fmt = (v) => formatValue(v, r.unit);
    const when = [r.year ? (lang === "zh" ? `到${r.year}年` : `by ${r.year}`) : "",
      r.level ? LEVELS[r.level][lang === "zh" ? 0 : 1] : ""].filter(Boolean).join(lang === "zh" ? "，" : ", ");
    const target = r.target === null ? STATUS.no_target[lang === "zh" ? 0 : 1]
      : fmt(r.target) + (when ? (lang === "zh" ? `（${when}）` : ` (${when})`) : "");
    row.append(el("td", lang === "zh" ? r.label_zh : r.label_en), el("td", fmt(r.measured)), el("td", target), verdict,
      el("td", "", {class: "after"}));
    body.append(row);
  }
  planned.length = 0;  // a new map: no placements on it yet
  showPlaced(null);
  const frame = document.getElementById("map");
  frame.onload = () => {  // beside the page's own scorecard: the map's panels start folded
    const doc = frame.contentDocument;
    const summary = doc && doc.querySelector("#gc-summary details");
    if (summary) summary.open = false;
    const layers = doc && doc.querySelector(".leaflet-control-layers");
    if (layers) layers.classList.remove("leaflet-control-layers-expanded");
    const w = frame.contentWindow;  // with the panels folded, the data may fill the frame
    const map = w && w.L && Object.values(w).find((v) => v instanceof w.L.Map);
    if (!map) return;
    let bounds = null;
    map.eachLayer((l) => {
      const b = l.getBounds ? l.getBounds() : (l.getLatLng ? w.L.latLngBounds([l.getLatLng()]) : null);
      if (b && b.isValid()) bounds = bounds ? bounds.extend(b) : b;
    });
    if (bounds) map.fitBounds(bounds, {animate: false, padding: [20, 20]});
    map.on("click", (event) => {  // a planned facility where the planner clicks
      if (document.getElementById("place-mode").checked) addPlanned(w, map, event.latlng);
    });
  };
  frame.src = "/api/" + session + "/outputs/map.html";
  showGaps(state.gaps);
  const list = document.getElementById("downloads");
  list.replaceChildren();
  state.outputs.forEach((name) => {
    const item = el("li");
    item.append(el("a", name, {href: "/api/" + session + "/outputs/" + encodeURIComponent(name)}));
    list.append(item);
  });
  document.getElementById("bundle").href = "/api/" + session + "/bundle.zip";
  for (const kind of ["docx", "pdf"]) {  // the report first: what officials receive
    const link = document.getElementById("report-" + kind);
    const name = "report." + kind;
    link.hidden = !state.outputs.includes(name);
    link.href = "/api/" + session + "/outputs/" + name;
  }
}

function showGaps(page) {
  const gaps = document.getElementById("gaps");
  const head = el("tr");
  page.headers.forEach((h, i) => {
    const mark = page.sort === i ? (page.desc ? " ▼" : " ▲") : "";
    const th = el("th", h + mark);
    th.addEventListener("click", () => loadGaps(0, i, page.sort === i ? !page.desc : false));
    head.append(th);
  });
  gaps.tHead.replaceChildren(head);
  const rows = gaps.tBodies[0];
  rows.replaceChildren();
  const tidy = (v) => (/^-?\d+\.0+$/.test(v) ? v.replace(/\.0+$/, "") : v);  // 520.0 → 520
  const lonAt = page.headers.findIndex((h) => h.startsWith("经度") || h.startsWith("longitude"));
  const latAt = page.headers.findIndex((h) => h.startsWith("纬度") || h.startsWith("latitude"));
  page.rows.forEach((r) => {
    const line = el("tr");
    r.forEach((v) => line.append(el("td", tidy(v))));
    if (lonAt >= 0 && latAt >= 0) line.addEventListener("click", () => locate(Number(r[latAt]), Number(r[lonAt])));
    rows.append(line);
  });
  const pager = document.getElementById("gaps-pager");
  pager.replaceChildren();
  const last = Math.min(page.offset + page.rows.length, page.total);
  pager.append(el("span", lang === "zh" ? `第 ${page.total ? page.offset + 1 : 0}–${last} 条，共 ${page.total} 条 `
    : `rows ${page.total ? page.offset + 1 : 0}–${last} of ${page.total} `));
  const step = page.rows.length || 100;
  if (page.offset > 0) {
    const back = el("button", lang === "zh" ? "上一页" : "previous", {type: "button", id: "gaps-prev"});
    back.addEventListener("click", () => loadGaps(Math.max(0, page.offset - step), page.sort, page.desc));
    pager.append(back);
  }
  if (last < page.total) {
    const next = el("button", lang === "zh" ? "下一页" : "next", {type: "button", id: "gaps-next"});
    next.addEventListener("click", () => loadGaps(page.offset + step, page.sort, page.desc));
    pager.append(next);
  }
}

function locate(lat, lon) {  // the map (same origin) zooms to the compound and marks it
  const frame = document.getElementById("map").contentWindow;
  const map = frame && Object.values(frame).find((v) => frame.L && v instanceof frame.L.Map);
  if (!map || !Number.isFinite(lat) || !Number.isFinite(lon)) return;
  map.setView([lat, lon], 17, {animate: false});
  if (window.gcMark) map.removeLayer(window.gcMark);
  window.gcMark = frame.L.circleMarker([lat, lon], {radius: 16, color: "#000", weight: 3, fill: false}).addTo(map);
  document.getElementById("map").scrollIntoView({block: "center"});
}

const planned = [];  // the planned facilities on the map: {marker, type, area}

function addPlanned(w, map, latlng) {
  const icon = w.L.divIcon({className: "", iconSize: [22, 22], html:
    "<div style=\"color:#5e3c99;font:22px/22px sans-serif;text-shadow:0 0 3px #fff\">★</div>"});
  const marker = w.L.marker(latlng, {draggable: true, icon, keyboard: false}).addTo(map);
  planned.push({
    marker,
    type: document.getElementById("placement-type").value,
    area: Number(document.getElementById("placement-area").value) || 0,
  });
  marker.on("dragend", rescore);
  rescore();
}

async function rescore() {  // every placement at once, on today's city: moving is re-sending
  if (!planned.length) { showPlaced(null); return; }
  const facilities = planned.map((p) => ({
    lon: p.marker.getLatLng().lng, lat: p.marker.getLatLng().lat, type: p.type, floor_area_m2: p.area,
  }));
  const out = document.getElementById("place-result");
  try {
    showPlaced(await api("/api/" + session + "/place", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({facilities}),
    }));
  } catch (error) {
    out.textContent = error.message;
  }
}

function showPlaced(answer) {  // the scorecard's last column, and the compounds now covered
  document.getElementById("after-head").hidden = !answer;
  const units = {};
  (lastState ? lastState.scorecard.indicators : []).forEach((r) => { units[r.indicator] = r.unit; });
  const after = {};
  (answer ? answer.scorecard : []).forEach((r) => { after[r.indicator] = r; });
  document.querySelectorAll("#scorecard tbody tr").forEach((row) => {
    const cell = row.querySelector("td.after");
    const r = after[row.dataset.indicator];
    cell.hidden = !answer;
    cell.textContent = r ? formatValue(r.after, units[r.indicator]) : "";
    cell.className = "after" + (r && r.after !== r.before ? " changed" : "");
  });
  const out = document.getElementById("place-result");
  if (!answer) { out.textContent = ""; return; }
  const names = answer.newly_covered.map((c) => c.name);
  const head = lang === "zh" ? `新进入服务圈的小区 ${names.length} 个` : `${names.length} compounds newly covered`;
  out.textContent = head + (names.length ? (lang === "zh" ? "：" : ": ") + names.join(lang === "zh" ? "、" : ", ") : "")
    + (lang === "zh" ? `（${answer.seconds} 秒）` : ` (${answer.seconds} s)`);
}

async function loadGaps(offset, sort, desc) {
  const query = `?offset=${offset}&sort=${sort}&desc=${desc ? "true" : "false"}`;
  showGaps(await api("/api/" + session + "/gaps" + query));
}

function showFindings(findings) {
  const table = document.getElementById("findings");
  const body = table.tBodies[0];
  body.replaceChildren();
  findings.forEach((f) => {
    const row = el("tr");
    const text = lang === "zh" && f.message_zh ? f.message_zh : f.message;  // Chinese where written
    row.append(el("td", f.file), el("td", f.row ?? ""), el("td", f.column ?? ""), el("td", text));
    body.append(row);
  });
  table.hidden = findings.length === 0;
}

async function validate() {
  const status = document.getElementById("status");
  status.textContent = "…";
  try {
    const result = await api("/api/" + session + "/validate", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(formData()),
    });
    showFindings(result.findings.concat(result.warnings));
    for (const kind of ["facilities", "communities"]) {  // the fit check, beside the choice
      const fit = result.warnings.find((w) => w.file === (uploads[kind] || {}).name && w.message.includes("coords"));
      document.getElementById("fit-" + kind).textContent = fit ? "⚠ " + fit.message : "";
    }
    status.textContent = (result.ok ? "OK: " : "") + (result.summary || "");
    status.dataset.status = result.ok ? "valid" : "invalid";
  } catch (error) {
    status.textContent = error.message;
    status.dataset.status = "invalid";
  }
}

async function run() {
  const status = document.getElementById("status");
  const findings = document.getElementById("findings");
  findings.hidden = true;
  document.getElementById("results").hidden = true;
  try {
    await api("/api/" + session + "/run", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(formData()),
    });
  } catch (error) {
    status.textContent = error.message;
    return;
  }
  await follow();
}

async function follow() {  // poll the session's run until it ends (also after a reload)
  const status = document.getElementById("status");
  for (;;) {
    const state = await api("/api/" + session + "/status");
    document.getElementById("progress").value = Math.max(0, STAGES.indexOf(state.stage)) + 1;
    const waiting = state.status === "queued"
      ? (lang === "zh" ? `排队中：前面还有 ${state.position - 1} 个评估` : `queued: ${state.position - 1} runs ahead`)
      : state.status;
    status.textContent = waiting + (state.stage ? " · " + state.stage : "") + (state.error ? " · " + state.error : "");
    status.dataset.status = state.status;
    if (state.status === "cancelled" || state.status === "idle") return;
    if (state.status === "failed") {
      showFindings(state.findings);
      return;
    }
    if (state.status === "done") {
      document.getElementById("progress").value = STAGES.length;
      showResults(state);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function resume() {
  // the session lives in the address (#s=…): a reload or the back button keeps the work
  const found = /(?:^#|&)s=([0-9a-f]{32})/.exec(location.hash);
  if (found) {
    try {
      const state = await api("/api/" + found[1] + "/status");
      session = found[1];
      for (const [kind, info] of Object.entries(state.uploads || {})) {
        uploads[kind] = info;
        const msg = document.getElementById("msg-" + kind);
        msg.dataset.ok = "1";
        msg.textContent = (lang === "zh" ? "已上传：" : "uploaded: ") + info.name;
      }
      for (const [kind, value] of Object.entries((state.form || {}).coords || {})) {
        const select = document.getElementById("coords-" + kind);
        if (select && value) select.value = value;
      }
      if (state.status !== "idle") follow();
      return;
    } catch (error) {
      const note = document.getElementById("status");
      note.textContent = lang === "zh"
        ? "之前的会话已不存在（已过期或服务器已重启），已新建会话，请重新上传。"
        : "The earlier session is gone (expired, or the server restarted): a new one is open; upload again.";
      note.dataset.status = "gone";
    }
  }
  session = (await api("/api/session", {method: "POST"})).session;
  history.replaceState(null, "", location.pathname + location.search + "#s=" + session);
}

async function start() {
  meta = await api("/api/meta");
  const profile = document.getElementById("profile");
  meta.profiles.forEach((p) => profile.append(el("option", p, {value: p})));
  profile.addEventListener("change", loadProfile);
  document.querySelectorAll("select.coords").forEach((s) => {
    s.append(el("option", lang === "zh" ? "请选择" : "choose", {value: ""}));
    COORDS.forEach((c) => s.append(el("option", c, {value: c})));
  });
  await resume();
  for (const kind of ["facilities", "communities", "network"]) {
    document.getElementById("file-" + kind).addEventListener("change", (event) => {
      if (event.target.files.length) upload(kind, event.target.files[0]);
    });
  }
  document.getElementById("run").addEventListener("click", run);
  const kinds = document.getElementById("placement-type");
  for (const key of ["station", "day_care", "centre", "canteen"]) {
    kinds.append(el("option", (meta.types[key] || [key])[0], {value: key}));
  }
  document.getElementById("place-clear").addEventListener("click", () => {
    planned.forEach((p) => p.marker.remove());
    planned.length = 0;
    showPlaced(null);
  });
  document.getElementById("validate").addEventListener("click", validate);
  const files = await api("/api/server-files");
  if (files.length) {
    const select = document.getElementById("server-network");
    select.append(el("option", "—", {value: ""}));
    files.forEach((f) => select.append(el("option", f, {value: f})));
    document.getElementById("server-box").hidden = false;
    select.addEventListener("change", async () => {
      const msg = document.getElementById("msg-network");
      try {
        await api("/api/" + session + "/server-file", {
          method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({name: select.value}),
        });
        msg.dataset.ok = "1";
        msg.textContent = "";
        uploads.network = {name: select.value};
        if (uploads.facilities && uploads.communities) validate();
      } catch (error) {
        msg.dataset.ok = "0";
        msg.textContent = error.message;
      }
    });
  }
  document.getElementById("lang").addEventListener("click", () => {
    lang = lang === "zh" ? "en" : "zh";
    applyLanguage();
    relabel();
    if (lastState) showResults(lastState);
  });
  applyLanguage();
  await loadProfile();
  document.body.dataset.ready = "1";
}

start();
