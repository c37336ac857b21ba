// A section that could not be read: the API's reason, announced.
import { explain } from "../http.js";

/** `result` is the failed API call; `plain` drops the status-line class (Account's style). */
export function Failure({ result, plain = false }) {
  return <p class={plain ? undefined : "set-status"} role="alert">{explain(result)}</p>;
}
