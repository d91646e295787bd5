/* geozones runtime, legend: the collapsible legend at the top right, under the layer control.
 *
 *   var legend = new geozones.Legend(map, options, {layers: <L.control.layers>,
 *                                                   onFocus: function (layer, i) {...}});
 *   legend.add(html)   a section, built and escaped by Python
 *
 * A click on a breach in a section (<a data-gz-layer=.. data-gz-i=..>) calls onFocus. The
 * legend scrolls inside what is left of the map's height, so it never covers the layer
 * control or the credits. */
(function () {
  "use strict";
  var gz = window.geozones;

  function Legend(map, options, shared) {
    this.map = map;
    this.options = options || {};
    this.layers = shared.layers;
    this.onFocus = shared.onFocus || function () {};
    this.control = this._control().addTo(map);
    this.fitSoon();
    map.on("resize", this.fitSoon, this);
    var self = this;
    L.DomEvent.on(this.layers.getContainer(), "mouseenter mouseleave click focusin focusout",
      function () { self.fitSoon(); });
  }

  Legend.prototype._control = function () {
    var self = this;
    var Control = L.Control.extend({
      options: { position: "topright" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gz-legend leaflet-bar");
        var head = L.DomUtil.create("div", "gz-legend-head", div);
        var toggle = gz.util.button(head, "Legend \u25BE", "Show or hide the legend",
          function () { body.style.display = body.style.display === "none" ? "" : "none"; });
        toggle.className = "gz-legend-toggle";
        var body = L.DomUtil.create("div", "gz-legend-body", div);
        self.body = body;
        /* the breach list: each item zooms to its position and opens its details */
        L.DomEvent.on(body, "click", function (e) {
          var a = e.target.closest ? e.target.closest("a[data-gz-i]") : null;
          if (!a) return;
          L.DomEvent.preventDefault(e);
          self.onFocus(+a.getAttribute("data-gz-layer"), +a.getAttribute("data-gz-i"));
        });
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        return div;
      }
    });
    return new Control();
  };

  /* `html` was built and escaped by Python. */
  Legend.prototype.add = function (html) {
    var section = L.DomUtil.create("div", "gz-legend-section", this.body);
    section.innerHTML = html;
    this.fitSoon();
    return section;
  };

  /* The legend sits under the layer control (top right) and scrolls inside what is left of
   * the map's height above the attribution, so the two never cover each other. */
  Legend.prototype.fit = function () {
    var legend = this.control.getContainer(), body = this.body;
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

  Legend.prototype.fitSoon = function () {
    var self = this;
    this.fit();
    setTimeout(function () { self.fit(); }, 0);
  };

  gz.Legend = Legend;
})();
