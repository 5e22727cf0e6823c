/**
 * Hash routing (`#/node`, `#/logs`…): it works the same over HTTP, from file:// and from a custom
 * protocol in Electron, and needs no server support. Unknown routes show the default page.
 */
const current = $state<{ path: string; navigations: number }>({ path: readHash(), navigations: 0 });

function readHash(): string {
  const hash = window.location.hash;
  return hash.startsWith('#/') ? decodeURIComponent(hash.slice(2)).split('/')[0] || '' : '';
}

window.addEventListener('hashchange', () => {
  current.path = readHash();
  current.navigations += 1;
});

export const route = {
  get path(): string {
    return current.path;
  },
  /** Counts hash changes, so the app can react to each navigation (focus the new title). */
  get navigations(): number {
    return current.navigations;
  },
};

export function hrefFor(id: string): string {
  return `#/${id}`;
}
