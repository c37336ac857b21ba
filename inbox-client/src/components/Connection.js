// The socket's state in the header: Connecting…, Connected, Disconnected — retrying in N s.
import { useInbox } from "../context.js";
import { useStore } from "../use-store.js";

export function Connection() {
  const { store } = useInbox();
  const conn = useStore(store, (s) => s.conn);
  return <p id="conn" class="conn" role="status" data-state={conn.state}>{conn.text}</p>;
}
