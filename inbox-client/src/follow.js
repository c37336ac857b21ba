// Keeps a message log at its end while it is there: content that grows after it was scrolled
// (an image thumbnail drawn once fetched, a message re-rendered taller) or a log made shorter
// (a panel opening above it) scrolls it again. A reader who scrolled up is left in place.

const SLACK = 40; // px from the end that still count as "at the end"

/** Follow `log`'s end; `pinned` says whether it is following now, `pin()` goes to the end
 * and follows it again (a conversation opened). */
export function followLog(log) {
  let pinned = true;
  let top = log.scrollTop;
  const pin = () => { if (pinned) log.scrollTop = log.scrollHeight; };
  // Only a move up lets go: a scroll event can be handled after content grew below (the
  // image drawn in the same frame), when the log looks scrolled up but was not.
  log.addEventListener("scroll", () => {
    const end = log.scrollHeight - log.scrollTop - log.clientHeight <= SLACK;
    if (end) pinned = true;
    else if (log.scrollTop < top) pinned = false;
    top = log.scrollTop;
  }, { passive: true });
  log.addEventListener("load", pin, true); // images: `load` does not bubble, so capture it
  const sizes = new ResizeObserver(pin);
  sizes.observe(log);
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) if (node.nodeType === 1) sizes.observe(node);
    }
  }).observe(log, { childList: true });
  return {
    get pinned() { return pinned; },
    pin() { pinned = true; log.scrollTop = log.scrollHeight; top = log.scrollTop; },
  };
}
