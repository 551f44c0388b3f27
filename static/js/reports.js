// The dashboard's charts, drawn with the vendored Chart.js from the numbers the page already shows
// (json_script "report-charts"). Colours and dashes differ per series, so they still read in black and white.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    var node = document.getElementById("report-charts");
    if (!node || !window.Chart) return;
    var data = JSON.parse(node.textContent);
    var money = function (v) { return "$" + Number(v).toLocaleString(undefined, {maximumFractionDigits: 0}); };
    Chart.defaults.animation = false;  // printed as drawn, and nothing to wait for in tests
    Chart.defaults.maintainAspectRatio = false;
    Chart.defaults.font.size = 12;
    var charts = [];
    function make(id, config) {
      var el = document.getElementById(id);
      if (el) charts.push(new Chart(el, config));
    }
    make("chart-aging", {type: "bar", data: {labels: data.aging.labels, datasets: [
      {label: "Insurance", data: data.aging.insurance, backgroundColor: "#1f5fa8"},
      {label: "Patient", data: data.aging.patient, backgroundColor: "#e0a030"}]},
      options: {scales: {x: {stacked: true, title: {display: true, text: "Days"}}, y: {stacked: true, ticks: {callback: money}}},
                plugins: {title: {display: true, text: "A/R by age"}}}});
    make("chart-trends", {type: "bar", data: {labels: data.trends.labels, datasets: [
      {label: "Charges", data: data.trends.charges, backgroundColor: "#9db7d8"},
      {label: "Payments", data: data.trends.payments, type: "line", borderColor: "#1d7a46", backgroundColor: "#1d7a46", borderWidth: 2},
      {label: "Adjustments", data: data.trends.adjustments, type: "line", borderColor: "#a86300", backgroundColor: "#a86300", borderDash: [6, 4], borderWidth: 2},
      {label: "Denied $", data: data.trends.denied, type: "line", borderColor: "#b3261e", backgroundColor: "#b3261e", borderDash: [2, 3], borderWidth: 2}]},
      options: {scales: {y: {ticks: {callback: money}}}, plugins: {title: {display: true, text: "Money by month"}}}});
    make("chart-denials", {type: "bar", data: {labels: data.denials.labels, datasets: [
      {label: "Denied $", data: data.denials.amount, backgroundColor: "#b3261e"}]},
      options: {indexAxis: "y", scales: {x: {ticks: {callback: money}}}, plugins: {legend: {display: false}}}});
    // Redraw at the printed size (Chart.js's own advice for printing responsive charts).
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
  });
})();
