// Anonymous visitors told apart: a friendly name derived from the contact's id (the same in
// every tab and for every teammate, nothing stored), and where they are with their local time
// from the time zone their widget told (`visitor.timezone`; the hub has no GeoIP database).

const ADJECTIVES = ["Amber", "Brave", "Calm", "Clever", "Coral", "Eager", "Gentle", "Golden",
  "Happy", "Jolly", "Kind", "Lively", "Lucky", "Mellow", "Misty", "Noble", "Olive", "Plum",
  "Quick", "Quiet", "Rosy", "Rusty", "Sandy", "Silver", "Sunny", "Swift", "Teal", "Witty"];
const ANIMALS = ["Badger", "Beaver", "Bison", "Crane", "Dolphin", "Falcon", "Fox", "Gecko",
  "Hare", "Heron", "Ibis", "Koala", "Lark", "Lynx", "Marten", "Moose", "Otter", "Owl", "Panda",
  "Puffin", "Quail", "Raven", "Robin", "Seal", "Stork", "Tiger", "Walrus", "Wren"];

// FNV-1a over the id: stable, spread, and cheap.
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** "Amber Otter": the same for one contact id everywhere; "Visitor" without an id. */
export function visitorName(id) {
  if (!id) return "Visitor";
  const h = hash(String(id));
  return `${ADJECTIVES[h % ADJECTIVES.length]} ${ANIMALS[Math.floor(h / ADJECTIVES.length) % ANIMALS.length]}`;
}

/** "Madrid" from "Europe/Madrid", "Buenos Aires" from "America/Argentina/Buenos_Aires". */
export function placeOf(timezone) {
  if (!timezone || !timezone.includes("/") || timezone.startsWith("Etc/")) return ""; // UTC: no place
  return timezone.slice(timezone.lastIndexOf("/") + 1).replaceAll("_", " ");
}

/** The visitor's local time now ("14:32"), or "" for an unknown zone. */
export function localTime(timezone, now = new Date()) {
  if (!timezone) return "";
  try {
    return now.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", timeZone: timezone });
  } catch {
    return "";
  }
}

/** "Madrid · 14:32 local time", or "" when the zone is unknown. */
export function whereAndWhen(timezone) {
  const place = placeOf(timezone);
  const time = localTime(timezone);
  if (!place || !time) return "";
  return `${place} · ${time} local time`;
}
