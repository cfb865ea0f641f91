// A plain IIIF Presentation 3 viewer: any of the portal's manifests, its canvases' image services in
// OpenSeadragon (with a strip of pages), and each page's supplementing annotations (the OCR text) beside it.
(function () {
  "use strict";
  var root = document.getElementById("iiif-viewer");
  if (!root || !window.OpenSeadragon) { return; }
  var list = document.getElementById("annotations");
  var canvasLabel = document.getElementById("canvas-label");

  function text(languageMap) {
    if (!languageMap) { return ""; }
    var values = languageMap.en || languageMap.none || languageMap[Object.keys(languageMap)[0]] || [];
    return values.join(" ");
  }

  function showAnnotations(canvas) {
    list.textContent = "";
    root.dataset.annotations = "";
    (canvas.annotations || []).forEach(function (page) {
      var load = page.items ? Promise.resolve(page) : fetch(page.id, { credentials: "same-origin" }).then(function (r) {
        return r.json();
      });
      load.then(function (annotations) {
        annotations.items.forEach(function (annotation) {
          var item = document.createElement("li");
          item.textContent = annotation.body.value;
          list.appendChild(item);
        });
        root.dataset.annotations = String(list.children.length);
      });
    });
  }

  fetch(root.dataset.manifest, { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
    .then(function (manifest) {
      document.getElementById("manifest-label").textContent = text(manifest.label);
      var canvases = (manifest.items || []).filter(function (c) { return c.width && c.height; });
      root.dataset.canvases = String(canvases.length);
      if (!canvases.length) { return; }
      var viewer = window.OpenSeadragon({
        element: document.getElementById("osd"), prefixUrl: "/vendor/openseadragon/images/",
        tileSources: canvases.map(function (canvas) {
          var body = canvas.items[0].items[0].body, service = (body.service || [])[0];
          return service ? service.id + "/info.json" : { type: "image", url: body.id };
        }),
        sequenceMode: true, showReferenceStrip: true, drawer: "canvas", immediateRender: true, minPixelRatio: 0.1,
      });
      var open = function (index) {
        canvasLabel.textContent = text(canvases[index].label) + " (" + (index + 1) + " of " + canvases.length + ")";
        root.dataset.canvas = String(index + 1);
        showAnnotations(canvases[index]);
      };
      viewer.addHandler("page", function (event) { open(event.page); });
      viewer.addHandler("open", function () { root.dataset.open = String(viewer.currentPage() + 1); });
      open(0);
    })
    .catch(function (error) { root.dataset.error = String(error); });
})();
