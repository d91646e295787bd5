/* geozones runtime, popups: the text of a position's tooltip, popup and place marker (needs
 * geodesy.js). Pure functions of the positions payload `d` (see positions.js) and a row
 * index; every string they join was escaped by Python.
 *
 *   geozones.popups.tooltip(d, i)          the hover text of position i
 *   geozones.popups.details(d, i)          the table of position i's details
 *   geozones.popups.listItem(d, j)         one entry of a place's list
 *   geozones.popups.clusterIcon(d, members, styles), clusterTooltip(d, members)
 *   geozones.popups.seriousness(d, j)      0 = breach, then by band, innermost first
 */
(function () {
  "use strict";
  var gz = window.geozones;

  /* The most serious member of a place: breach first, then by band, innermost first. */
  function seriousness(d, j) {
    if (d.s[j] >= 0) return d.rank[d.s[j]];
    return d.b[j] >= 0 ? 100 + d.b[j] : 1000;
  }

  function mostSerious(d, members) {
    var best = members[0];
    for (var m = 1; m < members.length; m++) {
      if (seriousness(d, members[m]) < seriousness(d, best)) best = members[m];
    }
    return best;
  }

  function textColour(hex) {
    var r = parseInt(hex.substr(1, 2), 16), g = parseInt(hex.substr(3, 2), 16),
      b = parseInt(hex.substr(5, 2), 16);
    return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#111" : "#fff";
  }

  function clusterIcon(d, members, styles) {
    var style = styles[d.k[mostSerious(d, members)]], count = members.length;
    var size = count < 10 ? 22 : count < 100 ? 26 : count < 1000 ? 30 : 34;
    return L.divIcon({
      className: "gz-cluster",
      iconSize: [size, size],
      html: '<span style="background:' + style.fillColor + ";color:" +
        textColour(style.fillColor) + ";border-color:" + style.color + ";line-height:" +
        (size - 4) + 'px">' + count + "</span>"
    });
  }

  function clusterTooltip(d, members) {
    var counts = {}, parts = [];
    members.forEach(function (j) {
      var k = d.s[j] >= 0 ? d.states[d.s[j]] : "";
      if (k) counts[k] = (counts[k] || 0) + 1;
    });
    d.states.forEach(function (s) { if (counts[s]) parts.push(counts[s] + " " + s); });
    return "<b>" + members.length + " positions here</b>" +
      (parts.length ? " \u00B7 " + parts.join(", ") : "") + "<br>click for the list";
  }

  function whenText(d, i) {
    if (d.when) return d.when[1][d.when[0][i]];
    return d.t[i] !== null ? gz.util.isoDay(d.t[i]) : "undated";
  }

  function tooltipHtml(d, i) {
    var parts = [];
    var who = d.cols.actor ? d.dict.actor[d.cols.actor[i]] : "";
    if (who) parts.push("<b>" + who + "</b>");
    if (d.km[i] !== null) parts.push(d.km[i].toFixed(1) + " km");
    if (d.b[i] >= 0) parts.push(d.bands[d.b[i]]);
    if (d.s[i] >= 0) parts.push(d.states[d.s[i]]);
    parts.push(whenText(d, i));
    return parts.join(" \u00B7 ");
  }

  function popupHtml(d, i) {
    var rows = [];
    function row(label, value, cls) {
      if (value !== "" && value !== null && value !== undefined) {
        rows.push("<tr" + (cls ? ' class="' + cls + '"' : "") + "><th>" + label + "</th><td>" +
          value + "</td></tr>");
      }
    }
    function text(key) {
      return d.cols[key] ? d.dict[key][d.cols[key][i]] : "";
    }
    row("Who", text("actor"));
    row("When", whenText(d, i));
    row("Place", text("place"));
    row("Distance", d.km[i] !== null ? d.km[i].toFixed(2) + " km" : "");
    row("Band", d.b[i] >= 0 ? d.bands[d.b[i]] : "");
    row("Side", text("side"));
    (d.verdicts || []).forEach(function (v) {
      var verdict = v[2][v[1][i]], evidence = v[3].length ? v[4][v[3][i]] : "";
      if (!verdict) return;
      row(v[0], '<b class="gz-verdict">' + verdict + "</b>" +
        (evidence ? '<div class="gz-evidence">' + evidence + "</div>" : ""),
        "gz-scenario");
    });
    var denied = text("denied_by");
    row("Claim status", text("status"), denied ? "gz-denied-row" : "");
    row("Denied by", denied, "gz-denied-row");
    var claim = text("claim_text");
    row("Claim", claim ? '<q class="gz-claim">' + claim + "</q>" : "");
    row("Uncertainty", d.r[i] > 0 ? gz.util.formatKm(d.r[i]) + " radius" : "none given");
    var source = text("source"), url = text("url");
    if (url) {
      source = '<a href="' + url + '" target="_blank" rel="noopener noreferrer">' +
        (source || url) + "</a>";
    }
    row("Source", source);
    row("Located by", text("location_method"));
    d.fields.forEach(function (f) { row(f[1], text(f[0])); });
    row("Row", d.row ? String(d.row[i]) : "");
    row("Coordinates", d.y[i].toFixed(5) + ", " + d.x[i].toFixed(5) + "<br>" +
      gz.mgrs(d.x[i], d.y[i], 5));
    return '<table class="gz-popup">' + rows.join("") + "</table>";
  }

  function listItem(d, j) {
    var who = d.cols.actor ? d.dict.actor[d.cols.actor[j]] : "";
    var verdict = d.s[j] >= 0 ? d.states[d.s[j]] : (d.b[j] >= 0 ? d.bands[d.b[j]] : "");
    return '<li><a href="#" data-gz-i="' + j + '">' + whenText(d, j) +
      (verdict ? " \u00B7 <b>" + verdict + "</b>" : "") + (who ? "<br>" + who : "") +
      "</a></li>";
  }

  gz.popups = {
    tooltip: tooltipHtml,
    details: popupHtml,
    listItem: listItem,
    clusterIcon: clusterIcon,
    clusterTooltip: clusterTooltip,
    seriousness: seriousness
  };
})();
