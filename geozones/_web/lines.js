/* geozones runtime, lines: reference lines, each with a permanent label.
 *
 *   var lines = new geozones.Lines(map, options, {renderer: <L.Renderer>,
 *                                                 layers: <L.control.layers>});
 *   lines.add(name, fc, style)   fc: features with properties {c: colour, d: dash array,
 *                                n: label html (escaped by Python), lx, ly: where the label
 *                                stands, dir: "left" or "right" of that point}
 */
(function () {
  "use strict";
  var gz = window.geozones;

  function Lines(map, options, shared) {
    this.map = map;
    this.options = options || {};
    this.renderer = shared.renderer;
    this.layers = shared.layers;
  }

  Lines.prototype.add = function (name, fc, style) {
    var group = L.featureGroup();
    var layer = L.geoJSON(fc, {
      renderer: this.renderer,
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
          className: "gz-line-label", offset: [left ? -8 : 8, 0] })
          .setLatLng([p.ly, p.lx]).setContent(p.n).addTo(group);
      }
    });
    group.addTo(this.map);
    gz.drawn.lines += fc.features.length;
    this.layers.addOverlay(group, name);
    return layer;
  };

  gz.Lines = Lines;
})();
