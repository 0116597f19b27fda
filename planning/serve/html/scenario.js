// eldercare serve: the gap map with live scenarios. Every change goes through the JSON API.
"use strict";
const map = L.map("map", { preferCanvas: true, zoomControl: true });
if (CONFIG.network) {
  // The walking network, drawn once by the server as an image (no tiles, works offline).
  L.imageOverlay(CONFIG.network.uri, CONFIG.network.bounds, { interactive: false, opacity: 0.9 }).addTo(map);
}
const estateLayer = L.layerGroup().addTo(map);
const facilityLayer = L.layerGroup().addTo(map);
const highlightLayer = L.layerGroup().addTo(map);
const largest = CONFIG.tiers.reduce((a, b) => (b.distance_m > a.distance_m ? b : a));
const estateMarkers = new Map();
const estateInfo = new Map();
let baseTotals = null;

function scenarioName() {
  const value = document.getElementById("scenario").value.trim();
  if (!/^[\w\-]{1,64}$/.test(value) || value === "base") {
    throw new Error("情景名称只能用字母、数字、- 和 _ (not 'base')");
  }
  return value;
}

function verdictColour(verdict) { return CONFIG.verdictColours[verdict] || "#888"; }

function drawEstates(layers) {
  estateLayer.clearLayers();
  const e = layers.estates;
  const bounds = [];
  for (let i = 0; i < e.id.length; i++) {
    const marker = L.circleMarker([e.lat[i], e.lon[i]], {
      radius: 6, weight: 1, color: "#333", fillOpacity: 0.85, fillColor: verdictColour(e.verdict[i]),
    });
    const info = { name: e.name[i], households: e.households[i], verdict: e.verdict[i], walk: e.walk_m[i] };
    estateInfo.set(e.id[i], info);
    marker.bindTooltip(() => estateTooltip(e.id[i]));
    marker.addTo(estateLayer);
    estateMarkers.set(e.id[i], marker);
    bounds.push([e.lat[i], e.lon[i]]);
  }
  return bounds;
}

function estateTooltip(id) {
  const info = estateInfo.get(id);
  const box = el("div");
  box.appendChild(el("b", info.name));
  box.appendChild(el("div", info.households + " 户 · " + (CONFIG.verdicts[info.verdict] || info.verdict)));
  return box;
}

function facilityIcon(kind, added) {
  const colour = CONFIG.kindColours[kind] || "#555";
  return L.divIcon({
    className: "", iconSize: [16, 16],
    html: '<div class="facility-icon' + (added ? " added" : "") + '" style="width:12px;height:12px;background:' + colour + '"></div>',
  });
}

function drawFacilities(layers) {
  facilityLayer.clearLayers();
  const f = layers.facilities;
  for (let i = 0; i < f.id.length; i++) {
    const marker = L.marker([f.lat[i], f.lon[i]], { icon: facilityIcon(f.kind[i], f.added[i]), draggable: true, title: f.name[i] });
    marker.facilityId = f.id[i];
    marker.bindPopup(() => facilityPopup(f.id[i], f.name[i], f.kind[i], f.floor_m2[i], f.added[i]));
    marker.on("dragend", (event) => {
      const p = event.target.getLatLng();
      change("PATCH", "/facilities/" + encodeURIComponent(f.id[i]), { lon: p.lng, lat: p.lat });
    });
    marker.addTo(facilityLayer);
  }
}

function facilityPopup(id, name, kind, floor, added) {
  const box = el("div");
  box.appendChild(el("b", name));
  box.appendChild(el("div", (CONFIG.kinds[kind] || kind) + " · " + Math.round(floor) + " ㎡"));
  const actions = el("div", null, "popup-actions");
  const button = el("button", added ? "删除 Remove" : "关停 Close");
  button.type = "button";
  button.addEventListener("click", () => { map.closePopup(); change("DELETE", "/facilities/" + encodeURIComponent(id)); });
  actions.appendChild(button);
  box.appendChild(actions);
  return box;
}

const FIGURES = [
  ["coverage", largest.name, largest.name + " 户数覆盖率 coverage", (v) => (v === null ? "–" : (100 * v).toFixed(1) + "%"), 1],
  ["households_covered", largest.name, "覆盖户数 households covered", (v) => Number(v).toLocaleString(), 1],
  ["elderly_coverage", largest.name, "老年人覆盖率 elderly coverage", (v) => (v === null ? "–" : (100 * v).toFixed(1) + "%"), 1],
  ["estates_area_failing", null, "面积不达标小区 estates short of area", (v) => v, -1],
  ["shortfall_m2", null, "面积缺口 shortfall (㎡)", (v) => Math.round(v).toLocaleString(), -1],
  ["verdicts", "ok", "达标小区 estates ok", (v) => v || 0, 1],
];

function figure(totals, key, sub) {
  const value = totals[key];
  return sub === null ? value : (value ? value[sub] : null);
}

function showFigures(totals) {
  const body = document.querySelector("#figures tbody");
  body.textContent = "";
  for (const [key, sub, text, format, better] of FIGURES) {
    const row = el("tr");
    const before = figure(baseTotals, key, sub);
    const after = figure(totals, key, sub);
    row.appendChild(el("td", text));
    row.appendChild(el("td", format(before)));
    const cell = el("td", format(after));
    const diff = (Number(after || 0) - Number(before || 0)) * better;
    if (diff > 0) { cell.className = "better"; } else if (diff < 0) { cell.className = "worse"; }
    row.appendChild(cell);
    body.appendChild(row);
  }
  const titleBox = document.getElementById("title-box");
  const share = figure(totals, "coverage", largest.name);
  titleBox.textContent = CONFIG.title + " · " + largest.name + " " + (share === null ? "–" : (100 * share).toFixed(1) + "%");
}

function showChanged(changed) {
  document.getElementById("changed-count").textContent = changed.length;
  const list = document.getElementById("changed");
  list.textContent = "";
  highlightLayer.clearLayers();
  for (const item of changed) {
    const li = el("li");
    li.appendChild(el("span", item.name + " "));
    li.appendChild(el("span", CONFIG.verdicts[item.before] || item.before, "verdict")).style.background = verdictColour(item.before);
    li.appendChild(el("span", " → "));
    li.appendChild(el("span", CONFIG.verdicts[item.after] || item.after, "verdict")).style.background = verdictColour(item.after);
    li.dataset.estate = item.estate_id;
    li.addEventListener("click", () => {
      const marker = estateMarkers.get(item.estate_id);
      if (marker) { map.setView(marker.getLatLng(), Math.max(map.getZoom(), 16)); marker.openTooltip(); }
    });
    list.appendChild(li);
    const marker = estateMarkers.get(item.estate_id);
    if (marker) {
      L.circleMarker(marker.getLatLng(), { radius: 11, weight: 3, color: "#f5b800", fill: false, interactive: false }).addTo(highlightLayer);
    }
  }
}

function applyUpdated(updated) {
  for (const item of updated) {
    const marker = estateMarkers.get(item.estate_id);
    if (marker) { marker.setStyle({ fillColor: verdictColour(item.verdict) }); }
    const info = estateInfo.get(item.estate_id);
    if (info) { info.verdict = item.verdict; }
  }
}

async function showStreets(name) {
  const rows = await api("GET", "/api/streets?scenario=" + encodeURIComponent(name));
  const body = document.querySelector("#streets tbody");
  body.textContent = "";
  const pct = (v) => (v === null ? "–" : (100 * v).toFixed(1) + "%");
  for (const r of rows) {
    const tr = el("tr");
    tr.appendChild(el("td", r.name));
    tr.appendChild(el("td", pct(r.before)));
    const cell = el("td", pct(r.after));
    if ((r.after || 0) > (r.before || 0)) { cell.className = "better"; } else if ((r.after || 0) < (r.before || 0)) { cell.className = "worse"; }
    tr.appendChild(cell);
    body.appendChild(tr);
  }
}

async function change(method, path, body) {
  let name;
  try { name = scenarioName(); } catch (error) { say(error.message, true); return; }
  const started = performance.now();
  try {
    const answer = await api(method, "/api/scenarios/" + encodeURIComponent(name) + path, body);
    const ms = performance.now() - started;
    applyUpdated(answer.updated);
    showFigures(answer.totals);
    showChanged(answer.changed);
    document.getElementById("timing").textContent = "更新用时 updated in " + Math.round(ms) + " ms";
    say(answer.updated.length + " 个小区结论改变 estates changed in this step");
    drawFacilities(await api("GET", "/api/layers?scenario=" + encodeURIComponent(name)));
    await showStreets(name);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
  } catch (error) {
    say(error.message, true);
  }
}

map.on("click", (event) => {
  const floor = Number(document.getElementById("floor").value);
  change("POST", "/facilities", {
    lon: event.latlng.lng, lat: event.latlng.lat,
    kind: document.getElementById("kind").value, floor_m2: floor,
  });
});

document.getElementById("save").addEventListener("click", async () => {
  try {
    const name = scenarioName();
    say("保存中… saving (a full audit of the scenario)");
    const saved = await api("POST", "/api/scenarios/" + encodeURIComponent(name) + "/save");
    say("已保存 saved to " + saved.folder);
  } catch (error) { say(error.message, true); }
});

document.getElementById("reset").addEventListener("click", () => {
  document.getElementById("scenario").value = "s" + Date.now().toString(36);
  start();
});

function showLegend() {
  // Estate colours by verdict (结论), the same words as estates.csv.
  const box = document.getElementById("legend");
  for (const [code, text] of Object.entries(CONFIG.verdicts)) {
    const item = el("span", text, "verdict");
    item.style.background = verdictColour(code);
    item.style.marginRight = "4px";
    box.appendChild(item);
  }
}

async function start() {
  showLegend();
  try {
    const [layers, summary] = await Promise.all([api("GET", "/api/layers"), api("GET", "/api/summary")]);
    baseTotals = summary.totals;
    const bounds = drawEstates(layers);
    drawFacilities(layers);
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([30, 114], 12); }
    showFigures(baseTotals);
    showChanged([]);
    await showStreets("base");
    document.body.dataset.ready = "1";
  } catch (error) { say(error.message, true); }
}
start();
