// The report page's print button: shown only when scripts run, since
// without them the browser's own print command does the same.
document.querySelectorAll(".print-button").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});
