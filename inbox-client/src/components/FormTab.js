// A settings tab that is one form over one resource: read with GET `path` each time the tab
// is shown, then `form` (a component given the body as `view`) fresh for each read.
import { request } from "../http.js";
import { useLoaded } from "../use-loaded.js";
import { Failure } from "./Failure.js";

export function FormTab({ title, path, form: Form, load, settled }) {
  const [got] = useLoaded(() => request("GET", path), load, settled);
  if (!got) return null;
  if (!got.data.ok) return <Failure result={got.data} />;
  return (
    <>
      <h3 tabIndex={-1}>{title}</h3>
      <Form key={got.n} view={got.data.body} />
    </>
  );
}
