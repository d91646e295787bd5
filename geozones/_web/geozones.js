/* geozones map runtime: hand-written, no dependencies but Leaflet 1.9.
 *
 * Python (geozones.maps) inlines this file into every map and calls the functions below with
 * JSON data. Every string that came from the data reaches this file already HTML-escaped by
 * Python; this file never escapes or unescapes anything, it only joins those fragments with
 * constant markup.
 *
 * window.geozones holds:
 *   drawn       counts of what has been drawn: basemap, bands, lines, positions, uncertainty
 *   ready       true once every map has been drawn and painted (two animation frames later)
 *   renderMs    performance.now() at that moment (the benchmark's time to first render)
 *   mgrs(lon, lat, digits)   MGRS reference of a WGS84 point ("" outside 80°S–84°N)
 *   distance(lon1, lat1, lon2, lat2)   geodesic distance on WGS84 in metres (Vincenty)
 *   drawnGeoJSON(map)   the lines drawn with the draw tool, as a GeoJSON FeatureCollection
 */
(function () {
  "use strict";
  var gz = (window.geozones = window.geozones || {});
  gz.drawn = gz.drawn ||
    { basemap: 0, bands: 0, lines: 0, positions: 0, places: 0, clusters: 0, uncertainty: 0 };
  gz.ready = false;

  var DAY_MS = 86400000;

  /* ------------------------------------------------------------------ geodesy */

  var WGS84_A = 6378137.0;
  var WGS84_F = 1 / 298.257223563;
  var RAD = Math.PI / 180;

  /* Geodesic distance (metres) on WGS84 by Vincenty's inverse formula; falls back to the
   * spherical (haversine, mean radius) distance for the nearly antipodal points where the
   * iteration does not converge. */
  function distance(lon1, lat1, lon2, lat2) {
    var a = WGS84_A, f = WGS84_F, b = a * (1 - f);
    var L = (lon2 - lon1) * RAD;
    var U1 = Math.atan((1 - f) * Math.tan(lat1 * RAD));
    var U2 = Math.atan((1 - f) * Math.tan(lat2 * RAD));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, lambdaP, iter = 100;
    var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM, sinLambda, cosLambda;
    do {
      sinLambda = Math.sin(lambda);
      cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt(
        (cosU2 * sinLambda) * (cosU2 * sinLambda) +
          (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) * (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda)
      );
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      var sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
      cosSqAlpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cosSqAlpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cosSqAlpha : 0;
      var C = (f / 16) * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
      lambdaP = lambda;
      lambda = L + (1 - C) * f * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - lambdaP) > 1e-12 && --iter > 0);
    if (iter === 0) {
      var dphi = (lat2 - lat1) * RAD, dl = (lon2 - lon1) * RAD;
      var h = Math.sin(dphi / 2) * Math.sin(dphi / 2) +
        Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dl / 2) * Math.sin(dl / 2);
      return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
    }
    var uSq = (cosSqAlpha * (a * a - b * b)) / (b * b);
    var A = 1 + (uSq / 16384) * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var B = (uSq / 1024) * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var deltaSigma = B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM *
      cos2SigmaM) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) *
      (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return b * A * (sigma - deltaSigma);
  }
  gz.distance = distance;

  /* UTM forward projection (Snyder's series, WGS84; millimetre-level inside a zone) with the
   * Norway and Svalbard zone exceptions. Returns [zone, easting m, northing m]. */
  function utm(lon, lat) {
    var zone = Math.floor((lon + 180) / 6) + 1;
    if (zone > 60) zone = 60;
    if (lat >= 56 && lat < 64 && lon >= 3 && lon < 12) zone = 32;
    if (lat >= 72 && lat < 84) {
      if (lon >= 0 && lon < 9) zone = 31;
      else if (lon >= 9 && lon < 21) zone = 33;
      else if (lon >= 21 && lon < 33) zone = 35;
      else if (lon >= 33 && lon < 42) zone = 37;
    }
    var k0 = 0.9996, e2 = WGS84_F * (2 - WGS84_F), ep2 = e2 / (1 - e2);
    var phi = lat * RAD, lam0 = ((zone - 1) * 6 - 180 + 3) * RAD;
    var lam = lon * RAD - lam0;
    if (lam > Math.PI) lam -= 2 * Math.PI;
    if (lam < -Math.PI) lam += 2 * Math.PI;
    var s = Math.sin(phi), c = Math.cos(phi), t = Math.tan(phi);
    var N = WGS84_A / Math.sqrt(1 - e2 * s * s);
    var T = t * t, C = ep2 * c * c, A = c * lam;
    var e4 = e2 * e2, e6 = e4 * e2;
    var M = WGS84_A * ((1 - e2 / 4 - (3 * e4) / 64 - (5 * e6) / 256) * phi -
      ((3 * e2) / 8 + (3 * e4) / 32 + (45 * e6) / 1024) * Math.sin(2 * phi) +
      ((15 * e4) / 256 + (45 * e6) / 1024) * Math.sin(4 * phi) -
      ((35 * e6) / 3072) * Math.sin(6 * phi));
    var x = k0 * N * (A + ((1 - T + C) * A * A * A) / 6 +
      ((5 - 18 * T + T * T + 72 * C - 58 * ep2) * Math.pow(A, 5)) / 120) + 500000;
    var y = k0 * (M + N * t * ((A * A) / 2 + ((5 - T + 9 * C + 4 * C * C) * Math.pow(A, 4)) / 24 +
      ((61 - 58 * T + T * T + 600 * C - 330 * ep2) * Math.pow(A, 6)) / 720));
    if (lat < 0) y += 10000000;
    return [zone, x, y];
  }

  var BANDS = "CDEFGHJKLMNPQRSTUVWXX";
  var COLS = ["ABCDEFGH", "JKLMNPQR", "STUVWXYZ"];
  var ROWS = "ABCDEFGHJKLMNPQRSTUV";

  /* MGRS reference ("36S YB 12345 67890") of a WGS84 point with `digits` (1-5) digits per
   * coordinate, truncated as MGRS requires; "" outside 80°S-84°N (the polar UPS areas). */
  function mgrs(lon, lat, digits) {
    digits = digits === undefined ? 5 : digits;
    if (!(lat >= -80 && lat < 84) || !isFinite(lon)) return "";
    lon = ((((lon + 180) % 360) + 360) % 360) - 180;
    var u = utm(lon, lat), zone = u[0], e = u[1], n = u[2];
    var band = BANDS.charAt(Math.floor((lat + 80) / 8));
    var col = COLS[(zone - 1) % 3].charAt(Math.floor(e / 100000) - 1);
    var row = ROWS.charAt((Math.floor(n / 100000) + (zone % 2 === 0 ? 5 : 0)) % 20);
    var div = Math.pow(10, 5 - digits);
    var ee = String(Math.floor((e % 100000) / div)), nn = String(Math.floor((n % 100000) / div));
    while (ee.length < digits) ee = "0" + ee;
    while (nn.length < digits) nn = "0" + nn;
    return (zone < 10 ? "0" : "") + zone + band + " " + col + row + " " + ee + " " + nn;
  }
  gz.mgrs = mgrs;

  function formatKm(m) {
    return m >= 10000 ? (m / 1000).toFixed(1) + " km" : m >= 1000 ? (m / 1000).toFixed(2) + " km"
      : Math.round(m) + " m";
  }

  function isoDay(day) {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  /* ----------------------------------------------------------- per-map context */

  function button(parent, label, title, onClick) {
    var b = L.DomUtil.create("a", "gz-button", parent);
    b.href = "#";
    b.setAttribute("role", "button");
    b.title = title;
    b.textContent = label;
    L.DomEvent.on(b, "click", function (e) {
      L.DomEvent.preventDefault(e);
      onClick(b);
    });
    return b;
  }

  function Context(map, options) {
    this.map = map;
    this.options = options || {};
    this.bounds = null;
    this.timeGroups = [];
    this.drawnLines = [];
    this.positionLayers = {};
    this.mode = null;
    map.createPane("gzBase").style.zIndex = 250;
    map.createPane("gzBands").style.zIndex = 350;
    map.createPane("gzUncertainty").style.zIndex = 390;
    map.createPane("gzLines").style.zIndex = 410;
    map.createPane("gzLabels").style.zIndex = 420;
    map.createPane("gzPositions").style.zIndex = 440;
    map.createPane("gzClusters").style.zIndex = 450;
    map.createPane("gzTools").style.zIndex = 460;
    map.getPane("gzLabels").style.pointerEvents = "none";
    this.renderers = {
      base: L.canvas({ pane: "gzBase" }),
      bands: L.svg({ pane: "gzBands" }),
      uncertainty: L.canvas({ pane: "gzUncertainty" }),
      lines: L.svg({ pane: "gzLines" }),
      positions: L.canvas({ pane: "gzPositions", padding: 0.2, tolerance: 3 }),
      tools: L.svg({ pane: "gzTools" })
    };
    this.layers = L.control.layers(null, null, { collapsed: true, position: "topright" });
    this.layers.addTo(map);
    this.legend = this._legend().addTo(map);
    this._fitLegendSoon();
    map.on("resize", this._fitLegendSoon, this);
    var layersBox = this.layers.getContainer(), self0 = this;
    L.DomEvent.on(layersBox, "mouseenter mouseleave click focusin focusout", function () {
      self0._fitLegendSoon();
    });
    L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
    this._coordinates().addTo(map);
    if (this.options.tools !== false) this._tools().addTo(map);
    var self = this;
    this.current = null; // the open popup
    map.on("popupopen", function (e) { self.current = e.popup; });
    map.on("popupclose", function (e) { if (self.current === e.popup) self.current = null; });
    map.on("keydown", function (e) {
      if (e.originalEvent.key === "Escape") self._stop();
    });
    scheduleReady();
  }

  gz.map = function (map, options) {
    if (!map._geozones) map._geozones = new Context(map, options);
    return map._geozones;
  };

  var readyScheduled = false;
  function scheduleReady() {
    if (readyScheduled) return;
    readyScheduled = true;
    var raf = window.requestAnimationFrame || function (f) { return setTimeout(f, 16); };
    raf(function () {
      raf(function () {
        gz.renderMs = window.performance ? performance.now() : 0;
        gz.ready = true;
        document.documentElement.setAttribute("data-geozones-ready", "1");
      });
    });
  }

  Context.prototype.fit = function (bbox) {
    if (!bbox) return;
    var b = L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
    this.bounds = this.bounds ? this.bounds.extend(b) : b;
    // maxZoom: a single position (or one place) has bounds of no size, and a map with no
    // tile layer has no zoom limit of its own, so fitting would zoom to Infinity.
    if (!this.options.fixedView) {
      this.map.fitBounds(this.bounds, { padding: [10, 10], maxZoom: 14 });
    }
  };

  Context.prototype.attribution = function (html) {
    if (this.map.attributionControl) this.map.attributionControl.addAttribution(html);
  };

  /* ------------------------------------------------------------------ legend */

  Context.prototype._legend = function () {
    var self = this;
    var Legend = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gz-legend leaflet-bar");
        var head = L.DomUtil.create("div", "gz-legend-head", div);
        var toggle = button(head, "Legend \u25BE", "Show or hide the legend", function () {
          body.style.display = body.style.display === "none" ? "" : "none";
        });
        toggle.className = "gz-legend-toggle";
        var body = L.DomUtil.create("div", "gz-legend-body", div);
        this.body = body;
        /* the breach list: each item zooms to its position and opens its details */
        L.DomEvent.on(body, "click", function (e) {
          var a = e.target.closest ? e.target.closest("a[data-gz-i]") : null;
          if (!a) return;
          L.DomEvent.preventDefault(e);
          self.focus(+a.getAttribute("data-gz-layer"), +a.getAttribute("data-gz-i"));
        });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    return new Legend();
  };

  /* `html` was built and escaped by Python. */
  Context.prototype.addLegend = function (html) {
    var section = L.DomUtil.create("div", "gz-legend-section", this.legend.body);
    section.innerHTML = html;
    this._fitLegendSoon();
  };

  /* The legend sits under the layer control (top right) and scrolls inside what is left of
   * the map's height above the attribution, so the two never cover each other. */
  Context.prototype._fitLegend = function () {
    var legend = this.legend.getContainer(), body = this.legend.body;
    if (!legend || !body) return;
    var box = this.map.getContainer().getBoundingClientRect(), bottom = box.bottom;
    var credit = this.map.attributionControl && this.map.attributionControl.getContainer();
    if (credit) {
      /* the credits wrap to the right of the scale, coordinates and date filter */
      var left = this.map._controlCorners.bottomleft.getBoundingClientRect();
      credit.style.maxWidth = Math.max(box.width - (left.right - box.left) - 16, 160) + "px";
      if (credit.offsetHeight) bottom = credit.getBoundingClientRect().top;
    }
    var room = bottom - body.getBoundingClientRect().top - 12;
    body.style.maxHeight = Math.max(room, 60) + "px";
  };

  Context.prototype._fitLegendSoon = function () {
    var self = this;
    this._fitLegend();
    setTimeout(function () { self._fitLegend(); }, 0);
  };

  /* ------------------------------------------------------------- the basemap */

  /* `data`: {layers: [{name, fc, style, show}], labels: [{name, items: [[lon, lat, html,
   * cls]]}], attribution}: vector layers drawn without tiles in the lowest panes. */
  Context.prototype.basemap = function (data) {
    var self = this;
    var container = this.map.getContainer();
    function zoomClasses() {
      var z = self.map.getZoom();
      for (var level = 8; level <= 13; level++) {
        L.DomUtil[z >= level ? "addClass" : "removeClass"](container, "gz-zge" + level);
      }
    }
    this.map.on("zoomend", zoomClasses);
    zoomClasses();
    var bg = data.background;
    if (bg) this.map.getContainer().style.background = bg;
    data.layers.forEach(function (spec) {
      var layer = L.geoJSON(spec.fc, {
        renderer: self.renderers.base,
        interactive: false,
        style: function () { return L.extend({ interactive: false }, spec.style); }
      });
      gz.drawn.basemap += spec.fc.features.length;
      if (spec.show !== false) layer.addTo(self.map);
      if (spec.name) self.layers.addOverlay(layer, spec.name);
    });
    data.labels.forEach(function (spec) {
      var group = L.layerGroup();
      spec.items.forEach(function (it) {
        var icon = L.divIcon({ className: "gz-label " + (it[3] || ""), html: it[2],
          iconSize: null });
        L.marker([it[1], it[0]], { icon: icon, pane: "gzLabels", interactive: false,
          keyboard: false }).addTo(group);
      });
      if (spec.show !== false) group.addTo(self.map);
      if (spec.name) self.layers.addOverlay(group, spec.name);
    });
  };

  /* Online tiles, only when the caller asked for them. */
  Context.prototype.tiles = function (spec) {
    var layer = L.tileLayer(spec.url, { attribution: spec.attribution, maxZoom: spec.maxZoom });
    layer.addTo(this.map);
    this.layers.addBaseLayer(layer, spec.name);
  };

  /* ------------------------------------------------------------------- bands */

  /* `fc`: features with properties {c: colour, t: tooltip html}. */
  Context.prototype.bands = function (name, fc, style) {
    var layer = L.geoJSON(fc, {
      renderer: this.renderers.bands,
      style: function (f) {
        return L.extend({ color: f.properties.c, fillColor: f.properties.c, className: "gz-band",
          interactive: false }, style);
      }
    }).addTo(this.map);
    gz.drawn.bands += fc.features.length;
    this.layers.addOverlay(layer, name);
    return layer;
  };

  /* -------------------------------------------------------------------- lines */

  /* `fc`: features with properties {c: colour, n: label html, lx, ly: label position}. */
  Context.prototype.lines = function (name, fc, style) {
    var group = L.featureGroup();
    var layer = L.geoJSON(fc, {
      renderer: this.renderers.lines,
      style: function (f) {
        return L.extend({ color: f.properties.c, dashArray: f.properties.d || null,
          className: "gz-line", interactive: false }, style);
      }
    }).addTo(group);
    fc.features.forEach(function (f) {
      var p = f.properties;
      if (p.n) {
        var left = p.dir === "left";
        L.tooltip({ permanent: true, direction: left ? "left" : "right",
          className: "gz-line-label", offset: [left ? -8 : 8, 0] }).setLatLng([p.ly, p.lx]).setContent(p.n).addTo(group);
      }
    });
    group.addTo(this.map);
    gz.drawn.lines += fc.features.length;
    this.layers.addOverlay(group, name);
    return layer;
  };

  /* ---------------------------------------------------------------- positions */

  /* `d` holds the positions column-wise (see geozones.maps._positions_payload):
   *   x, y: lon, lat; k: style index into d.styles; b: band index into d.bands (-1 none);
   *   t, t2: first and last day since 1970-01-01 or null (t2 null: the same as t);
   *   when: [codes, labels] of the date range as text; r: uncertainty radius (m);
   *   km: distance (km) or null; s: scenario state index into d.states or -1, d.rank the
   *   seriousness of each state (0 = breach); verdicts: [[scenario, verdict codes, verdict
   *   html, evidence codes, evidence html]]; cols: {key: codes}, dict: {key: html[]};
   *   id: the layer's number on this map (the legend's breach list names it).
   * Every string in d.bands, d.states, d.dict, d.when, d.verdicts and d.fields is HTML
   * escaped already.
   *
   * Positions at one place (the same lon/lat) are one marker with their count; its popup
   * lists them, and every item opens that position's details. */
  Context.prototype.positions = function (name, d) {
    var self = this, n = d.x.length, i;
    var styles = d.styles.map(function (s) {
      return { radius: d.radius, renderer: self.renderers.positions, color: s.stroke,
        weight: 1, fillColor: s.fill, fillOpacity: 0.9, className: "gz-position" };
    });
    var entry = { d: d, places: [], placeOf: new Array(n), circleList: [], styles: styles };
    var byKey = Object.create(null), p;
    for (i = 0; i < n; i++) {
      var key = d.x[i] + "," + d.y[i];
      p = byKey[key];
      if (!p) { p = byKey[key] = { members: [], shown: 0 }; entry.places.push(p); }
      p.members.push(i);
      entry.placeOf[i] = p;
    }
    var group = L.featureGroup();
    entry.places.forEach(function (p) {
      var j = p.members[0];
      if (p.members.length === 1) {
        p.layer = L.circleMarker([d.y[j], d.x[j]], styles[d.k[j]]);
        p.layer._gzi = j;
      } else {
        p.layer = L.marker([d.y[j], d.x[j]], { pane: "gzClusters", keyboard: true,
          icon: clusterIcon(d, p.members, styles) });
        p.layer._gzPlace = p;
        gz.drawn.clusters += 1;
      }
      p.shown = p.members.length;
      group.addLayer(p.layer);
    });
    group.bindTooltip(function (layer) {
      return layer._gzPlace ? clusterTooltip(d, self._shownMembers(entry, layer._gzPlace))
        : tooltipHtml(d, layer._gzi);
    }, { sticky: true });
    function content(layer) {
      return layer._gzPlace ? self._listElement(entry, layer._gzPlace)
        : self._detailsElement(entry, layer._gzi, null);
    }
    group.bindPopup(content, { maxWidth: 380, minWidth: 260 });
    group.on("popupopen", function (e) {
      if (e.layer) e.layer.closeTooltip(); // the hover text would cover the list
      if (e.layer && e.layer._gzi !== undefined) self._select(entry, e.layer._gzi);
    });
    /* a list's item shows its details in the same popup (see _openAt): build it anew */
    group.on("popupclose", function (e) { e.popup.setContent(content); });
    group.addTo(this.map);
    gz.drawn.positions += n;
    gz.drawn.places += entry.places.length;
    this.layers.addOverlay(group, name);
    entry.group = group;

    /* Uncertainty radii: dashed outlines with no fill (hundreds of large ones must not grey
     * out the map), one per distinct place and radius, built the first time they are shown.
     * The selected position's radius is drawn filled (see _select). */
    var circles = L.layerGroup(), built = false;
    circles.on("add", function () {
      if (built) return;
      built = true;
      var seen = Object.create(null);
      for (var j = 0; j < n; j++) {
        if (!(d.r[j] > 0)) continue;
        var key = d.x[j] + "," + d.y[j] + "," + d.r[j];
        if (seen[key]) { seen[key]._gzMembers.push(j); continue; }
        var c = L.circle([d.y[j], d.x[j]], { radius: d.r[j], renderer: self.renderers.uncertainty,
          color: d.styles[d.k[j]].fill, weight: 1, opacity: 0.75, fill: false,
          dashArray: "4 3", interactive: false, className: "gz-radius" });
        c._gzMembers = [j];
        seen[key] = c;
        entry.circleList.push(c);
        gz.drawn.uncertainty += 1;
      }
      entry.circleList.forEach(function (c) {
        if (self._anyVisible(d, c._gzMembers)) circles.addLayer(c);
      });
    });
    if (d.uncertainty) circles.addTo(this.map);
    this.layers.addOverlay(circles, name + " \u2013 uncertainty radius");
    entry.circles = circles;

    this.timeGroups.push(entry);
    this.positionLayers[d.id] = entry;
    var dated = d.t.filter(function (v) { return v !== null; });
    if (d.t2) dated = dated.concat(d.t2.filter(function (v) { return v !== null; }));
    if (dated.length && this.options.timeFilter !== false) this._timeFilter(dated);
    return group;
  };

  /* The most serious member of a place: breach first, then by band, innermost first. */
  function seriousness(d, j) {
    if (d.s[j] >= 0) return d.rank[d.s[j]];
    return d.b[j] >= 0 ? 100 + d.b[j] : 1000;
  }

  function mostSerious(d, members) {
    var best = members[0];
    for (var m = 1; m < members.length; m++) {
      if (seriousness(d, members[m]) < seriousness(d, best)) best = members[m];
    }
    return best;
  }

  function textColour(hex) {
    var r = parseInt(hex.substr(1, 2), 16), g = parseInt(hex.substr(3, 2), 16),
      b = parseInt(hex.substr(5, 2), 16);
    return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#111" : "#fff";
  }

  function clusterIcon(d, members, styles) {
    var style = styles[d.k[mostSerious(d, members)]], count = members.length;
    var size = count < 10 ? 22 : count < 100 ? 26 : count < 1000 ? 30 : 34;
    return L.divIcon({
      className: "gz-cluster",
      iconSize: [size, size],
      html: '<span style="background:' + style.fillColor + ";color:" +
        textColour(style.fillColor) + ";border-color:" + style.color + ";line-height:" +
        (size - 4) + 'px">' + count + "</span>"
    });
  }

  function clusterTooltip(d, members) {
    var counts = {}, parts = [];
    members.forEach(function (j) {
      var k = d.s[j] >= 0 ? d.states[d.s[j]] : "";
      if (k) counts[k] = (counts[k] || 0) + 1;
    });
    d.states.forEach(function (s) { if (counts[s]) parts.push(counts[s] + " " + s); });
    return "<b>" + members.length + " positions here</b>" +
      (parts.length ? " \u00B7 " + parts.join(", ") : "") + "<br>click for the list";
  }

  Context.prototype._visible = function (t, t2) {
    var f = this.filter;
    if (!f) return true;
    if (t === null || t === undefined) return f.undated;
    var last = t2 === null || t2 === undefined ? t : t2;
    return last >= f.from && t <= f.to;
  };

  Context.prototype._visibleAt = function (d, j) {
    return this._visible(d.t[j], d.t2 ? d.t2[j] : null);
  };

  Context.prototype._anyVisible = function (d, members) {
    for (var m = 0; m < members.length; m++) if (this._visibleAt(d, members[m])) return true;
    return false;
  };

  Context.prototype._shownMembers = function (entry, place) {
    var self = this;
    return place.members.filter(function (j) { return self._visibleAt(entry.d, j); });
  };

  /* The popup of a place with several positions: a list; each item opens its details. */
  Context.prototype._listElement = function (entry, place) {
    var self = this, d = entry.d, members = this._shownMembers(entry, place);
    if (!members.length) members = place.members;
    members = members.slice().sort(function (a, b) {
      return seriousness(d, a) - seriousness(d, b) || (d.t[a] || 0) - (d.t[b] || 0);
    });
    var div = L.DomUtil.create("div", "gz-list");
    var items = members.map(function (j) {
      var who = d.cols.actor ? d.dict.actor[d.cols.actor[j]] : "";
      var verdict = d.s[j] >= 0 ? d.states[d.s[j]] : (d.b[j] >= 0 ? d.bands[d.b[j]] : "");
      return '<li><a href="#" data-gz-i="' + j + '">' + whenText(d, j) +
        (verdict ? " \u00B7 <b>" + verdict + "</b>" : "") + (who ? "<br>" + who : "") +
        "</a></li>";
    });
    var j0 = members[0];
    div.innerHTML = '<div class="gz-list-head"><b>' + members.length + " positions</b> at " +
      d.y[j0].toFixed(5) + ", " + d.x[j0].toFixed(5) + "</div><ol>" + items.join("") + "</ol>";
    L.DomEvent.on(div, "click", function (e) {
      var a = e.target.closest ? e.target.closest("a[data-gz-i]") : null;
      if (!a) return;
      /* stop: the item leaves the page when its details replace the list, and Leaflet would
       * then take the click for one on the map, which closes the popup */
      L.DomEvent.stop(e);
      self._showDetails(entry, +a.getAttribute("data-gz-i"), place);
    });
    return div;
  };

  /* The details of position `j`; `place` (or null) adds a link back to its place's list. */
  Context.prototype._detailsElement = function (entry, j, place) {
    var self = this, div = L.DomUtil.create("div", "gz-details");
    var back = "";
    if (place && place.members.length > 1) {
      back = '<a href="#" class="gz-back">\u2190 all ' + place.members.length +
        " positions here</a>";
    }
    div.innerHTML = back + popupHtml(entry.d, j);
    if (back) {
      L.DomEvent.on(div.querySelector(".gz-back"), "click", function (e) {
        L.DomEvent.stop(e);
        self._openAt(entry, j, self._listElement(entry, place));
      });
    }
    return div;
  };

  /* Show `content` at position `j`: in the popup that is open (a place's list becomes one
   * position's details in place), else in a new one. */
  Context.prototype._openAt = function (entry, j, content) {
    var d = entry.d, popup = this.current;
    if (popup && this.map.hasLayer(popup)) {
      popup.setLatLng([d.y[j], d.x[j]]).setContent(content);
      popup.update();
      return popup;
    }
    popup = L.popup({ maxWidth: 380, minWidth: 260, offset: [0, -4] });
    popup.setLatLng([d.y[j], d.x[j]]).setContent(content).openOn(this.map);
    this.current = popup;
    return popup;
  };

  Context.prototype._showDetails = function (entry, j, place) {
    this._openAt(entry, j, this._detailsElement(entry, j, place));
    this._select(entry, j);
  };

  /* Draw the selected position's uncertainty radius, filled, until its popup closes. */
  Context.prototype._select = function (entry, j) {
    var d = entry.d, self = this;
    if (!this.selected) {
      this.selected = L.layerGroup().addTo(this.map);
      this.map.on("popupclose", function () { self.selected.clearLayers(); });
    }
    this.selected.clearLayers();
    if (d.r[j] > 0) {
      L.circle([d.y[j], d.x[j]], { radius: d.r[j], renderer: this.renderers.tools,
        color: d.styles[d.k[j]].fill, weight: 2, fillOpacity: 0.12, interactive: false,
        className: "gz-selected-radius" }).addTo(this.selected);
    }
    gz.selected = { layer: d.id, index: j };
  };

  /* Zoom to position `j` of positions layer `id` and open its details (the legend's breach
   * list calls this). */
  Context.prototype.focus = function (id, j) {
    var entry = this.positionLayers[id];
    if (!entry || !(j >= 0 && j < entry.d.x.length)) return;
    var d = entry.d;
    this.map.setView([d.y[j], d.x[j]], Math.max(this.map.getZoom(), 12), { animate: false });
    this._showDetails(entry, j, entry.placeOf[j]);
  };

  function whenText(d, i) {
    if (d.when) return d.when[1][d.when[0][i]];
    return d.t[i] !== null ? isoDay(d.t[i]) : "undated";
  }

  function tooltipHtml(d, i) {
    var parts = [];
    var who = d.cols.actor ? d.dict.actor[d.cols.actor[i]] : "";
    if (who) parts.push("<b>" + who + "</b>");
    if (d.km[i] !== null) parts.push(d.km[i].toFixed(1) + " km");
    if (d.b[i] >= 0) parts.push(d.bands[d.b[i]]);
    if (d.s[i] >= 0) parts.push(d.states[d.s[i]]);
    parts.push(whenText(d, i));
    return parts.join(" \u00B7 ");
  }

  function popupHtml(d, i) {
    var rows = [];
    function row(label, value, cls) {
      if (value !== "" && value !== null && value !== undefined) {
        rows.push("<tr" + (cls ? ' class="' + cls + '"' : "") + "><th>" + label + "</th><td>" +
          value + "</td></tr>");
      }
    }
    function text(key) {
      return d.cols[key] ? d.dict[key][d.cols[key][i]] : "";
    }
    row("Who", text("actor"));
    row("When", whenText(d, i));
    row("Place", text("place"));
    row("Distance", d.km[i] !== null ? d.km[i].toFixed(2) + " km" : "");
    row("Band", d.b[i] >= 0 ? d.bands[d.b[i]] : "");
    row("Side", text("side"));
    (d.verdicts || []).forEach(function (v) {
      var verdict = v[2][v[1][i]], evidence = v[3].length ? v[4][v[3][i]] : "";
      if (!verdict) return;
      row(v[0], '<b class="gz-verdict">' + verdict + "</b>" +
        (evidence ? '<div class="gz-evidence">' + evidence + "</div>" : ""),
        "gz-scenario");
    });
    var denied = text("denied_by");
    row("Claim status", text("status"), denied ? "gz-denied-row" : "");
    row("Denied by", denied, "gz-denied-row");
    var claim = text("claim_text");
    row("Claim", claim ? '<q class="gz-claim">' + claim + "</q>" : "");
    row("Uncertainty", d.r[i] > 0 ? formatKm(d.r[i]) + " radius" : "none given");
    var source = text("source"), url = text("url");
    if (url) {
      source = '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' +
        (source || url) + "</a>";
    }
    row("Source", source);
    row("Located by", text("location_method"));
    d.fields.forEach(function (f) { row(f[1], text(f[0])); });
    row("Row", d.row ? String(d.row[i]) : "");
    row("Coordinates", d.y[i].toFixed(5) + ", " + d.x[i].toFixed(5) + "<br>" +
      mgrs(d.x[i], d.y[i], 5));
    return '<table class="gz-popup">' + rows.join("") + "</table>";
  }

  /* ----------------------------------------------------------- time filter */

  Context.prototype._applyFilter = function () {
    var self = this, shown = 0;
    this.timeGroups.forEach(function (entry) {
      var d = entry.d;
      entry.places.forEach(function (p) {
        var count = 0;
        for (var m = 0; m < p.members.length; m++) if (self._visibleAt(d, p.members[m])) count++;
        var on = entry.group.hasLayer(p.layer);
        if (!count && on) entry.group.removeLayer(p.layer);
        if (count && !on) entry.group.addLayer(p.layer);
        if (count && p.layer._gzPlace && count !== p.shown) {
          p.layer.setIcon(clusterIcon(d, self._shownMembers(entry, p), entry.styles));
        }
        p.shown = count;
        shown += count;
      });
      entry.circles.clearLayers();
      entry.circleList.forEach(function (c) {
        if (self._anyVisible(d, c._gzMembers)) entry.circles.addLayer(c);
      });
    });
    gz.drawn.visible = shown;
    if (this.timeLabel) {
      this.timeLabel.textContent = isoDay(this.filter.from) + " \u2013 " +
        isoDay(this.filter.to) + " \u00B7 " + shown + " shown";
    }
  };

  Context.prototype._timeFilter = function (dated) {
    var lo = Math.min.apply(null, dated.slice(0, 100000)), hi = Math.max.apply(null, dated.slice(0, 100000));
    for (var i = 100000; i < dated.length; i++) { lo = Math.min(lo, dated[i]); hi = Math.max(hi, dated[i]); }
    if (this.timeControl) {
      lo = Math.min(lo, +this.fromInput.min);
      hi = Math.max(hi, +this.fromInput.max);
      [this.fromInput, this.toInput].forEach(function (inp) { inp.min = lo; inp.max = hi; });
      this.toInput.value = hi;
      this.fromInput.value = lo;
      this.filter = { from: lo, to: hi, undated: this.undatedInput.checked };
      this._applyFilter();
      return;
    }
    var self = this;
    var Control = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gz-time leaflet-bar");
        var title = L.DomUtil.create("div", "gz-time-title", div);
        title.textContent = "Dates shown";
        function range(cls, value) {
          var inp = L.DomUtil.create("input", cls, div);
          inp.type = "range";
          inp.min = lo; inp.max = hi; inp.step = 1; inp.value = value;
          inp.setAttribute("aria-label", cls === "gz-time-from" ? "from date" : "to date");
          L.DomEvent.on(inp, "input change", function () {
            var a = +self.fromInput.value, b = +self.toInput.value;
            if (a > b) { if (inp === self.fromInput) self.toInput.value = a; else self.fromInput.value = b; }
            self.filter.from = +self.fromInput.value;
            self.filter.to = +self.toInput.value;
            self._applyFilter();
          });
          return inp;
        }
        self.fromInput = range("gz-time-from", lo);
        self.toInput = range("gz-time-to", hi);
        var lab = L.DomUtil.create("label", "gz-time-undated", div);
        self.undatedInput = L.DomUtil.create("input", "", lab);
        self.undatedInput.type = "checkbox";
        self.undatedInput.checked = true;
        lab.appendChild(document.createTextNode(" undated positions"));
        L.DomEvent.on(self.undatedInput, "change", function () {
          self.filter.undated = self.undatedInput.checked;
          self._applyFilter();
        });
        self.timeLabel = L.DomUtil.create("div", "gz-time-label", div);
        L.DomEvent.disableClickPropagation(div);
        return div;
      }
    });
    this.filter = { from: lo, to: hi, undated: true };
    this.timeControl = new Control().addTo(this.map);
    var total = 0;
    this.timeGroups.forEach(function (g) { total += g.d.x.length; });
    gz.drawn.visible = total;
    this.timeLabel.textContent = isoDay(lo) + " \u2013 " + isoDay(hi) + " \u00B7 " + total +
      " shown";
  };

  /* ----------------------------------------------------- cursor coordinates */

  Context.prototype._coordinates = function () {
    var map = this.map;
    var Control = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gz-coords");
        div.textContent = "move the cursor over the map";
        map.on("mousemove", function (e) {
          var ll = e.latlng.wrap();
          div.textContent = ll.lat.toFixed(5) + ", " + ll.lng.toFixed(5) + "\nMGRS " +
            (mgrs(ll.lng, ll.lat, 5) || "n/a");
        });
        return div;
      }
    });
    return new Control();
  };

  /* ------------------------------------------------ measure and draw tools */

  Context.prototype._tools = function () {
    var self = this;
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gz-tools leaflet-bar");
        self.measureButton = button(div, "\u2194", "Measure a geodesic distance: click " +
          "points, double-click or click here again to finish, Esc to clear", function () {
          self._toggle("measure");
        });
        self.measureButton.className += " gz-measure";
        self.drawButton = button(div, "\u270E", "Draw a line: click vertices, double-click " +
          "or click here again to finish", function () {
          self._toggle("draw");
        });
        self.drawButton.className += " gz-draw";
        var exp = button(div, "\u21E9", "Export the drawn lines as GeoJSON", function () {
          self.exportLines();
        });
        exp.className += " gz-export";
        var clr = button(div, "\u2715", "Clear the measurements and the drawn lines", function () {
          self._stop();
          self.drawn.clearLayers();
          self.measured.clearLayers();
          self.drawnLines = [];
        });
        clr.className += " gz-clear";
        L.DomEvent.disableClickPropagation(div);
        return div;
      }
    });
    this.drawn = L.featureGroup().addTo(this.map);
    this.measured = L.featureGroup().addTo(this.map);
    this.layers.addOverlay(this.drawn, "Drawn lines");
    this.map.on("click", function (e) { self._click(e); });
    this.map.on("mousemove", function (e) { self._hover(e); });
    this.map.on("dblclick", function (e) {
      if (self.mode) { L.DomEvent.stop(e); self._stop(); }
    });
    return new Control();
  };

  Context.prototype._toggle = function (mode) {
    var same = this.mode === mode;
    this._stop();
    if (same) return;
    this.mode = mode;
    this.vertices = [];
    this.map.doubleClickZoom.disable();
    L.DomUtil.addClass(this.map.getContainer(), "gz-crosshair");
    L.DomUtil.addClass(mode === "draw" ? this.drawButton : this.measureButton, "gz-active");
    var style = mode === "draw"
      ? { color: "#111", weight: 3, renderer: this.renderers.tools, className: "gz-drawn" }
      : { color: "#0050b4", weight: 2, dashArray: "6 4", renderer: this.renderers.tools,
        className: "gz-measured" };
    this.sketch = L.polyline([], style).addTo(mode === "draw" ? this.drawn : this.measured);
    this.rubber = L.polyline([], L.extend({}, style, { opacity: 0.5, interactive: false }))
      .addTo(this.map);
  };

  Context.prototype._stop = function () {
    if (!this.mode) return;
    var mode = this.mode;
    this.mode = null;
    this.map.doubleClickZoom.enable();
    L.DomUtil.removeClass(this.map.getContainer(), "gz-crosshair");
    L.DomUtil.removeClass(this.drawButton, "gz-active");
    L.DomUtil.removeClass(this.measureButton, "gz-active");
    if (this.rubber) this.map.removeLayer(this.rubber);
    var v = dedupe(this.vertices);
    if (mode === "draw") {
      if (v.length >= 2) {
        this.sketch.setLatLngs(v);
        this.drawnLines.push(v);
        this.sketch.bindTooltip("drawn line " + this.drawnLines.length);
      } else {
        this.drawn.removeLayer(this.sketch);
      }
    } else if (v.length < 2) {
      this.measured.removeLayer(this.sketch);
    }
  };

  function dedupe(v) {
    var out = [];
    v.forEach(function (p) {
      var q = out[out.length - 1];
      if (!q || q.lat !== p.lat || q.lng !== p.lng) out.push(p);
    });
    return out;
  }

  function pathLength(v) {
    var total = 0;
    for (var i = 1; i < v.length; i++) {
      total += distance(v[i - 1].lng, v[i - 1].lat, v[i].lng, v[i].lat);
    }
    return total;
  }

  Context.prototype._click = function (e) {
    if (!this.mode) return;
    this.vertices.push(e.latlng);
    this.sketch.setLatLngs(this.vertices);
    if (this.mode === "measure" && this.vertices.length >= 2) {
      var text = formatKm(pathLength(this.vertices));
      this.sketch.unbindTooltip();
      this.sketch.bindTooltip(text, { permanent: true, className: "gz-measure-label",
        direction: "right" }).openTooltip(e.latlng);
      this.measuredText = text;
    }
  };

  Context.prototype._hover = function (e) {
    if (!this.mode || !this.vertices.length) return;
    this.rubber.setLatLngs([this.vertices[this.vertices.length - 1], e.latlng]);
  };

  /* The drawn lines as a GeoJSON FeatureCollection (longitude first, WGS84). */
  Context.prototype.geojson = function () {
    return {
      type: "FeatureCollection",
      features: this.drawnLines.map(function (v, i) {
        return {
          type: "Feature",
          properties: { name: "drawn line " + (i + 1), source: "drawn on a geozones map" },
          geometry: { type: "LineString", coordinates: v.map(function (p) {
            return [Math.round(p.lng * 1e6) / 1e6, Math.round(p.lat * 1e6) / 1e6];
          }) }
        };
      })
    };
  };

  Context.prototype.exportLines = function () {
    this._stop();
    var text = JSON.stringify(this.geojson(), null, 1);
    var blob = new Blob([text], { type: "application/geo+json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "geozones-lines.geojson";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };

  gz.drawnGeoJSON = function (map) { return gz.map(map).geojson(); };
})();
