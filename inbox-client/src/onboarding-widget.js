// The walkthrough's widget step: the embed snippet with its key, and a live preview of the
// widget (the hub's /preview page in a frame: it counts no visit, so only a page of the
// company's own site ticks the step).
import { el } from "./settings.js";
import { copyBox } from "./onboarding-copy.js";

export function widgetStep() {
  const snippet = copyBox("Embed snippet", { multiline: true });
  const key = copyBox("Widget key");
  const state = el("p", { className: "ob-wait", role: "status" });
  const frame = el("iframe", { className: "ob-preview", title: "Widget preview", loading: "lazy" });
  const node = el("div", {},
    el("p", { textContent: "Paste this tag into every page of your site, just before </body>. The chat button appears in the corner." }),
    snippet.node, key.node, state,
    el("h4", { textContent: "Preview" }),
    el("p", { className: "set-hint", textContent: "Your widget as visitors see it. Messages sent here reach your inbox like any visitor's." }),
    frame);
  return {
    node,
    update(item, data) {
      snippet.set(data.widget.snippet);
      key.set(data.widget.key);
      if (frame.getAttribute("src") !== data.widget.preview_url) frame.src = data.widget.preview_url;
      state.dataset.state = item.done ? "done" : "waiting";
      state.textContent = item.done ? "Installed: your site has had visitors." : "Waiting for the first visit from your site…";
    },
  };
}
