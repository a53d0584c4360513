import { useTitle } from '../hooks.ts';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <section class="state">
      <h1>This page does not exist</h1>
      <p>
        <a href="/">Back to the menu</a>
      </p>
    </section>
  );
}
