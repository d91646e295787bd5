/* geozones runtime, bands: the distance bands around a line, as filled polygons.
 *
 *   var bands = new geozones.Bands(map, options, {renderer: <L.Renderer>,
 *                                                 layers: <L.control.layers>});
 *   bands.add(name, fc, style)   fc: features with properties {c: colour}; style: Leaflet
 *                                path options for every band; name: escaped by Python
 *
 * A band with edges on the map's seam of longitudes or on a pole (a zone round the
 * antimeridian or a pole) comes with {e: 0}: it is filled without a stroke, and its outline
 * without those edges follows as a line feature {c: colour, o: 1}.
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
        var p = f.properties;
        if (p.o) {
          return L.extend({}, style, { color: p.c, fill: false, className: "gz-band-edge",
            interactive: false });
        }
        return L.extend({ color: p.c, fillColor: p.c, className: "gz-band", interactive: false },
          style, p.e === 0 ? { stroke: false } : {});
      }
    }).addTo(this.map);
    gz.drawn.bands += fc.features.filter(function (f) { return !f.properties.o; }).length;
    this.layers.addOverlay(layer, name);
    return layer;
  };

  gz.Bands = Bands;
})();
