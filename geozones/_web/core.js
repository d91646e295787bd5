/* geozones map runtime: hand-written, no dependencies but Leaflet 1.9.
 *
 * The runtime is a set of small modules, one file per tool, each inlined by geozones.maps
 * in this order: core, geodesy, legend, basemap, bands, lines, coordinates, toolbar, measure,
 * draw, datefilter, popups, positions, map. Each module adds one constructor to
 * window.geozones and reaches no other tool's state: map.js builds the tools of a map and
 * hands each one what it shares with the others.
 *
 * Python calls the runtime with JSON only: geozones.map with a Leaflet map and the options,
 * then one of the methods of map.js with JSON arguments. The options hold one object per
 * tool ({"view": {...}, "measure": {...}, "dateFilter": {...}, ...}). Every
 * string that came from the data reaches these files already HTML-escaped by Python; the
 * runtime never escapes or unescapes anything, it only joins those fragments with constant
 * markup.
 *
 * window.geozones holds:
 *   drawn       counts of what has been drawn: basemap, bands, lines, positions, uncertainty
 *   ready       true once every map has been drawn and painted (two animation frames later)
 *   renderMs    performance.now() at that moment (the benchmark's time to first render)
 *   mgrs(lon, lat, digits)   MGRS reference of a WGS84 point ("" outside 80°S–84°N)
 *   distance(lon1, lat1, lon2, lat2)   geodesic distance on WGS84 in metres (Vincenty)
 *   drawnGeoJSON(map)   the lines drawn with the draw tool, as a GeoJSON FeatureCollection
 *
 * This file: the namespace, the counters, the ready flag and the helpers every tool uses.
 */
(function () {
  "use strict";
  var gz = (window.geozones = window.geozones || {});
  gz.drawn = gz.drawn ||
    { basemap: 0, bands: 0, lines: 0, positions: 0, places: 0, clusters: 0, uncertainty: 0 };
  gz.ready = false;

  var DAY_MS = 86400000;

  /* A control button: an <a role="button"> whose click does not reach the map. */
  function button(parent, label, title, onClick) {
    var b = L.DomUtil.create("a", "gz-button", parent);
    b.href = "#";
    b.setAttribute("role", "button");
    b.title = title;
    b.textContent = label;
    L.DomEvent.on(b, "click", function (e) {
      L.DomEvent.preventDefault(e);
      onClick(b);
    });
    return b;
  }

  /* A distance in metres as text: "512 m", "1.25 km", "12.5 km". */
  function formatKm(m) {
    return m >= 10000 ? (m / 1000).toFixed(1) + " km" : m >= 1000 ? (m / 1000).toFixed(2) + " km"
      : Math.round(m) + " m";
  }

  /* Day number since 1970-01-01 as "YYYY-MM-DD". */
  function isoDay(day) {
    return new Date(day * DAY_MS).toISOString().slice(0, 10);
  }

  /* Set gz.ready (and data-geozones-ready on <html>) two animation frames from now: after
   * the page's script has drawn every map and the browser has painted it. */
  var readyScheduled = false;
  function scheduleReady() {
    if (readyScheduled) return;
    readyScheduled = true;
    var raf = window.requestAnimationFrame || function (f) { return setTimeout(f, 16); };
    raf(function () {
      raf(function () {
        gz.renderMs = window.performance ? performance.now() : 0;
        gz.ready = true;
        document.documentElement.setAttribute("data-geozones-ready", "1");
      });
    });
  }

  gz.util = { button: button, formatKm: formatKm, isoDay: isoDay, DAY_MS: DAY_MS };
  gz.scheduleReady = scheduleReady;
})();
