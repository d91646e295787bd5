/* geozones runtime, basemap: the offline vector basemap, or online tiles when asked for.
 *
 *   var basemap = new geozones.Basemap(map, options, {renderer: <L.Renderer>,
 *                                                     layers: <L.control.layers>});
 *   basemap.vector(data)   data: {background, layers: [{name, fc, style, show}],
 *                                 labels: [{name, show, items: [[lon, lat, html, cls]]}]}
 *   basemap.tiles(spec)    spec: {name, url, attribution, minZoom, maxZoom, subdomains}
 *
 * The vector layers are drawn without tiles in the lowest pane, and the labels' html was
 * escaped by Python, as were the tile layer's name and attribution (links to http(s) only).
 * Zoom classes gz-zge8 ... gz-zge13 on the map's container let the CSS
 * show minor labels from a zoom level on. */
(function () {
  "use strict";
  var gz = window.geozones;

  function Basemap(map, options, shared) {
    this.map = map;
    this.options = options || {};
    this.renderer = shared.renderer;
    this.layers = shared.layers;
  }

  Basemap.prototype.vector = function (data) {
    var self = this, map = this.map;
    var container = map.getContainer();
    function zoomClasses() {
      var z = map.getZoom();
      for (var level = 8; level <= 13; level++) {
        L.DomUtil[z >= level ? "addClass" : "removeClass"](container, "gz-zge" + level);
      }
    }
    map.on("zoomend", zoomClasses);
    zoomClasses();
    if (data.background) container.style.background = data.background;
    data.layers.forEach(function (spec) {
      var layer = L.geoJSON(spec.fc, {
        renderer: self.renderer,
        interactive: false,
        style: function () { return L.extend({ interactive: false }, spec.style); }
      });
      gz.drawn.basemap += spec.fc.features.length;
      if (spec.show !== false) layer.addTo(map);
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
      if (spec.show !== false) group.addTo(map);
      if (spec.name) self.layers.addOverlay(group, spec.name);
    });
  };

  /* Online tiles, only when the caller asked for them. */
  Basemap.prototype.tiles = function (spec) {
    var layer = L.tileLayer(spec.url, {
      attribution: spec.attribution,
      minZoom: spec.minZoom || 0,
      maxZoom: spec.maxZoom,
      subdomains: spec.subdomains || "abc"
    });
    layer.addTo(this.map);
    this.layers.addBaseLayer(layer, spec.name);
    return layer;
  };

  gz.Basemap = Basemap;
})();
