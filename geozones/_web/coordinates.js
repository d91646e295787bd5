/* geozones runtime, coordinates: the cursor's position at the bottom left, in decimal
 * degrees and MGRS (needs geodesy.js).
 *
 *   var coordinates = new geozones.Coordinates(map, options);
 */
(function () {
  "use strict";
  var gz = window.geozones;

  function Coordinates(map, options) {
    this.map = map;
    this.options = options || {};
    var Control = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var div = L.DomUtil.create("div", "gz-coords");
        div.textContent = "move the cursor over the map";
        map.on("mousemove", function (e) {
          div.textContent = Coordinates.text(e.latlng);
        });
        return div;
      }
    });
    this.control = new Control().addTo(map);
  }

  /* "lat, lon\nMGRS ref" of a Leaflet LatLng, its longitude wrapped into [-180, 180]. */
  Coordinates.text = function (latlng) {
    var ll = latlng.wrap();
    return ll.lat.toFixed(5) + ", " + ll.lng.toFixed(5) + "\nMGRS " +
      (gz.mgrs(ll.lng, ll.lat, 5) || "n/a");
  };

  gz.Coordinates = Coordinates;
})();
