// The gap map's small Leaflet application (see planning/maps/gap_map.py).
// It reads its data from the JSON element #gap-data. User data (estate and facility names) is
// put into the page with textContent only, never as HTML; the SVG symbols in the data are
// built by the tool itself.
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('gap-data').textContent);
  var T = D.text, OX = D.origin[0], OY = D.origin[1];

  function dec(flat) {
    var out = new Array(flat.length / 2), x = 0, y = 0;
    for (var i = 0, j = 0; i < flat.length; i += 2, j++) {
      x += flat[i]; y += flat[i + 1];
      out[j] = [(y + OY) / 1e6, (x + OX) / 1e6];
    }
    return out;
  }
  function decPolys(g) { return g.map(function (p) { return p.map(dec); }); }
  function pt(g) { return [(g[1] + OY) / 1e6, (g[0] + OX) / 1e6]; }
  function isPoint(g) { return g.length === 2 && typeof g[0] === 'number'; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function group(n) { return n.replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function fmtInt(v) { return v === null || v === undefined ? '–' : group(String(Math.round(v))); }
  function fmtM2(v) {
    if (v === null || v === undefined) { return '–'; }
    var p = (Math.round(v * 10) / 10).toFixed(1).split('.');
    return group(p[0]) + '.' + p[1];
  }
  function fmtPct(v) { return v === null || v === undefined ? '–' : (v * 100).toFixed(1) + '%'; }
  function table(rows) {
    var t = el('table');
    rows.forEach(function (r) {
      var tr = el('tr');
      if (r.length === 1) {
        var th = el('th', null, r[0]); th.colSpan = 2; tr.appendChild(th);
      } else {
        tr.appendChild(el('td', 'k', r[0]));
        tr.appendChild(el('td', 'v', r[1]));
        if (r[2]) { tr.dataset.key = r[2]; }
      }
      t.appendChild(tr);
    });
    return t;
  }

  var map = L.map('map', { preferCanvas: true, zoomControl: true, attributionControl: true });
  window.gapMap = { map: map, data: D, estates: [], overlays: {}, baseLayers: {} };
  function pane(name, z, passive) {
    var p = map.createPane(name); p.style.zIndex = z;
    if (passive) { p.style.pointerEvents = 'none'; }
    return L.canvas({ pane: name, padding: 0.2 });
  }
  var rNet = pane('gmNet', 250, true), rStreet = pane('gmStreet', 300, true);
  var rArea = pane('gmArea', 350, true), rEstate = pane('gmEstate', 420, false);
  map.createPane('gmLabel').style.zIndex = 460;

  // ---- base layers
  var baseLayers = {}, overlays = {};
  var netGroup = L.layerGroup();
  if (D.barriers.length) {
    L.polygon(decPolys(D.barriers), { renderer: rNet, color: D.style.river,
      fillColor: D.style.river, fillOpacity: 0.85, weight: 1, interactive: false }).addTo(netGroup);
  }
  if (D.network.length) {
    L.polyline(D.network.map(dec), { renderer: rNet, color: D.style.network, weight: 1.2,
      opacity: 0.9, interactive: false }).addTo(netGroup);
  }
  if (D.network_image) {  // city-wide networks come as one picture (see gap_map.network_image)
    L.imageOverlay(D.network_image.uri, D.network_image.bounds, { pane: 'gmNet', opacity: 0.9,
      interactive: false }).addTo(netGroup);
  }
  var firstBase;
  if (D.basemap.tiles.length) {
    var tiles = L.layerGroup(D.basemap.tiles.map(function (t) {
      return L.tileLayer(t.url, t.options);
    }));
    baseLayers[D.basemap.label] = tiles; firstBase = tiles;
    overlays[T.network] = netGroup;
  } else {
    baseLayers[T.base_network] = netGroup; firstBase = netGroup;
    baseLayers[T.base_blank] = L.layerGroup();
  }
  firstBase.addTo(map);

  // ---- streets shaded by coverage
  var S = D.streets, mainTier = D.main_tier;
  if (S.name.length) {
    var streetGroup = L.layerGroup();
    S.geom.forEach(function (g, i) {
      if (g.length) {
        L.polygon(decPolys(g), { renderer: rStreet, color: '#555', weight: 1.2, dashArray: '4 3',
          fillColor: S.colour[i], fillOpacity: 0.35, interactive: false }).addTo(streetGroup);
      }
      var lab = el('div');
      lab.appendChild(el('b', null, S.name[i]));
      lab.appendChild(el('span', null, fmtPct(S['coverage_' + mainTier][i])));
      var m = L.marker(pt(S.label[i]), { pane: 'gmLabel', keyboard: false,
        icon: L.divIcon({ html: lab, className: 'gm-street-label', iconSize: null }) });
      m.bindPopup(function () { return streetPopup(i); });
      m.addTo(streetGroup);
    });
    streetGroup.addTo(map);
    overlays[T.streets] = streetGroup;
  }
  function streetPopup(i) {
    var box = el('div', 'gm-popup');
    box.appendChild(el('h3', null, S.name[i]));
    if (S.county[i]) { box.appendChild(el('div', 'sub', S.county[i])); }
    var rows = [[T.households, fmtInt(S.households[i])]];
    D.tiers.forEach(function (t) {
      rows.push([t.label, fmtPct(S['coverage_' + t.name][i]), 'coverage_' + t.name]);
    });
    rows.push([T.shortfall_one, fmtM2(S.shortfall_m2[i])]);
    rows.push([T.area_failing, fmtInt(S.estates_area_failing[i])]);
    rows.push([T.street_centres, fmtInt(S.street_centres[i])]);
    box.appendChild(table(rows));
    return box;
  }

  // ---- service areas per tier
  D.service_areas.forEach(function (sa) {
    // fill with holes (blocks the walk does not enter) but outline only the outer edge
    var polys = decPolys(sa.geom);
    var g = L.layerGroup([
      L.polygon(polys, { renderer: rArea, stroke: false, fillColor: sa.colour,
        fillOpacity: 0.14, interactive: false }),
      L.polygon(polys.map(function (p) { return [p[0]]; }), { renderer: rArea, fill: false,
        color: sa.colour, weight: 1.6, interactive: false })
    ]);
    if (sa.visible) { g.addTo(map); }
    overlays[sa.label] = g;
  });

  // ---- estates coloured by verdict
  var E = D.estates, V = D.verdicts, facName = {};
  D.facilities.id.forEach(function (id, i) { facName[id] = D.facilities.name[i]; });
  var estateGroup = L.layerGroup();
  E.geom.forEach(function (g, i) {
    var v = V[E.verdict[i]] || { colour: '#999', label: '?' };
    var lyr;
    if (isPoint(g)) {
      lyr = L.circleMarker(pt(g), { renderer: rEstate, radius: 5, color: '#333', weight: 1,
        fillColor: v.colour, fillOpacity: 0.9 });
    } else {
      lyr = L.polygon(decPolys(g), { renderer: rEstate, color: '#333', weight: 0.8,
        fillColor: v.colour, fillOpacity: 0.75 });
    }
    lyr.bindPopup(function () { return estatePopup(i); }, { maxWidth: 360 });
    lyr.addTo(estateGroup);
    window.gapMap.estates.push(lyr);
  });
  estateGroup.addTo(map);
  overlays[T.estates] = estateGroup;

  function estatePopup(i) {
    var v = V[E.verdict[i]] || { colour: '#999', label: '?' };
    var box = el('div', 'gm-popup');
    box.dataset.estate = E.id[i];
    box.appendChild(el('h3', null, E.name[i]));
    var sub = E.id[i] + (E.street[i] ? ' · ' + E.street[i] : '');
    if (E.status[i]) { sub += ' · ' + (T['status_' + E.status[i]] || E.status[i]); }
    box.appendChild(el('div', 'sub', sub));
    var badge = el('span', 'verdict', v.label); badge.style.background = v.colour;
    box.appendChild(badge);
    var rows = [
      [T.households, fmtInt(E.households[i]), 'households'],
      [T.rate, fmtM2(E.rate[i]), 'rate'],
      [T.required, fmtM2(E.required_m2[i]), 'required_m2'],
      [T.onsite, fmtM2(E.onsite_m2[i]), 'onsite_m2'],
      [T.shared, fmtM2(E.shared_m2[i]), 'shared_m2'],
      [T.shortfall_one, fmtM2(E.shortfall_m2[i]), 'shortfall_m2'],
      [T.walk + ' / ' + T.nearest]
    ];
    D.tiers.forEach(function (t) {
      var w = E['walk_' + t.name][i], f = E['nearest_' + t.name][i];
      var txt = w === null ? T.none_within
        : fmtInt(w) + ' m · ' + (facName[f] || f || '');
      rows.push([t.label, txt, 'walk_' + t.name]);
    });
    // the nearest facility at any distance up to the audit's search radius (不限距离)
    var any = E.walk_any[i];
    if (any !== null) {
      rows.push([T.nearest_any, fmtInt(any) + ' m · ' + (E.nearest_any_name[i] || ''), 'walk_any']);
    } else if (E.off_network[i]) {
      rows.push([T.nearest_any, T.off_network, 'walk_any']);
    } else if (D.search_radius_m) {
      rows.push([T.nearest_any, T.none_within_radius.replace('{m}', fmtInt(D.search_radius_m)),
        'walk_any']);
    }
    box.appendChild(table(rows));
    return box;
  }

  // ---- facilities by kind
  var F = D.facilities;
  if (F.id.length) {
    var facGroup = L.layerGroup();
    F.geom.forEach(function (g, i) {
      var icon = L.divIcon({ html: D.icons[F.kind[i] + (F.planned[i] ? '|planned' : '')] ||
        D.icons.other, className: 'gm-icon', iconSize: [22, 22], iconAnchor: [11, 11],
        popupAnchor: [0, -10] });
      var m = L.marker(pt(g), { icon: icon, title: F.name[i], keyboard: false });
      m.bindPopup(function () {
        var box = el('div', 'gm-popup');
        box.appendChild(el('h3', null, F.name[i]));
        box.appendChild(el('div', 'sub', F.id[i] + ' · ' + F.kind_label[i]));
        box.appendChild(table([
          [T.fac_status, F.planned[i] ? T.planned : T.existing],
          [T.floor_m2, fmtM2(F.floor_m2[i])], [T.land_m2, fmtM2(F.land_m2[i])],
          [T.beds, fmtInt(F.beds[i])], [T.nursing_beds, fmtInt(F.nursing_beds[i])],
          [T.street, F.street[i] || '–']]));
        return box;
      });
      m.addTo(facGroup);
    });
    facGroup.addTo(map);
    overlays[T.facilities] = facGroup;
  }

  // ---- proposed sites
  var P = D.proposals;
  if (P && P.geom.length) {
    var propGroup = L.layerGroup();
    P.geom.forEach(function (g, i) {
      var icon = L.divIcon({ html: P.icon[i], className: 'gm-icon', iconSize: [26, 26],
        iconAnchor: [13, 13], popupAnchor: [0, -12] });
      var m = L.marker(pt(g), { icon: icon, zIndexOffset: 1000, keyboard: false });
      m.bindPopup(function () {
        var box = el('div', 'gm-popup');
        box.appendChild(el('h3', null, T.proposals + ' #' + P.rank[i]));
        box.appendChild(el('div', 'sub', P.id[i] + ' · ' + P.kind_label[i]));
        box.appendChild(table([
          [T.floor_m2, fmtM2(P.floor_m2[i])], [T.households_new, fmtInt(P.households_new[i])],
          [T.estates_compliant_new, fmtInt(P.estates_compliant_new[i])],
          [T.cumulative_coverage, fmtPct(P.cumulative_coverage[i])]]));
        return box;
      });
      m.addTo(propGroup);
    });
    propGroup.addTo(map);
    overlays[T.proposals] = propGroup;
  }

  // ---- controls
  L.control.scale({ metric: true, imperial: false, position: 'bottomleft' }).addTo(map);
  window.gapMap.overlays = overlays; window.gapMap.baseLayers = baseLayers;

  var Title = L.Control.extend({ options: { position: 'topleft' }, onAdd: function () {
    var box = el('div', 'gm-box gm-title');
    box.appendChild(el('h1', null, D.title.heading));
    box.appendChild(el('div', 'gm-ruleset', D.title.ruleset));
    box.appendChild(table(D.title.rows));
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    return box;
  } });
  new Title().addTo(map);

  var Legend = L.Control.extend({ options: { position: 'bottomright' }, onAdd: function () {
    var box = el('div', 'gm-box gm-legend');
    function head(t) { box.appendChild(el('h2', null, t)); }
    function row(sym, label) {
      var r = el('div', 'row'); r.appendChild(sym); r.appendChild(el('span', null, label));
      box.appendChild(r);
    }
    function swatch(c, border) {
      var s = el('span', 'sw'); s.style.background = c;
      if (border) { s.style.borderColor = border; }
      return s;
    }
    function svg(markup) {
      var s = el('span'); s.innerHTML = markup; return s.firstChild;  // trusted, built by the tool
    }
    head(T.estates);
    D.legend.verdicts.forEach(function (v) { row(swatch(v.colour), v.label); });
    if (D.legend.kinds.length) {
      head(T.facilities);
      D.legend.kinds.forEach(function (k) { row(svg(k.icon), k.label); });
    }
    if (D.service_areas.length) {
      head(T.tier);
      D.service_areas.forEach(function (sa) {
        var s = swatch(sa.colour + '33', sa.colour); s.style.borderWidth = '2px';
        row(s, sa.label);
      });
    }
    if (S.name.length) {
      head(T.streets + ' (' + D.main_tier_label + ')');
      D.legend.coverage.forEach(function (c) { row(swatch(c.colour), c.label); });
    }
    if (P && P.geom.length) { head(T.proposals); row(svg(D.legend.proposal), T.candidate); }
    if (D.barriers.length) { row(swatch(D.style.river), T.rivers); }
    if (D.network.length) {
      var ln = el('span', 'ln'); ln.style.borderColor = D.style.network; row(ln, T.network);
    }
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    return box;
  } });
  new Legend().addTo(map);

  // ---- search by estate name (type-ahead)
  // names first (prefix matches, then substrings); the estate id is searchable too
  var lower = E.name.map(function (n, i) { return (n + '\u0001' + E.id[i]).toLowerCase(); });
  function go(i) {
    var lyr = window.gapMap.estates[i];
    if (!map.hasLayer(estateGroup)) { estateGroup.addTo(map); }
    if (lyr.getBounds) {
      map.fitBounds(lyr.getBounds(), { maxZoom: 17, animate: false, padding: [40, 40] });
    } else {
      map.setView(lyr.getLatLng(), 17, { animate: false });
    }
    lyr.openPopup();
  }
  window.gapMap.go = go;
  var Search = L.Control.extend({ options: { position: 'topright' }, onAdd: function () {
    var box = el('div', 'gm-box gm-search');
    var input = el('input'); input.type = 'search'; input.placeholder = T.search;
    input.setAttribute('aria-label', T.search); input.autocomplete = 'off';
    var list = el('ul'); box.appendChild(input); box.appendChild(list);
    var hits = [], active = -1;
    function render() {
      list.textContent = '';
      hits.forEach(function (i, k) {
        var li = el('li', k === active ? 'active' : null, E.name[i]);
        li.dataset.index = i;
        li.appendChild(el('span', 'sub', E.street[i] || E.id[i]));
        li.addEventListener('mousedown', function (ev) { ev.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      if (!hits.length && input.value.trim()) { list.appendChild(el('li', 'none', T.no_match)); }
    }
    function choose(i) { hits = []; active = -1; render(); input.value = E.name[i]; go(i); }
    input.addEventListener('input', function () {
      var q = input.value.trim().toLowerCase(); hits = []; active = -1;
      if (q) {
        for (var i = 0; i < lower.length && hits.length < 15; i++) {
          if (lower[i].indexOf(q) === 0) { hits.push(i); }
        }
        for (var j = 0; j < lower.length && hits.length < 15; j++) {
          if (lower[j].indexOf(q) > 0) { hits.push(j); }
        }
      }
      render();
    });
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown' && hits.length) { active = (active + 1) % hits.length; render(); }
      else if (ev.key === 'ArrowUp' && hits.length) {
        active = (active + hits.length - 1) % hits.length; render();
      } else if (ev.key === 'Enter' && hits.length) { choose(hits[Math.max(active, 0)]); }
      else if (ev.key === 'Escape') { hits = []; render(); }
      else { return; }
      ev.preventDefault();
    });
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    return box;
  } });
  new Search().addTo(map);
  L.control.layers(baseLayers, overlays, { collapsed: false, position: 'topright' }).addTo(map);

  function lowZoom() {
    map.getContainer().classList.toggle('gm-lowzoom', map.getZoom() < D.label_min_zoom);
    map.getContainer().classList.toggle('gm-farzoom', map.getZoom() < D.label_min_zoom - 1);
  }
  map.on('zoomend', lowZoom);
  if (D.bounds) { map.fitBounds(D.bounds, { padding: [20, 20] }); } else { map.setView([35, 105], 4); }
  lowZoom();
  window.gapMap.ready = true;
})();
