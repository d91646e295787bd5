/* geozones runtime, geodesy: WGS84 distances and MGRS references, for the measure tool, the
 * cursor coordinates and the popups. Adds geozones.distance and geozones.mgrs. */
(function () {
  "use strict";
  var gz = window.geozones;

  var WGS84_A = 6378137.0;
  var WGS84_F = 1 / 298.257223563;
  var RAD = Math.PI / 180;

  /* Geodesic distance (metres) on WGS84 by Vincenty's inverse formula; falls back to the
   * spherical (haversine, mean radius) distance for the nearly antipodal points where the
   * iteration does not converge. */
  function distance(lon1, lat1, lon2, lat2) {
    var a = WGS84_A, f = WGS84_F, b = a * (1 - f);
    var L = (lon2 - lon1) * RAD;
    var U1 = Math.atan((1 - f) * Math.tan(lat1 * RAD));
    var U2 = Math.atan((1 - f) * Math.tan(lat2 * RAD));
    var sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    var lambda = L, lambdaP, iter = 100;
    var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM, sinLambda, cosLambda;
    do {
      sinLambda = Math.sin(lambda);
      cosLambda = Math.cos(lambda);
      sinSigma = Math.sqrt(
        (cosU2 * sinLambda) * (cosU2 * sinLambda) +
          (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda) * (cosU1 * sinU2 - sinU1 * cosU2 * cosLambda)
      );
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosLambda;
      sigma = Math.atan2(sinSigma, cosSigma);
      var sinAlpha = (cosU1 * cosU2 * sinLambda) / sinSigma;
      cosSqAlpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cosSqAlpha !== 0 ? cosSigma - (2 * sinU1 * sinU2) / cosSqAlpha : 0;
      var C = (f / 16) * cosSqAlpha * (4 + f * (4 - 3 * cosSqAlpha));
      lambdaP = lambda;
      lambda = L + (1 - C) * f * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
    } while (Math.abs(lambda - lambdaP) > 1e-12 && --iter > 0);
    if (iter === 0) {
      var dphi = (lat2 - lat1) * RAD, dl = (lon2 - lon1) * RAD;
      var h = Math.sin(dphi / 2) * Math.sin(dphi / 2) +
        Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dl / 2) * Math.sin(dl / 2);
      return 2 * 6371008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
    }
    var uSq = (cosSqAlpha * (a * a - b * b)) / (b * b);
    var A = 1 + (uSq / 16384) * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
    var B = (uSq / 1024) * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
    var deltaSigma = B * sinSigma * (cos2SigmaM + (B / 4) * (cosSigma * (-1 + 2 * cos2SigmaM *
      cos2SigmaM) - (B / 6) * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) *
      (-3 + 4 * cos2SigmaM * cos2SigmaM)));
    return b * A * (sigma - deltaSigma);
  }
  gz.distance = distance;

  /* UTM forward projection (Snyder's series, WGS84; millimetre-level inside a zone) with the
   * Norway and Svalbard zone exceptions. Returns [zone, easting m, northing m]. */
  function utm(lon, lat) {
    var zone = Math.floor((lon + 180) / 6) + 1;
    if (zone > 60) zone = 60;
    if (lat >= 56 && lat < 64 && lon >= 3 && lon < 12) zone = 32;
    if (lat >= 72 && lat < 84) {
      if (lon >= 0 && lon < 9) zone = 31;
      else if (lon >= 9 && lon < 21) zone = 33;
      else if (lon >= 21 && lon < 33) zone = 35;
      else if (lon >= 33 && lon < 42) zone = 37;
    }
    var k0 = 0.9996, e2 = WGS84_F * (2 - WGS84_F), ep2 = e2 / (1 - e2);
    var phi = lat * RAD, lam0 = ((zone - 1) * 6 - 180 + 3) * RAD;
    var lam = lon * RAD - lam0;
    if (lam > Math.PI) lam -= 2 * Math.PI;
    if (lam < -Math.PI) lam += 2 * Math.PI;
    var s = Math.sin(phi), c = Math.cos(phi), t = Math.tan(phi);
    var N = WGS84_A / Math.sqrt(1 - e2 * s * s);
    var T = t * t, C = ep2 * c * c, A = c * lam;
    var e4 = e2 * e2, e6 = e4 * e2;
    var M = WGS84_A * ((1 - e2 / 4 - (3 * e4) / 64 - (5 * e6) / 256) * phi -
      ((3 * e2) / 8 + (3 * e4) / 32 + (45 * e6) / 1024) * Math.sin(2 * phi) +
      ((15 * e4) / 256 + (45 * e6) / 1024) * Math.sin(4 * phi) -
      ((35 * e6) / 3072) * Math.sin(6 * phi));
    var x = k0 * N * (A + ((1 - T + C) * A * A * A) / 6 +
      ((5 - 18 * T + T * T + 72 * C - 58 * ep2) * Math.pow(A, 5)) / 120) + 500000;
    var y = k0 * (M + N * t * ((A * A) / 2 + ((5 - T + 9 * C + 4 * C * C) * Math.pow(A, 4)) / 24 +
      ((61 - 58 * T + T * T + 600 * C - 330 * ep2) * Math.pow(A, 6)) / 720));
    if (lat < 0) y += 10000000;
    return [zone, x, y];
  }

  var BANDS = "CDEFGHJKLMNPQRSTUVWXX";
  var COLS = ["ABCDEFGH", "JKLMNPQR", "STUVWXYZ"];
  var ROWS = "ABCDEFGHJKLMNPQRSTUV";

  /* MGRS reference ("36S YB 12345 67890") of a WGS84 point with `digits` (1-5) digits per
   * coordinate, truncated as MGRS requires; "" outside 80°S-84°N (the polar UPS areas). */
  function mgrs(lon, lat, digits) {
    digits = digits === undefined ? 5 : digits;
    if (!(lat >= -80 && lat < 84) || !isFinite(lon)) return "";
    lon = ((((lon + 180) % 360) + 360) % 360) - 180;
    var u = utm(lon, lat), zone = u[0], e = u[1], n = u[2];
    var band = BANDS.charAt(Math.floor((lat + 80) / 8));
    var col = COLS[(zone - 1) % 3].charAt(Math.floor(e / 100000) - 1);
    var row = ROWS.charAt((Math.floor(n / 100000) + (zone % 2 === 0 ? 5 : 0)) % 20);
    var div = Math.pow(10, 5 - digits);
    var ee = String(Math.floor((e % 100000) / div)), nn = String(Math.floor((n % 100000) / div));
    while (ee.length < digits) ee = "0" + ee;
    while (nn.length < digits) nn = "0" + nn;
    return (zone < 10 ? "0" : "") + zone + band + " " + col + row + " " + ee + " " + nn;
  }
  gz.mgrs = mgrs;
})();
