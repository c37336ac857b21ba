// A settings table: a caption for screen readers, column headings, and the rows given.

/** `columns` are the headings' texts; `children` the body's rows. */
export function SettingsTable({ caption, columns, children }) {
  return (
    <table class="set-table">
      <caption class="sr-only">{caption}</caption>
      <thead><tr>{columns.map((t, i) => <th key={i} scope="col">{t}</th>)}</tr></thead>
      <tbody>{children}</tbody>
    </table>
  );
}
