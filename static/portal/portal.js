/* The operator portal's charts: each .chart element draws the JSON the page embeds (the same payload the
   page's .json twin answers) with Apache ECharts' SVG renderer. Colour-blind-safe palette (Okabe–Ito) with
   decal patterns, an aria description on every chart, and axes mirrored for right-to-left pages.

   ECharts lays text out itself, anchored as in a left-to-right page: a chart inheriting `direction: rtl`
   would have every SVG label anchored at its other end, sticking out of the chart. So charts are laid out
   left to right (the options mirror the axes), and on right-to-left pages each label is isolated as
   right-to-left text (U+2067 … U+2069), which keeps its words in order with numbers and Latin or Chinese
   names inside it. */
(function () {
  "use strict";
  var script = document.getElementById("portal-script");
  var locale = (script && script.dataset.locale) || "EN";
  var labels = JSON.parse(document.getElementById("portal-chart-labels").textContent);
  var rtl = document.documentElement.dir === "rtl";
  var palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var sequential = ["#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"];  // viridis, light to dark

  function isolate(text) {
    return rtl ? "\u2067" + text + "\u2069" : String(text);
  }

  function data(el) {
    return JSON.parse(document.getElementById(el.dataset.source).textContent);
  }

  function base(el) {
    var description = document.getElementById(el.id + "-description");
    return {
      color: palette,
      animation: false,
      aria: {enabled: true, decal: {show: true}, label: {description: description ? description.textContent : ""}},
      // The tooltip is HTML inside the chart: it reads in the page's direction.
      tooltip: {trigger: "axis", confine: true, extraCssText: rtl ? "direction: rtl; text-align: right;" : ""},
      legend: {top: 0, left: rtl ? "right" : "left", align: rtl ? "right" : "left", formatter: isolate},
      grid: {left: 56, right: 56, top: 40, bottom: 40},
    };
  }

  function categoryAxis(values) {
    return {type: "category", data: values, inverse: rtl, axisLabel: {formatter: isolate}};
  }

  // Titles beside bars: long ones end in an ellipsis (the table below the chart has them whole).
  function titleAxis(values) {
    return {type: "category", position: rtl ? "right" : "left", data: values,
            axisLabel: {width: 220, overflow: "truncate", formatter: isolate}};
  }

  function valueAxis(extra) {
    var axis = {type: "value", position: rtl ? "right" : "left"};
    for (var key in extra || {}) axis[key] = extra[key];
    return axis;
  }

  var builders = {
    trend: function (d) {
      var days = d.trend.map(function (r) { return r.day; });
      var series = ["starts", "viewers", "unlocks"].map(function (name) {
        return {name: name === "viewers" ? labels.viewers_series : (labels[name] || name), type: "line",
                connectNulls: false, showSymbol: d.trend.length <= 31, data: d.trend.map(function (r) { return r[name]; })};
      });
      return {xAxis: categoryAxis(days), yAxis: valueAxis(), series: series};
    },
    channels: function (d) {
      var rows = d.by_channel;
      return {xAxis: categoryAxis(rows.map(function (r) { return r.channel || "—"; })), yAxis: valueAxis(),
              series: [{name: labels.starts, type: "bar", data: rows.map(function (r) { return r.starts; })}]};
    },
    titles: function (d) {
      var rows = d.titles.filter(function (r) { return r.starts !== null; }).slice(0, 20).reverse();
      return {grid: {left: 16, right: 16, top: 40, bottom: 24},
              xAxis: {type: "value", inverse: rtl},
              yAxis: titleAxis(rows.map(function (r) { return r.title; })),
              series: [{name: labels.starts, type: "bar", data: rows.map(function (r) { return r.starts; })}]};
    },
    dropoff: function (d) {
      var episodes = d.curve.map(function (r) { return r.episode; });
      var median = {};
      d.median.forEach(function (r) { median[r.episode] = r.share; });
      return {
        xAxis: categoryAxis(episodes),
        yAxis: valueAxis({max: 1, axisLabel: {formatter: function (v) { return Math.round(v * 100) + "%"; }}}),
        series: [
          {name: labels.this_title, type: "line", data: d.curve.map(function (r) { return r.share; }),
           markLine: {symbol: "none", label: {formatter: isolate(labels.paywall)},
                      data: [{xAxis: String(d.paywall_episode)}]}},
          {name: labels.median, type: "line", lineStyle: {type: "dashed"},
           data: episodes.map(function (n) { return n in median ? median[n] : null; })},
        ],
      };
    },
    funnel: function (d) {
      return {tooltip: {trigger: "item"},
              series: [{name: labels.funnel_impression, type: "funnel", sort: "none", left: "10%", width: "80%",
                        label: {position: "inside", formatter: function (p) { return isolate(p.name); }},
                        data: d.funnel.map(function (r) {
                          return {name: labels["funnel_" + r.step], value: r.value === null ? 0 : r.value};
                        })}]};
    },
    heatmap: function (d) {
      var h = d.heatmap;
      var values = h.cells.filter(function (c) { return c.starts !== null; }).map(function (c) {
        return [h.territories.indexOf(c.territory), h.languages.indexOf(c.language), c.starts];
      });
      var max = values.reduce(function (m, v) { return Math.max(m, v[2]); }, 1);
      return {tooltip: {trigger: "item"}, xAxis: categoryAxis(h.territories),
              yAxis: {type: "category", data: h.languages, position: rtl ? "right" : "left",
                      axisLabel: {formatter: isolate}},
              visualMap: {min: 0, max: max, calculable: false, orient: "horizontal", left: "center", bottom: 0,
                          inRange: {color: sequential}},
              grid: {left: 56, right: 56, top: 24, bottom: 64},
              series: [{name: labels.starts, type: "heatmap", data: values, label: {show: true}}]};
    },
    lineup: function (d) {
      var rows = d.titles.slice(0, 20).reverse();
      return {grid: {left: 16, right: 16, top: 40, bottom: 24},
              xAxis: {type: "value", inverse: rtl},
              yAxis: titleAxis(rows.map(function (r) { return r.rank + ". " + r.title; })),
              series: [{name: labels.demand_index, type: "bar", data: rows.map(function (r) { return r.demand_index; })}]};
    },
    tropes: function (d) {
      var rows = d.tropes.filter(function (r) { return r.starts !== null; });
      return {xAxis: categoryAxis(rows.map(function (r) { return r.trope; })), yAxis: valueAxis(),
              series: [{name: labels.starts, type: "bar", data: rows.map(function (r) { return r.starts; })}]};
    },
  };

  function draw(el) {
    var option = base(el);
    var extra = builders[el.dataset.chart](data(el));
    for (var key in extra) option[key] = extra[key];
    el.dir = "ltr";
    var chart = echarts.init(el, null, {renderer: "svg", locale: locale});
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".chart[data-chart]"), draw);
})();
