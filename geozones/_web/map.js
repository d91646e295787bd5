/* geozones runtime, map: the tools of one Leaflet map, built once, and the methods Python
 * calls with JSON (geozones.maps writes those calls into the page).
 *
 *   geozones.map: (map, options) -> the map's context, made on the first call
 *
 * `options` holds one object per tool, each passed to that tool alone:
 *   view {fixed: keep the view Python set, do not fit}, legend, coordinates,
 *   measure {enabled}, draw {enabled}, dateFilter {enabled}, positions.
 *
 * Methods: basemap(data), tiles(spec), attribution(html), bands(name, fc, style),
 * lines(name, fc, style), positions(name, d), addLegend(html), fit([w, s, e, n]),
 * focus(layer, i), geojson(), exportLines(). */
(function () {
  "use strict";
  var gz = window.geozones;

  var PANES = [["gzBase", 250], ["gzBands", 350], ["gzUncertainty", 390], ["gzLines", 410],
    ["gzLabels", 420], ["gzPositions", 440], ["gzClusters", 450], ["gzTools", 460]];

  function Context(map, options) {
    var self = this, o = options || {};
    function opt(name) { return o[name] || {}; }
    this.map = map;
    this.options = o;
    this.bounds = null;
    PANES.forEach(function (p) { map.createPane(p[0]).style.zIndex = p[1]; });
    map.getPane("gzLabels").style.pointerEvents = "none";
    var renderers = this.renderers = {
      base: L.canvas({ pane: "gzBase" }),
      bands: L.svg({ pane: "gzBands" }),
      uncertainty: L.canvas({ pane: "gzUncertainty" }),
      lines: L.svg({ pane: "gzLines" }),
      positions: L.canvas({ pane: "gzPositions", padding: 0.2, tolerance: 3 }),
      tools: L.svg({ pane: "gzTools" })
    };
    var layers = this.layerControl =
      L.control.layers(null, null, { collapsed: true, position: "topright" }).addTo(map);
    var tools = this.tools = {};
    tools.legend = new gz.Legend(map, opt("legend"), {
      layers: layers, onFocus: function (layer, i) { self.focus(layer, i); }
    });
    L.control.scale({ metric: true, imperial: false, position: "bottomleft" }).addTo(map);
    tools.coordinates = new gz.Coordinates(map, opt("coordinates"));
    var measure = opt("measure").enabled !== false, draw = opt("draw").enabled !== false;
    if (measure || draw) {
      var toolbar = tools.toolbar = new gz.Toolbar(map, {}, { renderer: renderers.tools });
      var sketchers = [];
      if (measure) sketchers.push(tools.measure = new gz.Measure(map, opt("measure"),
        { toolbar: toolbar }));
      if (draw) sketchers.push(tools.draw = new gz.Draw(map, opt("draw"),
        { toolbar: toolbar, layers: layers }));
      toolbar.finish(sketchers);
    }
    if (opt("dateFilter").enabled !== false) {
      tools.dateFilter = new gz.DateFilter(map, opt("dateFilter"), {
        apply: function () { return tools.positions.applyFilter(); },
        total: function () { return tools.positions.total(); }
      });
    }
    tools.positions = new gz.Positions(map, opt("positions"), {
      renderers: renderers, layers: layers, filter: tools.dateFilter || null
    });
    this.positionLayers = tools.positions.layers;
    var shared = { layers: layers };
    tools.basemap = new gz.Basemap(map, {}, L.extend({ renderer: renderers.base }, shared));
    tools.bands = new gz.Bands(map, {}, L.extend({ renderer: renderers.bands }, shared));
    tools.lines = new gz.Lines(map, {}, L.extend({ renderer: renderers.lines }, shared));
    gz.scheduleReady();
  }

  gz.map = function (map, options) {
    if (!map._geozones) map._geozones = new Context(map, options);
    return map._geozones;
  };

  Context.prototype.fit = function (bbox) {
    if (!bbox) return;
    var b = L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]);
    this.bounds = this.bounds ? this.bounds.extend(b) : b;
    // maxZoom: a single position (or one place) has bounds of no size, and a map with no
    // tile layer has no zoom limit of its own, so fitting would zoom to Infinity.
    if (!(this.options.view && this.options.view.fixed)) {
      this.map.fitBounds(this.bounds, { padding: [10, 10], maxZoom: 14 });
    }
  };

  Context.prototype.attribution = function (html) {
    if (this.map.attributionControl) this.map.attributionControl.addAttribution(html);
  };

  Context.prototype.basemap = function (data) { this.tools.basemap.vector(data); };
  Context.prototype.tiles = function (spec) { this.tools.basemap.tiles(spec); };
  Context.prototype.bands = function (name, fc, style) {
    return this.tools.bands.add(name, fc, style);
  };
  Context.prototype.lines = function (name, fc, style) {
    return this.tools.lines.add(name, fc, style);
  };
  Context.prototype.positions = function (name, d) { return this.tools.positions.add(name, d); };
  Context.prototype.addLegend = function (html) { this.tools.legend.add(html); };
  Context.prototype.focus = function (id, j) { this.tools.positions.focus(id, j); };

  Context.prototype.geojson = function () {
    return this.tools.draw ? this.tools.draw.geojson()
      : { type: "FeatureCollection", features: [] };
  };

  Context.prototype.exportLines = function () {
    if (this.tools.draw) this.tools.draw.exportLines();
  };

  gz.drawnGeoJSON = function (map) { return gz.map(map).geojson(); };
})();
