// One item of a result list (search results, contacts, a contact's past conversations): a
// button opening its conversation, disabled when there is none.
export function Hit({ conversationId, contactId, open, children }) {
  return (
    <div role="listitem" class="item">
      <button type="button" class="hit" disabled={!conversationId} data-conversation-id={conversationId || undefined}
        data-contact-id={contactId} onClick={conversationId ? () => open(conversationId) : undefined}>
        {children}
      </button>
    </div>
  );
}
