/**
 * Light or dark: follows the system (`prefers-color-scheme`) unless the user picked one. The
 * choice is a `data-theme` attribute on <html> that the CSS variables in `app.css` key on (an
 * attribute, not an inline style, so the strict CSP has nothing to object to).
 */
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

const THEME_KEY = 'noesis.theme';

function isThemeChoice(value: unknown): value is ThemeChoice {
  return value === 'system' || value === 'light' || value === 'dark';
}

function saved(): ThemeChoice {
  try {
    const value = localStorage.getItem(THEME_KEY);
    if (isThemeChoice(value)) return value;
  } catch {
    // Storage disabled.
  }
  return 'system';
}

const current = $state<{ choice: ThemeChoice }>({ choice: saved() });

function apply(choice: ThemeChoice): void {
  if (choice === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
}

apply(current.choice);

export const theme = {
  get choice(): ThemeChoice {
    return current.choice;
  },
  set(choice: ThemeChoice): void {
    current.choice = choice;
    apply(choice);
    try {
      if (choice === 'system') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, choice);
    } catch {
      // Not persisted; it still applies to this page.
    }
  },
};
