// The "/" list of canned responses over the reply box (a listbox the textarea controls).
export function CannedPicker({ pick, choose }) {
  return (
    <div id="canned" class="canned" role="listbox" aria-label="Canned responses" hidden={!pick.open}>
      {pick.open ? pick.items.map((r, i) => (
        <div role="option" id={`canned-${i}`} class="option" data-shortcut={r.shortcut} aria-selected={String(i === pick.index)}
          onMouseDown={(e) => { e.preventDefault(); choose(i); }}>
          <strong>{`/${r.shortcut}`}</strong><span>{` ${r.text}`}</span>
        </div>
      )) : null}
    </div>
  );
}
