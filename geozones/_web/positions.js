/* geozones runtime, positions: reported positions as canvas markers, with their tooltips,
 * popups, uncertainty radii and places (needs popups.js).
 *
 *   var positions = new geozones.Positions(map, options, {
 *     renderers: {positions, uncertainty, tools}, layers: <L.control.layers>,
 *     filter: <geozones.DateFilter or null>});
 *   positions.add(name, d)   one layer; d holds the positions column-wise (below)
 *   positions.focus(id, j)   zoom to position j of layer id and open its details
 *   positions.applyFilter()  show what the filter shows; returns how many are shown
 *   positions.layers         {id: entry} of the layers drawn (entry.d is the payload)
 *
 * `d` (see geozones.maps._positions_payload):
 *   x, y: lon, lat; k: style index into d.styles; b: band index into d.bands (-1 none);
 *   t, t2: first and last day since 1970-01-01 or null (t2 null: the same as t);
 *   when: [codes, labels] of the date range as text; r: uncertainty radius (m);
 *   km: distance (km) or null; s: scenario state index into d.states or -1, d.rank the
 *   seriousness of each state (0 = breach); verdicts: [[scenario, verdict codes, verdict
 *   html, evidence codes, evidence html]]; cols: {key: codes}, dict: {key: html[]};
 *   id: the layer's number on this map (the legend's breach list names it).
 * Every string in d.bands, d.states, d.dict, d.when, d.verdicts and d.fields is HTML
 * escaped already.
 *
 * Positions at one place (the same lon/lat) are one marker with their count; its popup
 * lists them, and every item opens that position's details. */
(function () {
  "use strict";
  var gz = window.geozones;
  var popups = gz.popups;
  var NO_FILTER = { visible: function () { return true; }, extend: function () {} };

  function Positions(map, options, shared) {
    var self = this;
    this.map = map;
    this.options = options || {};
    this.renderers = shared.renderers;
    this.layerControl = shared.layers;
    this.filter = shared.filter || NO_FILTER;
    this.layers = {};
    this.entries = [];
    this.current = null; // the open popup
    map.on("popupopen", function (e) { self.current = e.popup; });
    map.on("popupclose", function (e) { if (self.current === e.popup) self.current = null; });
  }

  Positions.prototype.add = function (name, d) {
    var self = this, n = d.x.length, i;
    var styles = d.styles.map(function (s) {
      return { radius: d.radius, renderer: self.renderers.positions, color: s.stroke,
        weight: 1, fillColor: s.fill, fillOpacity: 0.9, className: "gz-position" };
    });
    var entry = { d: d, places: [], placeOf: new Array(n), circleList: [], styles: styles };
    var byKey = Object.create(null), p;
    for (i = 0; i < n; i++) {
      var key = d.x[i] + "," + d.y[i];
      p = byKey[key];
      if (!p) { p = byKey[key] = { members: [], shown: 0 }; entry.places.push(p); }
      p.members.push(i);
      entry.placeOf[i] = p;
    }
    var group = L.featureGroup();
    entry.places.forEach(function (p) {
      var j = p.members[0];
      if (p.members.length === 1) {
        p.layer = L.circleMarker([d.y[j], d.x[j]], styles[d.k[j]]);
        p.layer._gzi = j;
      } else {
        p.layer = L.marker([d.y[j], d.x[j]], { pane: "gzClusters", keyboard: true,
          icon: popups.clusterIcon(d, p.members, styles) });
        p.layer._gzPlace = p;
        gz.drawn.clusters += 1;
      }
      p.shown = p.members.length;
      group.addLayer(p.layer);
    });
    group.bindTooltip(function (layer) {
      return layer._gzPlace ? popups.clusterTooltip(d, self._shownMembers(entry, layer._gzPlace))
        : popups.tooltip(d, layer._gzi);
    }, { sticky: true });
    function content(layer) {
      return layer._gzPlace ? self._listElement(entry, layer._gzPlace)
        : self._detailsElement(entry, layer._gzi, null);
    }
    group.bindPopup(content, { maxWidth: 380, minWidth: 260 });
    group.on("popupopen", function (e) {
      if (e.layer) e.layer.closeTooltip(); // the hover text would cover the list
      if (e.layer && e.layer._gzi !== undefined) self._select(entry, e.layer._gzi);
    });
    /* a list's item shows its details in the same popup (see _openAt): build it anew */
    group.on("popupclose", function (e) { e.popup.setContent(content); });
    group.addTo(this.map);
    gz.drawn.positions += n;
    gz.drawn.places += entry.places.length;
    this.layerControl.addOverlay(group, name);
    entry.group = group;
    entry.circles = this._radii(entry);
    if (d.uncertainty) entry.circles.addTo(this.map);
    this.layerControl.addOverlay(entry.circles, name + " \u2013 uncertainty radius");

    this.entries.push(entry);
    this.layers[d.id] = entry;
    var dated = d.t.filter(function (v) { return v !== null; });
    if (d.t2) dated = dated.concat(d.t2.filter(function (v) { return v !== null; }));
    if (dated.length) this.filter.extend(dated);
    return group;
  };

  /* Uncertainty radii: dashed outlines with no fill (hundreds of large ones must not grey
   * out the map), one per distinct place and radius, built the first time they are shown.
   * The selected position's radius is drawn filled (see _select). */
  Positions.prototype._radii = function (entry) {
    var self = this, d = entry.d, n = d.x.length;
    var circles = L.layerGroup(), built = false;
    circles.on("add", function () {
      if (built) return;
      built = true;
      var seen = Object.create(null);
      for (var j = 0; j < n; j++) {
        if (!(d.r[j] > 0)) continue;
        var key = d.x[j] + "," + d.y[j] + "," + d.r[j];
        if (seen[key]) { seen[key]._gzMembers.push(j); continue; }
        var c = L.circle([d.y[j], d.x[j]], { radius: d.r[j], renderer: self.renderers.uncertainty,
          color: d.styles[d.k[j]].fill, weight: 1, opacity: 0.75, fill: false,
          dashArray: "4 3", interactive: false, className: "gz-radius" });
        c._gzMembers = [j];
        seen[key] = c;
        entry.circleList.push(c);
        gz.drawn.uncertainty += 1;
      }
      entry.circleList.forEach(function (c) {
        if (self._anyVisible(d, c._gzMembers)) circles.addLayer(c);
      });
    });
    return circles;
  };

  Positions.prototype.total = function () {
    var total = 0;
    this.entries.forEach(function (e) { total += e.d.x.length; });
    return total;
  };

  /* Show the places and radii with a position the filter shows; count those positions. */
  Positions.prototype.applyFilter = function () {
    var self = this, shown = 0;
    this.entries.forEach(function (entry) {
      var d = entry.d;
      entry.places.forEach(function (p) {
        var count = 0;
        for (var m = 0; m < p.members.length; m++) if (self._visibleAt(d, p.members[m])) count++;
        var on = entry.group.hasLayer(p.layer);
        if (!count && on) entry.group.removeLayer(p.layer);
        if (count && !on) entry.group.addLayer(p.layer);
        if (count && p.layer._gzPlace && count !== p.shown) {
          p.layer.setIcon(popups.clusterIcon(d, self._shownMembers(entry, p), entry.styles));
        }
        p.shown = count;
        shown += count;
      });
      entry.circles.clearLayers();
      entry.circleList.forEach(function (c) {
        if (self._anyVisible(d, c._gzMembers)) entry.circles.addLayer(c);
      });
    });
    return shown;
  };

  Positions.prototype._visibleAt = function (d, j) {
    return this.filter.visible(d.t[j], d.t2 ? d.t2[j] : null);
  };

  Positions.prototype._anyVisible = function (d, members) {
    for (var m = 0; m < members.length; m++) if (this._visibleAt(d, members[m])) return true;
    return false;
  };

  Positions.prototype._shownMembers = function (entry, place) {
    var self = this;
    return place.members.filter(function (j) { return self._visibleAt(entry.d, j); });
  };

  /* The popup of a place with several positions: a list; each item opens its details. */
  Positions.prototype._listElement = function (entry, place) {
    var self = this, d = entry.d, members = this._shownMembers(entry, place);
    if (!members.length) members = place.members;
    members = members.slice().sort(function (a, b) {
      return popups.seriousness(d, a) - popups.seriousness(d, b) ||
        (d.t[a] || 0) - (d.t[b] || 0);
    });
    var div = L.DomUtil.create("div", "gz-list");
    var items = members.map(function (j) { return popups.listItem(d, j); });
    var j0 = members[0];
    div.innerHTML = '<div class="gz-list-head"><b>' + members.length + " positions</b> at " +
      d.y[j0].toFixed(5) + ", " + d.x[j0].toFixed(5) + "</div><ol>" + items.join("") + "</ol>";
    L.DomEvent.on(div, "click", function (e) {
      var a = e.target.closest ? e.target.closest("a[data-gz-i]") : null;
      if (!a) return;
      /* stop: the item leaves the page when its details replace the list, and Leaflet would
       * then take the click for one on the map, which closes the popup */
      L.DomEvent.stop(e);
      self._showDetails(entry, +a.getAttribute("data-gz-i"), place);
    });
    return div;
  };

  /* The details of position `j`; `place` (or null) adds a link back to its place's list. */
  Positions.prototype._detailsElement = function (entry, j, place) {
    var self = this, div = L.DomUtil.create("div", "gz-details");
    var back = "";
    if (place && place.members.length > 1) {
      back = '<a href="#" class="gz-back">\u2190 all ' + place.members.length +
        " positions here</a>";
    }
    div.innerHTML = back + popups.details(entry.d, j);
    if (back) {
      L.DomEvent.on(div.querySelector(".gz-back"), "click", function (e) {
        L.DomEvent.stop(e);
        self._openAt(entry, j, self._listElement(entry, place));
      });
    }
    return div;
  };

  /* Show `content` at position `j`: in the popup that is open (a place's list becomes one
   * position's details in place), else in a new one. */
  Positions.prototype._openAt = function (entry, j, content) {
    var d = entry.d, popup = this.current;
    if (popup && this.map.hasLayer(popup)) {
      popup.setLatLng([d.y[j], d.x[j]]).setContent(content);
      popup.update();
      return popup;
    }
    popup = L.popup({ maxWidth: 380, minWidth: 260, offset: [0, -4] });
    popup.setLatLng([d.y[j], d.x[j]]).setContent(content).openOn(this.map);
    this.current = popup;
    return popup;
  };

  Positions.prototype._showDetails = function (entry, j, place) {
    this._openAt(entry, j, this._detailsElement(entry, j, place));
    this._select(entry, j);
  };

  /* Draw the selected position's uncertainty radius, filled, until its popup closes. */
  Positions.prototype._select = function (entry, j) {
    var d = entry.d, self = this;
    if (!this.selected) {
      this.selected = L.layerGroup().addTo(this.map);
      this.map.on("popupclose", function () { self.selected.clearLayers(); });
    }
    this.selected.clearLayers();
    if (d.r[j] > 0) {
      L.circle([d.y[j], d.x[j]], { radius: d.r[j], renderer: this.renderers.tools,
        color: d.styles[d.k[j]].fill, weight: 2, fillOpacity: 0.12, interactive: false,
        className: "gz-selected-radius" }).addTo(this.selected);
    }
    gz.selected = { layer: d.id, index: j };
  };

  Positions.prototype.focus = function (id, j) {
    var entry = this.layers[id];
    if (!entry || !(j >= 0 && j < entry.d.x.length)) return;
    var d = entry.d;
    this.map.setView([d.y[j], d.x[j]], Math.max(this.map.getZoom(), 12), { animate: false });
    this._showDetails(entry, j, entry.placeOf[j]);
  };

  gz.Positions = Positions;
})();
