import { ErrorBoundary, lazy, LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { serverReachable } from './api.ts';
import { cart, cartCount } from './cart.ts';
import { hasRole, session } from './session.ts';
import { useStore } from './store.ts';
import { CartPage } from './pages/cart.tsx';
import { DrinkPage } from './pages/drink.tsx';
import { MenuPage } from './pages/menu.tsx';
import { NotFoundPage } from './pages/not-found.tsx';
import { OrderPage } from './pages/order.tsx';
import { OrdersPage } from './pages/orders.tsx';
import { ProfilePage } from './pages/profile.tsx';
import { SchedulesPage } from './pages/schedules.tsx';
import { SignInPage, SignUpPage } from './pages/sign-in.tsx';

// The staff pages load only when opened: a customer's phone never downloads them.
const BaristaPage = lazy(() => import('./pages/barista.tsx').then((module) => module.BaristaPage));
const DisplayPage = lazy(() => import('./pages/display.tsx').then((module) => module.DisplayPage));
const AdminPage = lazy(() => import('./pages/admin.tsx').then((module) => module.AdminPage));
// A round for the table is an occasion, not every order: its pages load when opened too.
const RoundsPage = lazy(() => import('./pages/rounds.tsx').then((module) => module.RoundsPage));
const JoinRoundPage = lazy(() =>
  import('./pages/rounds.tsx').then((module) => module.JoinRoundPage),
);
const RoundPage = lazy(() => import('./pages/rounds.tsx').then((module) => module.RoundPage));

function OutageBanner() {
  const reachable = useStore(serverReachable);
  return (
    <div class="outage" role="status" aria-live="polite">
      {!reachable && (
        <p>
          <strong>Can’t reach the café right now.</strong> Your cart is safe; this page reconnects
          by itself.
        </p>
      )}
    </div>
  );
}

function Header() {
  const current = useStore(session);
  const count = cartCount(useStore(cart));
  const { path } = useLocation();
  const link = (href: string, label: string) => (
    <a href={href} aria-current={path === href ? 'page' : undefined}>
      {label}
    </a>
  );
  return (
    <header class="top">
      <a class="brand" href="/">
        Everything
      </a>
      <nav aria-label="Main">
        {link('/', 'Menu')}
        {current && link('/orders', 'Orders')}
        {current && link('/schedules', 'Scheduled')}
        {current && link('/rounds', 'Round')}
        {hasRole(current, 'barista') && link('/barista', 'Barista')}
        {hasRole(current, 'admin') && link('/admin', 'Admin')}
        {current ? link('/me', current.name) : link('/signin', 'Sign in')}
        <a href="/cart" class="cart-link" aria-current={path === '/cart' ? 'page' : undefined}>
          Cart{count > 0 && <span class="badge">{count}</span>}
          {count > 0 && <span class="visually-hidden"> ({count} drinks)</span>}
        </a>
      </nav>
    </header>
  );
}

function Shell() {
  const { path } = useLocation();
  // The pickup display is the whole screen of a TV: no navigation to distract.
  const bare = path === '/display';
  return (
    <>
      {!bare && (
        <a class="skip" href="#main">
          Skip to content
        </a>
      )}
      {!bare && <Header />}
      <OutageBanner />
      <main id="main" class={bare ? 'bare' : undefined} tabIndex={-1}>
        <ErrorBoundary>
          {/* Screen readers land on the new page's content, not on the link just followed. */}
          <Router onRouteChange={() => document.getElementById('main')?.focus()}>
            <Route path="/" component={MenuPage} />
            <Route path="/menu/:id" component={DrinkPage} />
            <Route path="/cart" component={CartPage} />
            <Route path="/orders" component={OrdersPage} />
            <Route path="/orders/:id" component={OrderPage} />
            <Route path="/me" component={ProfilePage} />
            <Route path="/schedules" component={SchedulesPage} />
            <Route path="/rounds" component={RoundsPage} />
            <Route path="/rounds/join/:code" component={JoinRoundPage} />
            <Route path="/rounds/:id" component={RoundPage} />
            <Route path="/signin" component={SignInPage} />
            <Route path="/signup" component={SignUpPage} />
            <Route path="/barista" component={BaristaPage} />
            <Route path="/display" component={DisplayPage} />
            <Route path="/admin" component={AdminPage} />
            <Route default component={NotFoundPage} />
          </Router>
        </ErrorBoundary>
      </main>
    </>
  );
}

export function App() {
  return (
    <LocationProvider>
      <Shell />
    </LocationProvider>
  );
}
