// A search snippet, its matches in <mark> (from the hub's offsets, drawn as text, never markup).
import { markParts } from "../search.js";

export function Marked({ snippet }) {
  return <span class="snippet">{markParts(snippet).map(([text, marked]) => (marked ? <mark>{text}</mark> : text))}</span>;
}
