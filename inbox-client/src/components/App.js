// The inbox below its header: the conversations column and the open conversation.
import { Search } from "./Search.js";
import { Filters } from "./Filters.js";
import { ConversationList } from "./ConversationList.js";
import { TeamFilter } from "./TeamFilter.js";
import { SavedViews } from "./SavedViews.js";
import { CannedAdmin } from "./CannedAdmin.js";
import { ConversationView } from "./ConversationView.js";

export function App() {
  return (
    <>
      <nav class="inbox" aria-labelledby="inbox-title">
        <h2 id="inbox-title">Conversations</h2>
        <Search />
        <Filters />
        <TeamFilter />
        <SavedViews />
        <ConversationList />
        <CannedAdmin />
      </nav>
      <ConversationView />
    </>
  );
}
