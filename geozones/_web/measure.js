/* geozones runtime, measure: the geodesic length of a path clicked on the map (needs
 * geodesy.js and toolbar.js).
 *
 *   var measure = new geozones.Measure(map, options, {toolbar: <geozones.Toolbar>});
 *   measure.text   the last length shown, such as "61.3 km"
 */
(function () {
  "use strict";
  var gz = window.geozones;

  function Measure(map, options, shared) {
    var self = this;
    this.map = map;
    this.options = options || {};
    this.style = L.extend({ color: "#0050b4", weight: 2, dashArray: "6 4",
      className: "gz-measured" }, this.options.style);
    this.group = L.featureGroup().addTo(map);
    this.text = "";
    this.button = shared.toolbar.button("\u2194", "Measure a geodesic distance: click " +
      "points, double-click or click here again to finish, Esc to clear", "gz-measure",
      function () { shared.toolbar.toggle(self); });
  }

  /* The geodesic length (m) of a path of Leaflet LatLngs. */
  Measure.pathLength = function (v) {
    var total = 0;
    for (var i = 1; i < v.length; i++) {
      total += gz.distance(v[i - 1].lng, v[i - 1].lat, v[i].lng, v[i].lat);
    }
    return total;
  };

  Measure.prototype.onVertex = function (sketch, vertices, latlng) {
    if (vertices.length < 2) return;
    var text = gz.util.formatKm(Measure.pathLength(vertices));
    sketch.unbindTooltip();
    sketch.bindTooltip(text, { permanent: true, className: "gz-measure-label",
      direction: "right" }).openTooltip(latlng);
    this.text = text;
  };

  Measure.prototype.done = function (sketch, vertices) {
    if (vertices.length < 2) this.group.removeLayer(sketch);
  };

  Measure.prototype.clear = function () {
    this.group.clearLayers();
  };

  gz.Measure = Measure;
})();
