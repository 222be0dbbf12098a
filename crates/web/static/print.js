// The patient's printable plan: a Print button, since a page cannot print
// itself without a script (the CSP allows scripts from this site only).
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});
