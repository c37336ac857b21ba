// What every inbox component reaches without passing it down: the store (store.js, holding
// inbox-state.js's state) and the actions main.js defines (open a conversation, send a frame,
// call the API...).
import { createContext } from "preact";
import { useContext } from "preact/hooks";

export const InboxContext = createContext(null);

/** {store, actions} of the inbox this component is drawn in. */
export const useInbox = () => useContext(InboxContext);
