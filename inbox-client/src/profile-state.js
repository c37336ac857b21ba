// "Your profile"'s state logic, no DOM: what the hub takes for a name and a picture, the words
// for what it refuses, and the initial an author without a picture is drawn with.

export const TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
export const MAX_BYTES = 1024 * 1024; // the hub's limit; it checks for itself
export const ERRORS = {
  unsupported_type: "That is not a PNG, JPEG, WebP or GIF image.",
  too_large: "That image is over 1 MB.",
  bad_request: "Enter a name (at most 200 characters, one line).",
};

/** The display name to save, `{name}`, or `{error}` when there is none. */
export function checkName(raw) {
  const name = raw.trim();
  return name ? { name } : { error: ERRORS.bad_request };
}

/** Why a chosen file cannot be a picture (null when it may be one). */
export function fileProblem(file) {
  if (!TYPES.includes(file.type)) return ERRORS.unsupported_type;
  if (file.size > MAX_BYTES) return ERRORS.too_large;
  return null;
}

/** The words for a refused call: ours for the codes we know, else the hub's own message. */
export const errorText = (answer) => ERRORS[answer.code] || answer.message;

/** The avatar's fallback: the name's first character, upper-cased ("?" without a name). */
export const initial = (name) => [...(name || "?").trim()][0]?.toUpperCase() || "?";
