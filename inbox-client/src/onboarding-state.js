// The walkthrough's state logic, no DOM: its steps, and what the checklist from
// GET /api/onboarding (docs/protocol.md, Onboarding) says of them: what is done, what is left,
// the header badge, which step to open, which socket frame may have ticked one.

/** The steps in order; `optional` ones are marked so and count in no badge. */
export const STEPS = [
  { id: "profile", label: "Company profile" },
  { id: "widget", label: "Install the chat widget" },
  { id: "sms", label: "SMS through Twilio", optional: true },
  { id: "whatsapp", label: "WhatsApp through Kapso", optional: true },
  { id: "knowledge", label: "Teach the AI" },
  { id: "team", label: "Invite your team" },
];

// Frames that may tick a step: an inbound message on a channel's step, a visit counted.
const CHANNEL_ITEM = { sms: "sms", whatsapp: "whatsapp" };

/** The checklist's item for a step (undefined before the checklist is read). */
export const itemOf = (data, id) => data?.items.find((i) => i.id === id);

/** "2 of 4 steps done", and ": you are all set." once every required step is. */
export function progressText(data) {
  if (!data) return "";
  const required = data.items.filter((i) => !i.optional).length;
  return `${required - data.left} of ${required} steps done` + (data.done ? ": you are all set." : "");
}

/** The header button's badge: "3 left", empty when nothing required is left. */
export const leftBadge = (data) => (data?.left ? `${data.left} left` : "");

/** A checklist entry's mark and the words a screen reader hears after its label. */
export const markOf = (item) => (item?.done ? "✓" : "○");
export function spokenState(item) {
  if (!item) return "";
  if (item.done) return " (done)";
  return item.optional ? " (optional, to do)" : " (to do)";
}

/** The step to show on opening: the first required one left, else the one shown last. */
export const firstStep = (data, current) => data?.items.find((i) => !i.done && !i.optional)?.id || current;

/** Whether the walkthrough opens by itself (once per page load). */
export const opensByItself = (data) => Boolean(data && !data.done && !data.dismissed);

/** The dismiss button's words: it toggles whether the walkthrough opens by itself. */
export const dismissLabel = (data) => (data?.dismissed ? "Open this by itself again" : "Don't open this by itself");

/** Whether an agent-socket frame may have ticked a step not yet done (then re-read). */
export function frameMayTick(frame, data) {
  if (!data) return false;
  if (frame.type === "message.created" && frame.message?.direction === "inbound") {
    const id = CHANNEL_ITEM[frame.message.channel];
    return Boolean(id && !itemOf(data, id)?.done);
  }
  return frame.type === "stats.updated" && frame.visits > 0 && !itemOf(data, "widget")?.done;
}

/** The widget step's "installed" line: {state, text} (empty before the checklist is read). */
export function widgetWait(item) {
  if (!item) return { state: undefined, text: "" };
  return item.done
    ? { state: "done", text: "Installed: your site has had visitors." }
    : { state: "waiting", text: "Waiting for the first visit from your site…" };
}

/** The knowledge step's count line. */
export const knowledgeCount = (item) => (item ? `${item.count} of ${item.needed} facts and Q&A pairs.` : "");
