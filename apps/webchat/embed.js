/* rathaus citizen chat: put this on any page of the town's website.
     <script src="https://rathaus.example.de/chat/embed.js" data-lang="de" data-height="640" async></script>
   Optional: data-target="#some-id" places the chat into that element instead of right after the
   script. The chat runs in an iframe from the rathaus server; the server allows only the
   origins of [webchat] allowed_origins to frame it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var TITLES = /*TITLES*/{};
  var origin = new URL(script.src, window.location.href).origin;
  var lang = (script.getAttribute("data-lang") || document.documentElement.lang || "de").slice(0, 2).toLowerCase();
  if (!TITLES[lang]) lang = "de";
  var height = parseInt(script.getAttribute("data-height") || "640", 10);
  if (!(height >= 320 && height <= 2000)) height = 640;
  var frame = document.createElement("iframe");
  frame.src = origin + "/chat?embed=1&lang=" + encodeURIComponent(lang);
  frame.title = TITLES[lang];
  frame.setAttribute("referrerpolicy", "origin");
  frame.setAttribute("allow", "autoplay");
  frame.style.cssText = "display:block;width:100%;max-width:100%;border:1px solid #767676;height:" + height + "px";
  var target = script.getAttribute("data-target");
  var place = target ? document.querySelector(target) : null;
  if (place) place.appendChild(frame);
  else script.parentNode.insertBefore(frame, script.nextSibling);
})();
