/**
 * chart.js, registered with only what the Earnings page draws (bars, lines, linear and category
 * axes, tooltips, legend) and defaults that suit the CSP: no animation, canvas-only tooltips,
 * no plugin that adds CSS. Colours come from the theme's CSS variables at draw time.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  Legend,
);
Chart.defaults.animation = false;
Chart.defaults.responsive = true;
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.font.size = 12;
Chart.defaults.plugins.tooltip.mode = 'index';
Chart.defaults.plugins.tooltip.intersect = false;

export function themeColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

/** Distinct series colours that read on light and dark backgrounds. */
export const PALETTE = ['#4f46e5', '#0891b2', '#d97706', '#16a34a', '#db2777', '#7c3aed'];

export { Chart };
