/* geozones runtime, date filter: two sliders over the days of the dated positions, and a
 * switch for the undated ones, at the bottom left.
 *
 *   var filter = new geozones.DateFilter(map, options, {apply: function () {...},
 *                                                       total: function () {...}});
 *   filter.extend(days)      show the control (once) and widen it to cover `days` (day
 *                            numbers since 1970-01-01); every date is shown again
 *   filter.visible(t, t2)    whether a position dated from day t to day t2 (null: undated;
 *                            t2 null: the same day as t) is shown
 *
 * apply() redraws what the filter shows and returns how many positions are shown; total()
 * is how many there are. The filter holds no positions of its own. */
(function () {
  "use strict";
  var gz = window.geozones;
  var isoDay = gz.util.isoDay;

  function DateFilter(map, options, hooks) {
    this.map = map;
    this.options = options || {};
    this.hooks = hooks;
    this.state = null; // {from, to, undated} once there is a control
  }

  DateFilter.prototype.visible = function (t, t2) {
    var f = this.state;
    if (!f) return true;
    if (t === null || t === undefined) return f.undated;
    var last = t2 === null || t2 === undefined ? t : t2;
    return last >= f.from && t <= f.to;
  };

  DateFilter.prototype.apply = function () {
    var shown = this.hooks.apply();
    gz.drawn.visible = shown;
    if (this.label) this._label(shown);
  };

  DateFilter.prototype._label = function (shown) {
    this.label.textContent = isoDay(this.state.from) + " \u2013 " + isoDay(this.state.to) +
      " \u00B7 " + shown + " shown";
  };

  function range(days) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < days.length; i++) {
      if (days[i] < lo) lo = days[i];
      if (days[i] > hi) hi = days[i];
    }
    return [lo, hi];
  }

  DateFilter.prototype.extend = function (days) {
    var r = range(days), lo = r[0], hi = r[1];
    if (this.control) {
      lo = Math.min(lo, +this.fromInput.min);
      hi = Math.max(hi, +this.fromInput.max);
      [this.fromInput, this.toInput].forEach(function (inp) { inp.min = lo; inp.max = hi; });
      this.toInput.value = hi;
      this.fromInput.value = lo;
      this.state = { from: lo, to: hi, undated: this.undatedInput.checked };
      this.apply();
      return;
    }
    this.state = { from: lo, to: hi, undated: true };
    this.control = this._control(lo, hi).addTo(this.map);
    var total = this.hooks.total();
    gz.drawn.visible = total;
    this._label(total);
  };

  DateFilter.prototype._control = function (lo, hi) {
    var self = this;
    var Control = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gz-time leaflet-bar");
        var title = L.DomUtil.create("div", "gz-time-title", div);
        title.textContent = "Dates shown";
        function slider(cls, value) {
          var inp = L.DomUtil.create("input", cls, div);
          inp.type = "range";
          inp.min = lo; inp.max = hi; inp.step = 1; inp.value = value;
          inp.setAttribute("aria-label", cls === "gz-time-from" ? "from date" : "to date");
          L.DomEvent.on(inp, "input change", function () {
            var a = +self.fromInput.value, b = +self.toInput.value;
            if (a > b) {
              if (inp === self.fromInput) self.toInput.value = a; else self.fromInput.value = b;
            }
            self.state.from = +self.fromInput.value;
            self.state.to = +self.toInput.value;
            self.apply();
          });
          return inp;
        }
        self.fromInput = slider("gz-time-from", lo);
        self.toInput = slider("gz-time-to", hi);
        var lab = L.DomUtil.create("label", "gz-time-undated", div);
        self.undatedInput = L.DomUtil.create("input", "", lab);
        self.undatedInput.type = "checkbox";
        self.undatedInput.checked = true;
        lab.appendChild(document.createTextNode(" undated positions"));
        L.DomEvent.on(self.undatedInput, "change", function () {
          self.state.undated = self.undatedInput.checked;
          self.apply();
        });
        self.label = L.DomUtil.create("div", "gz-time-label", div);
        L.DomEvent.disableClickPropagation(div);
        return div;
      }
    });
    return new Control();
  };

  gz.DateFilter = DateFilter;
})();
