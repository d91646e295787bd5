/* geozones runtime, toolbar: the tool buttons at the top left, and the sketch that the
 * measure and draw tools share (one at a time: starting one stops the other).
 *
 *   var toolbar = new geozones.Toolbar(map, options, {renderer: <L.Renderer>});
 *   toolbar.button(label, title, cls, onClick)   a button, in the order they are asked for
 *   toolbar.toggle(tool)   start sketching with `tool`, or stop if it is the active one
 *   toolbar.stop()         finish the sketch (a double click and Esc do it too)
 *   toolbar.finish(tools)  add the clear button (it clears every tool) and show the bar
 *
 * A tool is an object with: button (its element), group (where its sketches go), style
 * (Leaflet path options), onVertex(sketch, vertices, latlng), done(sketch, vertices) and
 * clear(). Vertices are Leaflet LatLngs; done() gets them without repeated points. */
(function () {
  "use strict";
  var gz = window.geozones;

  function Toolbar(map, options, shared) {
    this.map = map;
    this.options = options || {};
    this.renderer = shared.renderer;
    this.active = null;
    this.vertices = [];
    this.div = L.DomUtil.create("div", "gz-tools leaflet-bar");
    L.DomEvent.disableClickPropagation(this.div);
    var self = this;
    map.on("click", function (e) { self._click(e.latlng); });
    map.on("mousemove", function (e) { self._hover(e.latlng); });
    map.on("dblclick", function (e) {
      if (self.active) { L.DomEvent.stop(e); self.stop(); }
    });
    map.on("keydown", function (e) {
      if (e.originalEvent.key === "Escape") self.stop();
    });
  }

  Toolbar.prototype.button = function (label, title, cls, onClick) {
    var b = gz.util.button(this.div, label, title, onClick);
    b.className += " " + cls;
    return b;
  };

  Toolbar.prototype.finish = function (tools) {
    var self = this;
    this.button("\u2715", "Clear the measurements and the drawn lines", "gz-clear", function () {
      self.stop();
      tools.forEach(function (tool) { tool.clear(); });
    });
    var div = this.div;
    var Control = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () { return div; }
    });
    this.control = new Control().addTo(this.map);
  };

  Toolbar.prototype.toggle = function (tool) {
    var same = this.active === tool;
    this.stop();
    if (same) return;
    this.active = tool;
    this.vertices = [];
    this.map.doubleClickZoom.disable();
    L.DomUtil.addClass(this.map.getContainer(), "gz-crosshair");
    L.DomUtil.addClass(tool.button, "gz-active");
    var style = L.extend({ renderer: this.renderer }, tool.style);
    this.sketch = L.polyline([], style).addTo(tool.group);
    this.rubber = L.polyline([], L.extend({}, style, { opacity: 0.5, interactive: false }))
      .addTo(this.map);
  };

  Toolbar.prototype.stop = function () {
    var tool = this.active;
    if (!tool) return;
    this.active = null;
    this.map.doubleClickZoom.enable();
    L.DomUtil.removeClass(this.map.getContainer(), "gz-crosshair");
    L.DomUtil.removeClass(tool.button, "gz-active");
    if (this.rubber) this.map.removeLayer(this.rubber);
    tool.done(this.sketch, dedupe(this.vertices));
  };

  function dedupe(v) {
    var out = [];
    v.forEach(function (p) {
      var q = out[out.length - 1];
      if (!q || q.lat !== p.lat || q.lng !== p.lng) out.push(p);
    });
    return out;
  }

  Toolbar.prototype._click = function (latlng) {
    if (!this.active) return;
    this.vertices.push(latlng);
    this.sketch.setLatLngs(this.vertices);
    this.active.onVertex(this.sketch, this.vertices, latlng);
  };

  Toolbar.prototype._hover = function (latlng) {
    if (!this.active || !this.vertices.length) return;
    this.rubber.setLatLngs([this.vertices[this.vertices.length - 1], latlng]);
  };

  gz.Toolbar = Toolbar;
})();
