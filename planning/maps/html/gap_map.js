// The gap map's behaviour: the folium elements of planning/maps/elements.py call GapMap.*.
// Data comes from the JSON element #gap-data. User data (estate and facility names) is put into
// the page with textContent only, never as HTML; the SVG symbols in the data are the tool's own.
(function () {
  'use strict';
  var D = null, T = null;
  var S = { map: null, data: null, estates: [], layers: {}, overlays: {}, ready: false,
    t0: performance.now() };
  window.gapMap = S;  // read by the tests and by anyone scripting the page

  // when each step started, in ms since navigation (benchmarks/bench_maps.py reads it)
  S.marks = [];
  function mark(what) { S.marks.push([what, Math.round(performance.now())]); }
  function data() {
    if (!D) {
      D = JSON.parse(document.getElementById('gap-data').textContent);
      T = D.text; S.data = D;
    }
    return D;
  }
  function xy(g, o) { return [(g[0] + o[0]) / 1e6, (g[1] + o[1]) / 1e6]; }
  // a delta-encoded ring or line (planning/maps/encode.py) as Leaflet LatLngs
  function latlngs(flat, o) {
    var out = new Array(flat.length / 2), x = o[0], y = o[1];
    for (var i = 0, j = 0; i < flat.length; i += 2, j++) {
      x += flat[i]; y += flat[i + 1];
      out[j] = new L.LatLng(y / 1e6, x / 1e6);
    }
    return out;
  }
  function latlng(g) { var p = xy(g, data().origin); return [p[1], p[0]]; }
  function isPoint(g) { return g.length === 2 && typeof g[0] === 'number'; }
  // one feature's Leaflet layer, made straight from the encoding (no GeoJSON in between)
  function shape(g, o, lines, opts) {
    if (lines) {
      return g.length ? L.polyline(g.map(function (l) { return latlngs(l, o); }), opts) : null;
    }
    if (isPoint(g)) {
      var p = xy(g, o);
      return L.circleMarker([p[1], p[0]], Object.assign({ radius: 5 }, opts));
    }
    if (!g.length) { return null; }
    return L.polygon(g.map(function (poly) {
      return poly.map(function (r) { return latlngs(r, o); });
    }), opts);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function svg(markup) {  // trusted: the tool's own symbols
    var s = el('span'); s.innerHTML = markup; return s.firstChild;
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
  function popupBox(title, sub) {
    var box = el('div', 'gm-popup');
    box.appendChild(el('h3', null, title));
    if (sub) { box.appendChild(el('div', 'sub', sub)); }
    return box;
  }

  // ---- popups
  function estatePopup(i) {
    var E = D.estates, v = D.verdicts[E.verdict[i]] || { colour: '#999', label: '?' };
    var sub = E.id[i] + (E.street[i] ? ' · ' + E.street[i] : '');
    if (E.status[i]) { sub += ' · ' + (T['status_' + E.status[i]] || E.status[i]); }
    var box = popupBox(E.name[i], sub);
    box.dataset.estate = E.id[i];
    var badge = el('span', 'verdict', v.label); badge.style.background = v.colour;
    box.appendChild(badge);
    var area = !E.area_judged[i] ? T.report : (E.area_ok[i] ? T.pass : T.fail);
    var rows = [
      [T.households, fmtInt(E.households[i]), 'households'],
      [T.rate, fmtM2(E.rate[i]), 'rate'],
      [T.required, fmtM2(E.required_m2[i]), 'required_m2'],
      [T.onsite, fmtM2(E.onsite_m2[i]), 'onsite_m2'],
      [T.shared, fmtM2(E.shared_m2[i]), 'shared_m2'],
      [T.shortfall_one, fmtM2(E.shortfall_m2[i]), 'shortfall_m2'],
      [T.area_verdict, area, 'area_verdict'],
      [T.walk + ' / ' + T.nearest]
    ];
    D.tiers.forEach(function (t) {
      var w = E['walk_' + t.name][i], f = E['nearest_' + t.name][i];
      rows.push([t.label, w === null ? T.none_within : fmtInt(w) + ' m · ' + (S.facName[f] || f || ''),
        'walk_' + t.name]);
    });
    var any = E.walk_any[i];  // the nearest facility at any distance up to the search radius
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
  function streetPopup(i) {
    var St = D.streets, box = popupBox(St.name[i], St.county[i]);
    var rows = [[T.households, fmtInt(St.households[i])]];
    D.tiers.forEach(function (t) {
      rows.push([t.label, fmtPct(St['coverage_' + t.name][i]), 'coverage_' + t.name]);
    });
    rows.push([T.shortfall_one, fmtM2(St.shortfall_m2[i])]);
    rows.push([T.area_failing, fmtInt(St.estates_area_failing[i])]);
    rows.push([T.street_centres, fmtInt(St.street_centres[i])]);
    box.appendChild(table(rows));
    return box;
  }
  function gapPopup(i) {
    var G = D.gap, box = popupBox(T.gap_layer);
    box.appendChild(table([
      [T.gap_households, fmtInt(G.households_outside[i]), 'households_outside'],
      [T.gap_estates, fmtInt(G.estates_outside[i]), 'estates_outside'],
      [T.households, fmtInt(G.households[i]), 'households']]));
    return box;
  }
  function facilityPopup(i) {
    var F = D.facilities, box = popupBox(F.name[i], F.id[i] + ' · ' + F.kind_label[i]);
    box.appendChild(table([
      [T.fac_status, F.planned[i] ? T.planned : T.existing],
      [T.floor_m2, fmtM2(F.floor_m2[i])], [T.land_m2, fmtM2(F.land_m2[i])],
      [T.beds, fmtInt(F.beds[i])], [T.nursing_beds, fmtInt(F.nursing_beds[i])],
      [T.street, F.street[i] || '–']]));
    return box;
  }
  function proposalPopup(i) {
    var P = D.proposals, box = popupBox(T.proposals + ' #' + P.rank[i], P.id[i] + ' · ' + P.kind_label[i]);
    box.appendChild(table([
      [T.floor_m2, fmtM2(P.floor_m2[i])], [T.households_new, fmtInt(P.households_new[i])],
      [T.estates_compliant_new, fmtInt(P.estates_compliant_new[i])],
      [T.cumulative_coverage, fmtPct(P.cumulative_coverage[i])]]));
    return box;
  }
  var handlers = {
    estate: function (f, layer) {
      var i = f.id; S.estates[i] = layer;
      layer.bindPopup(function () { return estatePopup(i); }, { maxWidth: 360 });
    },
    street: function (f, layer) { layer.bindPopup(function () { return streetPopup(f.id); }); },
    gap: function (f, layer) { layer.bindPopup(function () { return gapPopup(f.id); }); }
  };

  var GapMap = window.GapMap = {};
  // A folium GeoJson layer (planning/maps/elements.py CompactGeoJson): an L.GeoJSON whose
  // features are made as L.GeoJSON.addData makes them (feature, style function, onEachFeature)
  GapMap.geoJson = function (spec, name, map) {
    mark('geoJson ' + name);
    data();
    if (map && !S.map) { S.map = map; }
    var o = spec.origin, styles = spec.styles, idx = spec.style;
    var opts = Object.assign({}, spec.options);
    if (styles.length) {
      opts.style = function (f) { return styles[typeof idx === 'number' ? idx : idx[f.id]]; };
    }
    if (spec.handler === 'estate' && styles.length) {
      // at city zoom the estates are specks: thin outlines and lighter fills leave the gap
      // hexagons readable; from the gap layer's last zoom on, their full style
      var full = opts.style;
      opts.style = function (f) {
        var s = full(f);
        return S.map && S.map.getZoom() < D.zoom.gap_max
          ? Object.assign({}, s, { weight: Math.min(s.weight, 0.4), fillOpacity: 0.55 }) : s;
      };
    }
    var each = spec.handler && handlers[spec.handler];
    if (each) { opts.onEachFeature = each; }
    var t0 = performance.now();
    var layer = L.geoJSON(null, opts), base = {};
    ['pane', 'interactive'].forEach(function (k) { if (k in spec.options) { base[k] = spec.options[k]; } });
    spec.geoms.forEach(function (g, i) {
      var part = shape(g, o, spec.lines, base);
      if (!part) { return; }
      part.feature = { type: 'Feature', id: i, properties: {}, geometry: null };
      part.defaultOptions = part.options;
      layer.resetStyle(part);
      if (each) { each(part.feature, part); }
      layer.addLayer(part);
      if (spec.outline && part.getLatLngs && !spec.lines) {
        // the outer rings only, from the polygon's own coordinates
        var rings = part.getLatLngs().map(function (poly) { return poly[0]; });
        L.polyline(rings, Object.assign({}, base, spec.outline, { interactive: false })).addTo(layer);
      }
    });
    S.layers[name] = layer;
    (S.timing = S.timing || {})[name] = Math.round(performance.now() - t0);
    return layer;
  };
  GapMap.group = function (name) { var g = L.featureGroup(); S.layers[name] = g; return g; };
  GapMap.facilityMarker = function (row) {
    data();
    var i = row[2], F = D.facilities;
    var icon = L.divIcon({ html: D.icons[F.kind[i] + (F.planned[i] ? '|planned' : '')] || D.icons.other,
      className: 'gm-icon', iconSize: [22, 22], iconAnchor: [11, 11], popupAnchor: [0, -10] });
    var m = L.marker([row[0], row[1]], { icon: icon, title: F.name[i], keyboard: false });
    m.bindPopup(function () { return facilityPopup(i); });
    return m;
  };
  GapMap.clusterRadius = function (zoom) { return zoom <= 11 ? 90 : zoom <= 13 ? 60 : 40; };
  GapMap.clusterIcon = function (cluster) {
    var n = cluster.getChildCount(), size = n < 10 ? 26 : n < 100 ? 32 : 38;
    var box = el('div', null, String(n));
    return L.divIcon({ html: box, className: 'gm-cluster', iconSize: [size, size] });
  };
  GapMap.layer = function (kind, name) {
    data();
    var g = L.featureGroup();
    if (kind === 'proposals' && D.proposals) {
      var P = D.proposals;
      P.geom.forEach(function (pt, i) {
        var icon = L.divIcon({ html: P.icon[i], className: 'gm-icon', iconSize: [26, 26],
          iconAnchor: [13, 13], popupAnchor: [0, -12] });
        L.marker(latlng(pt), { icon: icon, zIndexOffset: 1000, keyboard: false })
          .bindPopup(function () { return proposalPopup(i); }).addTo(g);
      });
    } else if (kind === 'network_image' && D.network_image) {
      // a city-wide network comes as one picture (planning/maps/raster.py)
      L.imageOverlay(D.network_image.uri, D.network_image.bounds, { pane: 'gmNet', opacity: 0.9,
        interactive: false }).addTo(g);
    } else if (kind === 'street_labels') {
      var St = D.streets, main = D.main_tier;
      St.label.forEach(function (pt, i) {
        var lab = el('div');
        lab.appendChild(el('b', null, St.name[i]));
        lab.appendChild(el('span', null, fmtPct(St['coverage_' + main][i])));
        L.marker(latlng(pt), { pane: 'gmLabel', keyboard: false,
          icon: L.divIcon({ html: lab, className: 'gm-street-label', iconSize: null }) })
          .bindPopup(function () { return streetPopup(i); }).addTo(g);
      });
    }
    S.layers[name] = g;
    return g;
  };

  // ---- panels: collapsible boxes (a heading with a toggle, and a body)
  function panel(cls, heading, collapsed) {
    var box = el('div', 'gm-box gm-panel ' + cls);
    var head = el('div', 'gm-head');
    var title = el(cls === 'gm-title' ? 'h1' : 'h2', null, heading);
    var btn = el('button', 'gm-toggle'); btn.type = 'button';
    var body = el('div', 'gm-body');
    function set(c) {
      box.classList.toggle('gm-collapsed', c);
      btn.textContent = c ? '▸' : '▾';
      btn.setAttribute('aria-expanded', c ? 'false' : 'true');
      btn.title = c ? T.expand : T.collapse;
    }
    btn.addEventListener('click', function () { set(!box.classList.contains('gm-collapsed')); });
    head.appendChild(title); head.appendChild(btn); box.appendChild(head); box.appendChild(body);
    set(!!collapsed);
    L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
    return { box: box, body: body, set: set };
  }
  function control(position, build) {
    var C = L.Control.extend({ options: { position: position }, onAdd: build });
    return new C();
  }
  function small() { return window.innerWidth < 1100 || window.innerHeight < 800; }
  function row(parent, sym, label) {
    var r = el('div', 'row'); r.appendChild(sym); r.appendChild(el('span', null, label));
    parent.appendChild(r);
  }
  function swatch(c, border, width) {
    var s = el('span', 'sw'); s.style.background = c;
    if (border) { s.style.borderColor = border; s.style.borderWidth = (width || 2) + 'px'; }
    return s;
  }

  var controls = {
    title: function (map) {
      control('topleft', function () {
        var p = panel('gm-title', D.title.heading, false);
        p.body.appendChild(el('div', 'gm-ruleset', D.title.ruleset));
        p.body.appendChild(table(D.title.rows));
        return p.box;
      }).addTo(map);
    },
    legend: function (map) {
      control('bottomright', function () {
        var p = panel('gm-legend', T.legend, small()), b = p.body, L_ = D.legend;
        S.legend = p;
        b.appendChild(el('h3', null, T.estates));
        L_.verdicts.forEach(function (v) { row(b, swatch(v.colour, v.outline, 2.5), v.label); });
        if (L_.gap.length) {
          b.appendChild(el('h3', null, T.gap_legend));
          L_.gap.forEach(function (c) { row(b, swatch(c.colour), c.label); });
        }
        if (L_.kinds.length) {
          b.appendChild(el('h3', null, T.facilities));
          L_.kinds.forEach(function (k) { row(b, svg(k.icon), k.label); });
        }
        if (L_.tiers.length) {
          b.appendChild(el('h3', null, T.tier));
          L_.tiers.forEach(function (t) { row(b, swatch(t.colour + '33', t.colour), t.label); });
        }
        if (D.streets.name.length) {
          b.appendChild(el('h3', null, T.streets + ' (' + D.main_tier_label + ')'));
          L_.coverage.forEach(function (c) { row(b, swatch(c.colour), c.label); });
        }
        if (D.proposals) { b.appendChild(el('h3', null, T.proposals)); row(b, svg(L_.proposal), T.candidate); }
        if (D.has.barriers) { row(b, swatch(D.style.river), T.rivers); }
        if (D.has.network) {
          var ln = el('span', 'ln'); ln.style.borderColor = D.style.network; row(b, ln, T.network);
        }
        return p.box;
      }).addTo(map);
    },
    search: function (map) {
      var E = D.estates;
      var lower = E.name.map(function (n, i) { return (n + '\u0001' + E.id[i]).toLowerCase(); });
      control('topright', function () {
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
          if (!hits.length && input.value.trim() && !input.dataset.chosen) {
            list.appendChild(el('li', 'none', T.no_match));
          }
        }
        function choose(i) {
          // the list closes on the chosen estate (no "no match" for the name now in the box)
          hits = []; active = -1; input.value = E.name[i]; input.dataset.chosen = '1';
          render(); S.go(i);
        }
        input.addEventListener('input', function () {
          var q = input.value.trim().toLowerCase(); hits = []; active = -1;
          delete input.dataset.chosen;
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
          else if (ev.key === 'ArrowUp' && hits.length) { active = (active - 1 + hits.length) % hits.length; render(); }
          else if (ev.key === 'Enter' && hits.length) { ev.preventDefault(); choose(hits[Math.max(active, 0)]); }
          else if (ev.key === 'Escape') { hits = []; render(); }
        });
        L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
        return box;
      }).addTo(map);
    },
    labels: function (map) {
      var E = D.estates, labels = L.layerGroup().addTo(map), pts = null;
      function draw() {
        labels.clearLayers();
        if (map.getZoom() < D.zoom.estate_labels) { return; }
        if (!pts) { pts = E.label.map(latlng); }
        var b = map.getBounds(), n = 0;
        for (var i = 0; i < pts.length && n < 600; i++) {
          if (!b.contains(pts[i])) { continue; }
          var lab = el('div', null, E.name[i]);
          L.marker(pts[i], { pane: 'gmLabel', interactive: false, keyboard: false,
            icon: L.divIcon({ html: lab, className: 'gm-estate-label', iconSize: null }) }).addTo(labels);
          n++;
        }
      }
      S.estateLabels = labels;
      map.on('moveend zoomend', draw);
      map.whenReady(draw);  // the opening view is already set
    },
    zoom: function (map) {
      // the estates were styled for the opening zoom when they were made
      var city = map.getZoom() < D.zoom.gap_max;
      function update() {
        var z = map.getZoom(), c = map.getContainer(), est = S.layers[T.estates];
        if (est && city !== (z < D.zoom.gap_max)) { city = z < D.zoom.gap_max; est.setStyle(est.options.style); }
        c.classList.toggle('gm-lowzoom', z < D.zoom.street_labels);
        c.classList.toggle('gm-farzoom', z < D.zoom.street_labels - 1);
        var gap = map.getPane('gmGap');
        if (gap) { gap.style.display = z >= D.zoom.gap_max ? 'none' : ''; }
      }
      map.on('zoomend', update); map.whenReady(update);
    },
    scale: function (map) {
      L.control.scale({ metric: true, imperial: false, position: 'bottomleft' }).addTo(map);
    },
    print: function (map) {
      var saved = null;
      function on(printing) {
        var c = map.getContainer();
        if (printing && !saved) {
          saved = { center: map.getCenter(), zoom: map.getZoom() };
          c.classList.add('gm-printing');
          map.invalidateSize({ animate: false });
          // the whole district beside the title box (left) and the legend (right)
          var left = c.querySelector('.gm-title'), right = c.querySelector('.gm-legend');
          var pl = left ? left.offsetWidth + 16 : 12, pr = right ? right.offsetWidth + 16 : 12;
          if (D.bounds) {
            map.fitBounds(D.bounds, { paddingTopLeft: [pl, 12], paddingBottomRight: [pr, 12],
              animate: false });
          }
        } else if (!printing && saved) {
          c.classList.remove('gm-printing');
          map.invalidateSize({ animate: false });
          map.setView(saved.center, saved.zoom, { animate: false });
          saved = null;
        }
      }
      var mq = window.matchMedia('print');
      if (mq.addEventListener) { mq.addEventListener('change', function (e) { on(e.matches); }); }
      window.addEventListener('beforeprint', function () { on(true); });
      window.addEventListener('afterprint', function () { on(false); });
    },
    ready: function (map) {
      S.readyAt = performance.now();  // milliseconds since the page started loading
      S.ready = true;
    }
  };
  GapMap.control = function (kind, map) {
    mark('control ' + kind);
    data();
    S.map = map;
    if (!S.facName) {
      S.facName = {};
      D.facilities.id.forEach(function (id, i) { S.facName[id] = D.facilities.name[i]; });
    }
    controls[kind](map);
  };

  // ---- open an estate (search, tests): its layer shown, zoomed to, popup open
  S.go = function (i) {
    var map = S.map, lyr = S.estates[i], est = S.layers[T.estates];
    if (est && !map.hasLayer(est)) { est.addTo(map); }
    if (!lyr) { map.setView(latlng(D.estates.label[i]), 17, { animate: false }); return; }
    if (lyr.getBounds) {
      map.fitBounds(lyr.getBounds(), { maxZoom: 17, animate: false, padding: [40, 40] });
    } else {
      map.setView(lyr.getLatLng(), 17, { animate: false });
    }
    lyr.openPopup();
  };
})();
