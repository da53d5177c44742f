import type { Child } from 'hono/jsx';
import type { FieldErrors } from './forms';
import { CSRF_FIELD } from './guard';

// The dashboard's form controls: every page labels, describes and reports errors on them alike.

/** The hidden field every POST form of a signed-in page carries. */
export function Csrf(props: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={props.token} />;
}

export interface ControlAttrs {
  id: string;
  name: string;
  'aria-describedby'?: string;
  'aria-invalid'?: 'true';
}

/** A labelled form control; its hint and validation message are tied to it with aria-describedby. */
export function Field(props: { name: string; label: string; error?: string | undefined; hint?: string | undefined; render: (attrs: ControlAttrs) => Child }) {
  const id = `f-${props.name}`;
  const describedBy = [props.hint ? `${id}-hint` : null, props.error ? `${id}-error` : null].filter(Boolean).join(' ');
  const attrs: ControlAttrs = {
    id,
    name: props.name,
    ...(describedBy ? { 'aria-describedby': describedBy } : {}),
    ...(props.error ? { 'aria-invalid': 'true' as const } : {}),
  };
  return (
    <div class={props.error ? 'field invalid' : 'field'}>
      <label for={id}>{props.label}</label>
      {props.render(attrs)}
      {props.hint ? (
        <span class="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      {props.error ? (
        <span class="error" id={`${id}-error`}>
          {props.error}
        </span>
      ) : null}
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  hint?: string;
  error?: string | undefined;
}

/** A labelled one-line text input; `inputmode` brings up a number pad on phones. */
export function TextField(props: FieldProps & { value: string; inputmode?: 'decimal' | 'numeric' }) {
  const { value, inputmode, ...field } = props;
  const mode = inputmode ? { inputmode } : {};
  return <Field {...field} render={(a) => <input {...a} type="text" {...mode} value={value} />} />;
}

/** One choice of a <select> or a set of check boxes: its value, and what the page shows for it. */
export interface Choice {
  value: string;
  label: string;
}

const choice = (c: string | Choice): Choice => (typeof c === 'string' ? { value: c, label: c } : c);

/** A record of value → label as choices, in the record's order. */
export function choicesOf(labels: Record<string, string>): Choice[] {
  return Object.entries(labels).map(([value, label]) => ({ value, label }));
}

/** A <select>'s options, the one equal to `value` selected; `empty` names a first option with no value. */
export function Options(props: { choices: readonly (string | Choice)[]; value: string; empty?: string | undefined }) {
  return (
    <>
      {props.empty !== undefined ? <option value="">{props.empty}</option> : null}
      {props.choices.map(choice).map((o) => (
        <option value={o.value} selected={o.value === props.value}>
          {o.label}
        </option>
      ))}
    </>
  );
}

/** A labelled <select> of the choices (see Options). */
export function SelectField(props: FieldProps & { choices: readonly (string | Choice)[]; value: string; empty?: string }) {
  const { choices, value, empty, ...field } = props;
  return (
    <Field
      {...field}
      render={(a) => (
        <select {...a}>
          <Options choices={choices} value={value} empty={empty} />
        </select>
      )}
    />
  );
}

/** A GET form of filters over the page's figures, shown again with a "Show" button. */
export function FilterForm(props: { action: string; children: Child }) {
  return (
    <form class="filters" method="get" action={props.action}>
      {props.children}
      <div>
        <button class="primary" type="submit">
          Show
        </button>
      </div>
    </form>
  );
}

/** Check boxes that post every ticked value under one name, with the set's error after them. */
export function Checks(props: { name: string; legend: string; choices: readonly (string | Choice)[]; ticked: readonly string[]; error: string | undefined }) {
  return (
    <fieldset class="checks" aria-describedby={props.error ? `${props.name}-error` : undefined}>
      <legend>{props.legend}</legend>
      {props.choices.map(choice).map((o, i) => (
        <label>
          <input type="checkbox" name={props.name} value={o.value} id={`${props.name}-${i}`} checked={props.ticked.includes(o.value)} /> {o.label}
        </label>
      ))}
      {props.error ? (
        <span class="error" id={`${props.name}-error`}>
          {props.error}
        </span>
      ) : null}
    </fieldset>
  );
}

/** The error of the whole form (the one under ''), or else, when fields have errors, `summary` where it is given. */
export function FormErrors(props: { errors: FieldErrors; summary?: Child }) {
  const e = props.errors;
  const message = e[''] || (Object.keys(e).length ? props.summary : null);
  return message ? (
    <p class="notice bad" role="alert">
      {message}
    </p>
  ) : null;
}

/** A form's submit button (red where it cannot be undone), and the way back without saving. */
export function SubmitOrCancel(props: { submit: string; cancel: string; danger?: boolean }) {
  return (
    <div class="actions">
      <button class={props.danger ? 'danger' : 'primary'} type="submit">
        {props.submit}
      </button>
      <a class="button" href={props.cancel}>
        Cancel
      </a>
    </div>
  );
}

/** One button that posts (with the CSRF field) to `action`: a form of its own. */
export function PostButton(props: { action: string; csrf: string; class?: string; 'aria-label'?: string; children: Child }) {
  return (
    <form method="post" action={props.action}>
      <Csrf token={props.csrf} />
      <button type="submit" class={props.class} aria-label={props['aria-label']}>
        {props.children}
      </button>
    </form>
  );
}

/**
 * The page between a button and a change that cannot be undone (deleting an expert or a policy, revoking a key):
 * what will happen, then a red button that posts it (with the CSRF field), or the way back.
 */
export function ConfirmForm(props: { action: string; csrf: string; confirm: string; cancel: string; children: Child }) {
  return (
    <form method="post" action={props.action} class="stack">
      <Csrf token={props.csrf} />
      {props.children}
      <SubmitOrCancel submit={props.confirm} cancel={props.cancel} danger />
    </form>
  );
}
