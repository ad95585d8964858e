// The image viewer: a click on a thumbnail shows it larger with every label (the caption the
// thumbnail already has, so the page reads the same with JavaScript off).
(function () {
  var viewer = document.getElementById("viewer");
  if (!viewer) return;
  var img = viewer.querySelector("img");
  var caption = viewer.querySelector("figcaption");
  document.querySelectorAll(".grid-images figure").forEach(function (fig) {
    var thumb = fig.querySelector("img");
    if (!thumb) return;
    thumb.addEventListener("click", function () {
      img.src = thumb.src;
      img.alt = thumb.alt;
      caption.innerHTML = fig.querySelector("figcaption").innerHTML;
      viewer.classList.add("open");
    });
  });
  function close() { viewer.classList.remove("open"); img.removeAttribute("src"); }
  viewer.addEventListener("click", close);
  document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
})();
