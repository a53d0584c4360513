import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, messageOf } from '../api.ts';
import { useTitle } from '../hooks.ts';
import { signIn } from '../session.ts';
import type { Tokens } from '../types.ts';
import { FieldError } from '../ui.tsx';

/** Only paths of this app: a crafted ?next= must not send the user elsewhere. */
const safeNext = (next: string | undefined) =>
  next?.startsWith('/') && !next.startsWith('//') ? next : '/';

export function SignInFirst({ what }: { what: string }) {
  const { url } = useLocation();
  return (
    <section class="state">
      <h1>Sign in</h1>
      <p>
        <a href={`/signin?next=${encodeURIComponent(url)}`}>Sign in</a> or{' '}
        <a href={`/signup?next=${encodeURIComponent(url)}`}>create an account</a> to {what}.
      </p>
    </section>
  );
}

function AuthForm({ mode }: { mode: 'signin' | 'signup' }) {
  const { query, route } = useLocation();
  const next = safeNext(query.next);
  const [values, setValues] = useState({ email: '', password: '', displayName: '' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const signup = mode === 'signup';
  useTitle(signup ? 'Create an account' : 'Sign in');
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const tokens = await api<Tokens>(signup ? '/v1/auth/register' : '/v1/auth/login', {
        method: 'POST',
        body: signup ? values : { email: values.email, password: values.password },
      });
      signIn(tokens);
      route(next, true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  const fieldError = (field: string) =>
    error instanceof ApiError ? error.fieldError(field) : undefined;
  const field = (
    name: 'email' | 'password' | 'displayName',
    label: string,
    type: 'text' | 'email' | 'password',
    autocomplete: string,
  ) => {
    const common = {
      id: name,
      name,
      autocomplete,
      required: true,
      minLength: name === 'password' ? 8 : 1,
      value: values[name],
      'aria-invalid': fieldError(name) ? true : undefined,
      'aria-describedby': fieldError(name) ? `${name}-error` : undefined,
      onInput: (event: Event) =>
        setValues({ ...values, [name]: (event.currentTarget as HTMLInputElement).value }),
    };
    return (
      <div class="field">
        <label for={name}>{label}</label>
        {/* One element per type: each input type takes its own attributes. */}
        {type === 'email' ? (
          <input type="email" {...common} />
        ) : type === 'password' ? (
          <input type="password" {...common} />
        ) : (
          <input type="text" {...common} />
        )}
        <FieldError id={`${name}-error`} message={fieldError(name)} />
      </div>
    );
  };
  const general =
    error === undefined || (error instanceof ApiError && error.problem.errors?.length)
      ? undefined
      : error instanceof ApiError && error.status === 401
        ? 'That email and password do not match an account.'
        : messageOf(error);
  return (
    <section aria-labelledby="auth-title" class="narrow">
      <h1 id="auth-title">{signup ? 'Create an account' : 'Sign in'}</h1>
      <form onSubmit={(event) => void submit(event)} noValidate={false}>
        {signup &&
          field('displayName', 'Your name (shown when your order is ready)', 'text', 'nickname')}
        {field('email', 'Email', 'email', 'email')}
        {field(
          'password',
          'Password (at least 8 characters)',
          'password',
          signup ? 'new-password' : 'current-password',
        )}
        {general && (
          <p class="field-error" role="alert">
            {general}
          </p>
        )}
        <button type="submit" class="primary-wide" disabled={busy} aria-busy={busy}>
          {busy ? 'One moment…' : signup ? 'Create account' : 'Sign in'}
        </button>
      </form>
      <p>
        {signup ? (
          <>
            Have an account? <a href={`/signin?next=${encodeURIComponent(next)}`}>Sign in</a>
          </>
        ) : (
          <>
            New here? <a href={`/signup?next=${encodeURIComponent(next)}`}>Create an account</a>
          </>
        )}
      </p>
    </section>
  );
}

export const SignInPage = () => <AuthForm mode="signin" />;
export const SignUpPage = () => <AuthForm mode="signup" />;
