/* geozones runtime, bands: the distance bands around a line, as filled polygons.
 *
 *   var bands = new geozones.Bands(map, options, {renderer: <L.Renderer>,
 *                                                 layers: <L.control.layers>});
 *   bands.add(name, fc, style)   fc: features with properties {c: colour}; style: Leaflet
 *                                path options for every band; name: escaped by Python
 */
(function () {
  "use strict";
  var gz = window.geozones;

  function Bands(map, options, shared) {
    this.map = map;
    this.options = options || {};
    this.renderer = shared.renderer;
    this.layers = shared.layers;
  }

  Bands.prototype.add = function (name, fc, style) {
    var layer = L.geoJSON(fc, {
      renderer: this.renderer,
      style: function (f) {
        return L.extend({ color: f.properties.c, fillColor: f.properties.c, className: "gz-band",
          interactive: false }, style);
      }
    }).addTo(this.map);
    gz.drawn.bands += fc.features.length;
    this.layers.addOverlay(layer, name);
    return layer;
  };

  gz.Bands = Bands;
})();
