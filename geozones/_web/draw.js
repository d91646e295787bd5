/* geozones runtime, draw: lines drawn on the map, exported as GeoJSON that
 * geozones.read_lines reads (needs toolbar.js).
 *
 *   var draw = new geozones.Draw(map, options, {toolbar: <geozones.Toolbar>,
 *                                               layers: <L.control.layers>});
 *   draw.geojson()      the drawn lines as a FeatureCollection (lon, lat; WGS84)
 *   draw.exportLines()  download it as geozones-lines.geojson
 */
(function () {
  "use strict";
  var gz = window.geozones;

  function Draw(map, options, shared) {
    var self = this;
    this.map = map;
    this.options = options || {};
    this.toolbar = shared.toolbar;
    this.style = L.extend({ color: "#111", weight: 3, className: "gz-drawn" },
      this.options.style);
    this.lines = [];
    this.group = L.featureGroup().addTo(map);
    shared.layers.addOverlay(this.group, "Drawn lines");
    this.button = this.toolbar.button("\u270E", "Draw a line: click vertices, double-click " +
      "or click here again to finish", "gz-draw", function () { self.toolbar.toggle(self); });
    this.toolbar.button("\u21E9", "Export the drawn lines as GeoJSON", "gz-export",
      function () { self.exportLines(); });
  }

  Draw.prototype.onVertex = function () {};

  Draw.prototype.done = function (sketch, vertices) {
    if (vertices.length >= 2) {
      sketch.setLatLngs(vertices);
      this.lines.push(vertices);
      sketch.bindTooltip("drawn line " + this.lines.length);
    } else {
      this.group.removeLayer(sketch);
    }
  };

  Draw.prototype.clear = function () {
    this.group.clearLayers();
    this.lines = [];
  };

  Draw.prototype.geojson = function () {
    return Draw.featureCollection(this.lines);
  };

  /* Paths of Leaflet LatLngs as a GeoJSON FeatureCollection of named LineStrings. */
  Draw.featureCollection = function (lines) {
    return {
      type: "FeatureCollection",
      features: lines.map(function (v, i) {
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

  Draw.prototype.exportLines = function () {
    this.toolbar.stop();
    var text = JSON.stringify(this.geojson(), null, 1);
    var blob = new Blob([text], { type: "application/geo+json" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "geozones-lines.geojson";
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  };

  gz.Draw = Draw;
})();
