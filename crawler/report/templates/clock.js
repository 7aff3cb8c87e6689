// healthcrawl status page: make times true when the page is read, not when it was written.
// The page works without this (it shows absolute UTC times); the CSP allows this exact
// script by its hash and no other. It only ever sets textContent and hidden.
(function () {
  "use strict";
  var now = Date.now();
  function amount(seconds) {
    if (seconds < 3600) return Math.floor(seconds / 60) + " min";
    if (seconds < 48 * 3600) return Math.floor(seconds / 3600) + " h";
    var days = Math.floor(seconds / 86400);
    return days + (days === 1 ? " day" : " days");
  }
  function span(seconds) {
    if (seconds < 60) return "under 1 min";
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    minutes %= 60;
    if (hours < 48) return hours + " h" + (minutes ? " " + minutes + " min" : "");
    var days = Math.floor(hours / 24);
    hours %= 24;
    return days + " days" + (hours ? " " + hours + " h" : "");
  }
  function when(element, attribute) {
    var value = Date.parse(element.getAttribute(attribute));
    return isNaN(value) ? null : value;
  }
  document.querySelectorAll("time[data-ago]").forEach(function (element) {
    var at = when(element, "datetime");
    if (at === null) return;
    var seconds = (at - now) / 1000;
    if (Math.abs(seconds) < 60) element.textContent = "just now";
    else element.textContent = seconds > 0 ? "in " + amount(seconds) : amount(-seconds) + " ago";
  });
  document.querySelectorAll("[data-since]").forEach(function (element) {
    var since = when(element, "data-since");
    if (since !== null && now >= since) element.textContent = span((now - since) / 1000);
  });
  document.querySelectorAll("[data-overdue-at]").forEach(function (element) {
    var due = when(element, "data-overdue-at");
    if (due !== null && now > due) element.hidden = false;
  });
})();
