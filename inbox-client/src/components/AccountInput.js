// A labelled input of an account form, its value in the page's `values` under `name`; its id
// is `${page}-${name}` (the hint's `${page}-${name}-hint`).

export function AccountInput({ page, name, label, values, onValues, hint, ...attrs }) {
  const id = `${page}-${name}`;
  const edit = (e) => {
    const value = e.currentTarget.value;
    onValues((old) => ({ ...old, [name]: value }));
  };
  return (
    <>
      <label for={id}>{label}</label>
      <input id={id} name={name} value={values[name]} onInput={edit}
        aria-describedby={hint ? `${id}-hint` : undefined} {...attrs} />
      {hint && <p id={`${id}-hint`} class="account-hint">{hint}</p>}
    </>
  );
}
