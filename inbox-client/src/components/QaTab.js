// Settings → Q&A pairs: the pairs the AI answers from, each edited in place or deleted
// (QaRow), and a form to add one (QaForm). Every change re-reads the list.
import { request } from "../http.js";
import { useLoaded } from "../use-loaded.js";
import { Failure } from "./Failure.js";
import { QaForm } from "./QaForm.js";
import { QaRow } from "./QaRow.js";

const read = () => request("GET", "/api/qa");

export function QaTab({ load, settled }) {
  const [got, reload, say] = useLoaded(read, load, settled);
  if (!got) return null;
  if (!got.data.ok) return <Failure result={got.data} />;
  const pairs = got.data.body.pairs;
  const changed = (note) => reload({ note });
  const add = async (body) => {
    const result = await request("POST", "/api/qa", body);
    if (result.ok) await changed("Pair added.");
    return result;
  };
  return (
    <>
      <h3 tabIndex={-1}>Q&amp;A pairs</h3>
      <p class="set-status" role="status">{got.note}</p>
      <ul class="set-list" aria-label="Q&A pairs">
        {pairs.map((pair) => <QaRow key={`${pair.id}:${got.n}`} pair={pair} changed={changed} failed={say} />)}
        {!pairs.length && <li class="set-empty">No Q&amp;A pairs yet.</li>}
      </ul>
      <h4>Add a pair</h4>
      <QaForm key={got.n} name="Add a Q&A pair" send={add} submit="Add pair" done="Pair added." />
    </>
  );
}
