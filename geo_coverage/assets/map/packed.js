/* geo_coverage: Leaflet layers from packed data (see geo_coverage/_packed.py).
   Input text is only ever set as textContent: it is shown, never parsed as HTML. */
var GC = (function () {
  "use strict";
  function decode(s) {
    var out = [], i = 0, n = s.length, acc = [0, 0], k = 0;
    while (i < n) {
      var shift = 0, result = 0, b;
      do {
        b = s.charCodeAt(i++) - 63;
        result |= (b & 31) << shift;
        shift += 5;
      } while (b >= 32);
      acc[k] += (result & 1) ? ~(result >>> 1) : (result >>> 1);
      out.push(acc[k] / 1e5);
      k ^= 1;
    }
    return out;
  }
  function ring(s) {
    var xy = decode(s), ll = new Array(xy.length / 2);
    for (var j = 0; j < ll.length; j++) { ll[j] = [xy[2 * j + 1], xy[2 * j]]; }
    return ll;
  }
  function value(d, key, i) {
    var c = d.cols[key];
    return c.d ? c.d[c.i[i]] : c[i];
  }
  function popup(d, i) {
    var table = document.createElement("table");
    table.className = "gc-popup";
    d.fields.forEach(function (f) {
      var v = value(d, f[0], i);
      if (v === null || v === undefined || v === "") { return; }
      var row = table.insertRow();
      if (!f[1]) {
        var title = document.createElement("th");
        title.colSpan = 2;
        title.textContent = String(v);
        row.appendChild(title);
        return;
      }
      var head = document.createElement("th");
      head.textContent = f[1];
      row.appendChild(head);
      row.insertCell().textContent = String(v);
    });
    return table;
  }
  function layer(d) {
    var group = L.featureGroup();
    d.geom.forEach(function (g, i) {
      if (!g.length) { return; }
      var style = L.extend({interactive: d.interactive}, d.styles[d.cls[i]]);
      var feature;
      if (typeof g === "string") {
        var xy = decode(g);
        feature = L.circleMarker([xy[1], xy[0]], style);
      } else {
        feature = L.polygon(g.map(function (rings) { return rings.map(ring); }), style);
      }
      feature.gcIndex = i;
      group.addLayer(feature);
    });
    if (d.shrink) {  // dots of a city's compounds: smaller when zoomed out
      var scale = function (z) { return z >= 15 ? d.shrink[0] : z >= 13 ? d.shrink[1] : d.shrink[2]; };
      var resize = function (e) {
        var k = scale(e.target.getZoom());
        group.eachLayer(function (l) {
          if (l.setRadius) { l.setRadius(d.styles[d.cls[l.gcIndex]].radius * k); }
        });
      };
      var owner = null;
      group.on("add", function () {
        owner = group._map;
        resize({target: owner});
        owner.on("zoomend", resize);
      });
      group.on("remove", function () {
        if (owner) { owner.off("zoomend", resize); }
        owner = null;
      });
    }
    if (d.fields) {
      group.bindPopup(function (l) { return popup(d, l.gcIndex); }, {maxWidth: 340});
    }
    if (d.tip) {
      group.bindTooltip(function (l) {
        var span = document.createElement("span");
        span.textContent = String(value(d, d.tip, l.gcIndex));
        return span;
      }, {sticky: true});
    }
    return group;
  }
  return {layer: layer, decode: decode};
})();
