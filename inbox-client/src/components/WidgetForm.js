// Settings → Widget: the widget's greeting, colours, corner, language and pre-chat form
// (PUT /api/widget-settings), then its identity-verification secret (IdentitySecret).
import { request } from "../http.js";
import { widgetBody, widgetValues } from "../settings-forms.js";
import { useValues } from "../use-values.js";
import { Field } from "./Field.js";
import { IdentitySecret } from "./IdentitySecret.js";
import { SaveForm } from "./SaveForm.js";

const CORNERS = [["right", "Bottom right"], ["left", "Bottom left"]];
const LANGUAGES = [["auto", "The visitor's browser"], ["en", "English"], ["es", "Spanish"]];

/** `view` is GET /api/widget-settings's body. */
export function WidgetForm({ view }) {
  const [values, bind] = useValues(() => widgetValues(view));
  return (
    <>
      <SaveForm name="Widget settings" save={() => request("PUT", "/api/widget-settings", widgetBody(values))}>
        <Field label="Greeting (empty: the default)" {...bind("greeting")} maxLength={500} />
        <Field label="Colour" kind="color" {...bind("color")} />
        <Field label="Text colour" kind="color" {...bind("textColor")} />
        <Field label="Corner" kind="select" {...bind("position")} options={CORNERS} />
        <Field label="Language" kind="select" {...bind("language")} options={LANGUAGES} />
        <Field label="Ask for a name and email before the chat" kind="checkbox" {...bind("preChat")} />
      </SaveForm>
      <IdentitySecret on={view.identity_verification} />
    </>
  );
}
